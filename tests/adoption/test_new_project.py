"""A new Flask project adopts flask-dredd with the engine's public wiring only, and its
contract runs green on SQLite and PostgreSQL, twice in a row on one database."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from .conftest import IN_SECONDS, ROOT, NewProject, Run, new_project

pytestmark = pytest.mark.e2e
TRANSACTIONS = 8
#: What README.md states ("Use flask-dredd in your own Flask API").
GLUE_LINES = 9


def assert_green(run: Run) -> None:
    assert run.exit_code == 0, run.output
    assert run.report is not None, run.output
    assert (run.report.passed, run.report.failed, run.report.skipped) == (TRANSACTIONS, 0, 0)


def test_the_glue_is_at_most_15_lines_and_the_readme_says_how_many(project: NewProject) -> None:
    assert project.glue_lines() == GLUE_LINES <= 15
    assert f"{GLUE_LINES} lines of glue" in (ROOT / "README.md").read_text()


def test_green_on_sqlite_and_again_on_the_same_database(project: NewProject, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'notes_contract.db'}"
    assert_green(project.run_contract(url))
    # The second run upgrades a database the first left stamped at the head.
    again = project.run_contract(url)
    assert_green(again)
    assert "migrated to head" in again.output


@pytest.mark.postgres
def test_green_on_postgres(project: NewProject, notes_postgres_url: str) -> None:
    assert_green(project.run_contract(notes_postgres_url))


def test_a_forgotten_db_setting_is_named_and_the_database_kept(tmp_path: Path) -> None:
    """Plain SQLAlchemy without `db=`: a setup error (exit 2) naming the fix, in seconds,
    before the database is migrated or changed in any way."""
    project = new_project(tmp_path, "alembic")
    (project.root / "hooks/setup.py").write_text("from flask_dredd import install\n\ninstall()\n")
    database = tmp_path / "notes_contract.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE kept (id INTEGER PRIMARY KEY)")
        connection.execute("INSERT INTO kept VALUES (7)")
    started = time.monotonic()
    run = project.run_contract(f"sqlite:///{database}")
    seconds = time.monotonic() - started
    assert run.exit_code == 2 and seconds < IN_SECONDS, (seconds, run.output)
    assert "db not found: the app 'notes' has no Flask-SQLAlchemy extension" in run.output
    assert "FLASK_DREDD_DB=package.module:db" in run.output and "Traceback" not in run.output
    with sqlite3.connect(database) as connection:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
        rows = connection.execute("SELECT id FROM kept").fetchall()
    assert tables == {"kept"} and rows == [(7,)]
