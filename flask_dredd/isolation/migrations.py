"""Migrations: which tool a project uses, how a run upgrades, how a prepare stamps.

One setting, ``FLASK_DREDD_MIGRATIONS`` (or ``install(migrations=...)`` in the hooks):

- ``flask-migrate``: Flask-Migrate (``flask db upgrade``; the app has ``Migrate(app, db)``);
- a path to an ``alembic.ini``: plain Alembic (``alembic -c PATH upgrade head``);
- ``none``: the project has no migrations (the schema comes from the models alone);
- unset: an ``alembic.ini`` in the project's root means plain Alembic; otherwise
  Flask-Migrate where the app has it (the runner always tries ``flask db upgrade``),
  else none.

Isolation builds the schema with ``create_all`` and then *stamps* the head, so a later
upgrade of the same database does nothing instead of failing on existing tables. A
database that has a migration table no stamp will restore is refused before anything is
dropped (see `check_restorable`): a reset would lose the record, and the next upgrade
would fail with "table … already exists".
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sqlalchemy import Connection, Engine, inspect

from flask_dredd.errors import IsolationError

MIGRATIONS_ENV = "FLASK_DREDD_MIGRATIONS"
VERSION_TABLE = "alembic_version"
CHOICES = "flask-migrate, a path to an alembic.ini, or none"


class MigrationsNotFoundError(IsolationError):
    """The migrations the setting names do not exist; nothing was changed."""


class UnrestorableMigrationTableError(IsolationError):
    """A reset would drop a migration table that no stamp puts back."""


@dataclass(frozen=True)
class Migrations:
    kind: Literal["flask-migrate", "alembic", "none", "auto"]
    ini: Path | None = None  # for "alembic"
    source: str = "the default"  # where the setting came from, for messages


def migrations_setting(
    value: str | None = None, root: Path | None = None, environ: Mapping[str, str] = os.environ
) -> Migrations:
    """The project's migrations: `value`, else ``$FLASK_DREDD_MIGRATIONS``, else guessed."""
    source = "install(migrations=...)"
    if value is None:
        value, source = environ.get(MIGRATIONS_ENV, "").strip() or None, MIGRATIONS_ENV
    root = root or Path.cwd()
    if value is None:
        ini = root / "alembic.ini"
        return Migrations("alembic", ini, "alembic.ini in the project") if ini.is_file() else (
            Migrations("auto")
        )
    if value.lower() in ("none", "off", "false", "0"):
        return Migrations("none", source=f"{source}={value}")
    if value.lower() in ("flask-migrate", "flask_migrate", "flask db"):
        return Migrations("flask-migrate", source=f"{source}={value}")
    ini = Path(value) if Path(value).is_absolute() else root / value
    if ini.suffix != ".ini" and not ini.is_file():
        raise MigrationsNotFoundError(
            f"{source}={value!r} is not a migrations setting: use {CHOICES}."
        )
    if not ini.is_file():
        raise MigrationsNotFoundError(
            f"no migrations found: {source}={value!r} names {ini}, which does not exist. "
            f"Set it to the project's alembic.ini, to flask-migrate, or to none."
        )
    return Migrations("alembic", ini, f"{source}={value}")


def upgrade_command(migrations: Migrations, flask_app: str) -> list[str] | None:
    """The command that brings a run's database to the head, or None when there is none."""
    if migrations.kind == "none":
        return None
    if migrations.kind == "alembic":
        return [sys.executable, "-m", "alembic", "-c", str(migrations.ini), "upgrade", "head"]
    return [sys.executable, "-m", "flask", "--app", flask_app, "db", "upgrade"]


def upgrade_hint(migrations: Migrations) -> str:
    """What to try when the upgrade command failed."""
    if migrations.kind == "auto":
        return (
            f"If the project does not use Flask-Migrate, set {MIGRATIONS_ENV} to its "
            "alembic.ini (plain Alembic) or to none (no migrations)."
        )
    return f"(migrations from {migrations.source}; choices: {CHOICES})"


def stamper_for(migrations: Migrations, engine: Callable[[], Engine]) -> Callable[[], bool] | None:
    """The function that stamps the head after create_all, or None when nothing can.

    Raises `MigrationsNotFoundError` when the setting names migrations that are not there.
    """
    if migrations.kind == "none":
        return None
    if migrations.kind == "alembic":
        assert migrations.ini is not None
        ini = migrations.ini
        return lambda: _stamp_with_alembic(ini, engine())
    directory = _flask_migrate_directory()
    if directory is None:
        if migrations.kind == "auto":
            return None
        raise MigrationsNotFoundError(
            f"no migrations found: {migrations.source} asks for Flask-Migrate, but the app "
            "has no Migrate(app, db). Set "
            f"{MIGRATIONS_ENV} to the project's alembic.ini (plain Alembic) or to none."
        )
    if not (Path(directory) / "env.py").is_file():
        raise MigrationsNotFoundError(
            f"no migrations found: the app's Flask-Migrate directory {directory!r} has no "
            f"env.py (run `flask db init`), or set {MIGRATIONS_ENV}=none."
        )
    return lambda: _stamp_with_flask_migrate(directory)


def check_restorable(connection: Connection, can_stamp: bool) -> None:
    """Refuse a database whose migration table a reset would drop for good."""
    if can_stamp or VERSION_TABLE not in inspect(connection).get_table_names():
        return
    raise UnrestorableMigrationTableError(
        f"the database has the migration table {VERSION_TABLE!r}, and a reset drops every "
        "table, but flask-dredd has no migrations to stamp it back with: the next "
        "upgrade would fail with 'table ... already exists'. Nothing was changed. Set "
        f"{MIGRATIONS_ENV} (or install(migrations=...)) to the project's alembic.ini or to "
        "flask-migrate, the tool that created it."
    )


def _flask_migrate_directory() -> str | None:
    from flask import current_app, has_app_context

    migrate = current_app.extensions.get("migrate") if has_app_context() else None
    return None if migrate is None else str(migrate.directory)


def _stamp_with_flask_migrate(directory: str) -> bool:
    import flask_migrate  # only needed when the project uses it

    with _logging_preserved():
        try:
            flask_migrate.stamp(directory=directory, revision="head")
        except SystemExit as exit_:  # Flask-Migrate turns Alembic errors into sys.exit(1)
            raise IsolationError(
                f"Stamping the migration head from {directory!r} failed "
                "(Alembic's message is logged above): check that the migrations directory "
                "is the one `flask db upgrade` uses and that its history has one head."
            ) from exit_
    return True


def _stamp_with_alembic(ini: Path, engine: Engine) -> bool:
    from alembic import command
    from alembic.config import Config
    from alembic.util import CommandError

    config = Config(str(ini))
    # The template's env.py reads sqlalchemy.url; one that reads DATABASE_URL sees the
    # same database, which the runner sets for every process.
    url = engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    with _logging_preserved():
        try:
            command.stamp(config, "head")
        except CommandError as error:
            raise IsolationError(
                f"Stamping the migration head with {ini} failed: {error}. Check that "
                f"`alembic -c {ini} heads` shows one head."
            ) from error
    return True


@contextmanager
def _logging_preserved() -> Iterator[None]:
    """Undo what a migrations env.py does to logging when it runs ``fileConfig``.

    Migration env.py files call ``logging.config.fileConfig(alembic.ini)``, which
    replaces the root handlers and disables every logger alembic.ini does not list:
    in the hooks process that would silence the handler's own logging.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    disabled = {
        name: logger.disabled
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, was_disabled in disabled.items():
            logging.getLogger(name).disabled = was_disabled
