"""The run's database phase follows the project's migrations: a bad setting stops the run
before any database is created, and a failed `flask db upgrade` says what to set."""

from __future__ import annotations

import time
from pathlib import Path

from .conftest import new_project


def test_migrations_that_do_not_exist_stop_the_run_before_anything(tmp_path: Path) -> None:
    project = new_project(tmp_path, "alembic")
    database = tmp_path / "notes_contract.db"
    started = time.monotonic()
    run = project.run_contract(f"sqlite:///{database}", FLASK_DREDD_MIGRATIONS="db/alembic.ini")
    assert run.exit_code == 2, run.output
    assert "no migrations found: FLASK_DREDD_MIGRATIONS='db/alembic.ini' names" in run.output
    assert "Set it to the project's alembic.ini, to flask-migrate, or to none." in run.output
    assert not database.exists() and run.report is None
    assert time.monotonic() - started < 10


def test_no_flask_migrate_and_no_alembic_ini_says_what_to_set(tmp_path: Path) -> None:
    project = new_project(tmp_path, "alembic")
    (project.root / "alembic.ini").rename(project.root / "migrations" / "alembic.ini")
    run = project.run_contract(f"sqlite:///{tmp_path / 'notes_contract.db'}")
    assert run.exit_code == 2, run.output
    assert "`flask --app notes db upgrade` failed" in run.output
    assert "set FLASK_DREDD_MIGRATIONS to its alembic.ini (plain Alembic) or to none" in run.output
    assert run.report is None
