"""Wiring for every transaction: a bare app on the server's database, reset before each.

The bare app has the API's config and models but no routes: the hooks only need its
database session (for factories) and its SECRET_KEY (for tokens). It reads the same
environment as the server (EVENTAPI_CONFIG, DATABASE_URL, SECRET_KEY).
"""

from pathlib import Path

import dredd_hooks as hooks
from flask import Flask
from flask_migrate import Migrate

from eventapi.config import config_class, environment_overrides
from eventapi.extensions import db
from eventapi.seed import seed_static_rows
from factories import reset_sequences
from flask_dredd.isolation import Isolation

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

isolation = Isolation(db, seed=seed_static_rows, strategy=None)


@hooks.before_all
def boot_bare_app(transactions):
    app = Flask(__name__)
    app.config.from_object(config_class())
    app.config.update(environment_overrides())
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        raise RuntimeError("DATABASE_URL is not set: export the URL of the server's database")
    db.init_app(app)
    Migrate(app, db, directory=str(MIGRATIONS_DIR))
    # Pushed for good: hooks run one after another in this thread, so every later hook
    # (and every factory) works inside this context.
    app.app_context().push()
    isolation.prepare()


@hooks.before_each
def reset_database(transaction):
    isolation.reset()
    reset_sequences()
