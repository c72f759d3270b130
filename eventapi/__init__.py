"""EventAPI, the reference API flask-dredd is proven on.

`create_app` is the application factory; gunicorn runs ``'eventapi:create_app()'``.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event as sqlalchemy_event

from eventapi.config import config_class, environment_overrides
from eventapi.extensions import db, migrate

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config: str | Mapping[str, Any] | None = None) -> Flask:
    """Build the app.

    `config` names a settings class ("development", "testing", "contract", "production";
    default: ``EVENTAPI_CONFIG``, else development), whose defaults the environment's
    ``DATABASE_URL`` and ``SECRET_KEY`` override. A mapping is a test config, as in the
    Flask tutorial: applied over the testing settings, with the environment ignored so
    that a test never touches a database the shell happens to name.
    """
    app = Flask(__name__, instance_relative_config=True, static_folder=None)
    if isinstance(config, Mapping):
        app.config.from_object(config_class("testing"))
        app.config.update(config)
    else:
        app.config.from_object(config_class(config))
        app.config.update(environment_overrides())
    _finish_config(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    with app.app_context():
        _enforce_sqlite_foreign_keys()

    from eventapi import auth, events, programme, speakers, users
    from eventapi.auth.csrf import init_csrf
    from eventapi.auth.sessions import DatabaseSessionInterface
    from eventapi.cli import seed_command
    from eventapi.errors import register_error_handlers
    from eventapi.query import init_query
    from eventapi.validation import IdConverter

    app.session_interface = DatabaseSessionInterface()
    init_csrf(app)  # before the query check: a forged request is refused first
    init_query(app)
    app.url_map.converters["id"] = IdConverter
    for blueprint in (auth.bp, users.bp, events.bp, programme.bp, speakers.bp):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    app.cli.add_command(seed_command)
    return app


def _finish_config(app: Flask) -> None:
    """Fail at start-up, with what to do, rather than on the first request."""
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set: export SECRET_KEY=<a long random string>")
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        if not app.config.get("DATABASE_IN_INSTANCE_FOLDER"):
            raise RuntimeError("DATABASE_URL is not set: export DATABASE_URL=postgresql://...")
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        database = Path(app.instance_path) / "eventapi.db"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{database}"


def _enforce_sqlite_foreign_keys() -> None:
    """SQLite ignores foreign keys unless each connection asks for them."""
    if db.engine.dialect.name != "sqlite":
        return

    @sqlalchemy_event.listens_for(db.engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
