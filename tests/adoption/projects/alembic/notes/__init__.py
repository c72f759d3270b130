"""The notes service on plain SQLAlchemy 2 and plain Alembic."""

import os

from flask import Flask

from notes.database import session


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY", "notes-not-secret")
    app.teardown_appcontext(lambda error: session.remove())

    from notes import api

    app.register_blueprint(api.bp)
    return app
