"""A new Flask project adopts flask-dredd with the engine's public wiring only, and its
contract runs green on SQLite and PostgreSQL, twice in a row on one database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from .conftest import ROOT, NewProject, Run, new_project

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
    """Plain SQLAlchemy without `db=`: a setup error (exit 2) naming the fix, within
    seconds, and the database the run migrated is left as it was (its migration record
    included)."""
    project = new_project(tmp_path, "alembic")
    (project.root / "hooks/setup.py").write_text("from flask_dredd import install\n\ninstall()\n")
    database = tmp_path / "notes_contract.db"
    run = project.run_contract(f"sqlite:///{database}")
    assert run.exit_code == 2 and run.report is not None, run.output
    assert "setup error: db not found" in run.output
    assert "db not found: the app 'notes' has no Flask-SQLAlchemy extension" in run.output
    assert "FLASK_DREDD_DB=package.module:db" in run.output
    with sqlite3.connect(database) as connection:
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
        version = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert {"users", "notes", "alembic_version"} <= tables and version == [("0001",)]
