"""The hooks' view of the API's database: a bare app with the API's config, no routes.

Factories need only a database session, and tokens only the SECRET_KEY, so the hooks
(and tests that play the hooks' part) boot this instead of the whole API. It reads the
same environment as the server (EVENTAPI_CONFIG, DATABASE_URL, SECRET_KEY), so both
processes always agree on the database and the key.
"""

from flask import Flask
from flask_migrate import Migrate

from eventapi import MIGRATIONS_DIR
from eventapi.config import config_class, environment_overrides
from eventapi.extensions import db


def bare_app() -> Flask:
    """Flask, the API's config from the environment, `db` and Migrate: nothing else."""
    app = Flask(__name__)
    app.config.from_object(config_class())
    app.config.update(environment_overrides())
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        raise RuntimeError("DATABASE_URL is not set: export the URL of the server's database")
    db.init_app(app)
    Migrate(app, db, directory=str(MIGRATIONS_DIR))
    return app
