"""Stamping the migration head after create_all, without letting Alembic touch our logging."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app

from .errors import IsolationError


def stamp_migration_head() -> bool:
    """Record the newest migration as applied, as ``flask db stamp head`` would.

    The schema came from ``create_all``, so it already is the head's; stamping lets a
    later ``flask db upgrade`` on this database do nothing instead of failing. Skipped
    (returns False) when the app has no Migrate or its migrations directory is missing.
    """
    migrate = current_app.extensions.get("migrate")
    if migrate is None or not (Path(migrate.directory) / "env.py").is_file():
        return False
    import flask_migrate  # only needed when migrations are configured

    with _logging_preserved():
        try:
            flask_migrate.stamp(directory=migrate.directory, revision="head")
        except SystemExit as exit_:  # Flask-Migrate turns Alembic errors into sys.exit(1)
            raise IsolationError(
                f"Stamping the migration head from {migrate.directory!r} failed "
                "(Alembic's message is logged above): check that the migrations directory "
                "is the one `flask db upgrade` uses and that its history has one head."
            ) from exit_
    return True


@contextmanager
def _logging_preserved() -> Iterator[None]:
    """Undo what a migrations env.py does to logging when it runs ``fileConfig``.

    Flask-Migrate's env.py calls ``logging.config.fileConfig(alembic.ini)``, which
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
