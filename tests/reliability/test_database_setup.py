"""The run's database setup: clear refusals (exit 2, no traceback), nothing created by guess.

- in-memory SQLite cannot serve a run: the server's workers and the hooks would each
  get their own empty database;
- a SQLite folder is created only inside the project; elsewhere the user creates it;
- a SQLite path under a regular file is named as such;
- creating a missing PostgreSQL database never follows the URL's query to another one.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg2
import pytest

from flask_dredd.run.database import ensure_database, parse_url
from tests.postgres import scratch_database

from .guard_support import PG_SERVER
from .test_guard_end_to_end import flask_dredd_run


def assert_setup_error(result, *fragments: str) -> None:  # noqa: ANN001 - CompletedProcess
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    for fragment in fragments:
        assert fragment in result.stderr, output
    assert "Traceback" not in output
    assert "[flask-dredd] server" not in output


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///:memory:",
        "sqlite:///file::memory:?cache=shared&uri=true",
        "sqlite:///file:scratch_contract?mode=memory&uri=true",
    ],
)
def test_in_memory_sqlite_is_refused_for_a_run_with_the_reason(url: str, tmp_path: Path) -> None:
    result = flask_dredd_run(url, tmp_path)
    assert_setup_error(result, "in-memory SQLite", "each would get its own empty database")
    assert "Use a file" in result.stderr


def test_a_folder_outside_the_project_is_not_created(tmp_path: Path) -> None:
    folder = tmp_path / "absent" / "dir"
    result = flask_dredd_run(f"sqlite:///{folder / 'eventapi_contract.db'}", tmp_path / "r")
    assert_setup_error(result, f"the folder {folder}", "does not exist", f"mkdir -p {folder}")
    assert not (tmp_path / "absent").exists()


def test_a_path_under_a_regular_file_is_named(tmp_path: Path) -> None:
    regular = tmp_path / "notes.txt"
    regular.write_text("not a folder\n")
    result = flask_dredd_run(f"sqlite:///{regular / 'eventapi_contract.db'}", tmp_path / "r")
    assert_setup_error(result, f"{regular} is a file, not a folder")


def test_a_folder_inside_the_project_is_created_and_the_path_made_absolute(
    tmp_path: Path,
) -> None:
    from flask_dredd.run.database import open_run_database

    url, created, opened = open_run_database(
        parse_url("sqlite:///var/new/eventapi_contract.db"), root=tmp_path
    )
    path = tmp_path / "var" / "new" / "eventapi_contract.db"
    assert created and path.exists()
    # Each Flask app would read a relative path against its own instance folder: the
    # run's processes get the one absolute path instead.
    assert url.database == str(path)
    assert opened.name == str(path)


@pytest.mark.postgres
def test_creating_a_missing_database_ignores_a_dbname_in_the_query() -> None:
    name = f"flask_dredd_guard_{uuid.uuid4().hex[:8]}_test"
    missing = f"flask_dredd_nowhere_{uuid.uuid4().hex[:8]}"
    with scratch_database(name) as url:  # dropped afterwards
        assert ensure_database(parse_url(f"{url}?dbname={missing}"))
        conn = psycopg2.connect(f"{PG_SERVER}/postgres")
        with conn, conn.cursor() as cur:
            cur.execute(
                "SELECT datname FROM pg_database WHERE datname IN (%s, %s)", (name, missing)
            )
            assert cur.fetchall() == [(name,)]
        conn.close()
