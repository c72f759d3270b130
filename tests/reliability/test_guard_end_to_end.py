"""`flask dredd run` on the two URLs of issue 9 that wiped a protected database.

``…/x_contract?dbname=precious`` names a designated database but psycopg2 opens
``precious``; ``sqlite:////…/precious.db?mode=memory`` looks in-memory but pysqlite opens
the file. Each run must stop in its database phase: exit 2, a message naming the
database the driver opened, no traceback, every row still there, nothing migrated.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest

from flask_dredd.isolation import ALLOW_ENV

from .guard_support import PG_SERVER, ROOT, ROWS, precious_postgres_database, precious_sqlite_folder


def flask_dredd_run(database_url: str, reports: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EVENTAPI_CONFIG": "contract"}
    env.pop(ALLOW_ENV, None)
    return subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "eventapi", "dredd", "run",
         "--database-url", database_url, "--reports-dir", str(reports)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip


def assert_refused(result: subprocess.CompletedProcess[str], opened: str, seconds: float) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Refusing to reset" in result.stderr, output
    assert opened in result.stderr, output
    assert "Traceback" not in output
    assert "[flask-dredd] server" not in output  # stopped in the database phase
    assert seconds < 30


@pytest.mark.postgres
def test_a_dbname_in_the_query_does_not_get_a_protected_database_reset(tmp_path: Path) -> None:
    with precious_postgres_database() as name:
        decoy = f"{name}_contract"  # the designated name the URL's path shows
        url = f"{PG_SERVER}/{decoy}?dbname={name}"
        started = time.monotonic()
        result = flask_dredd_run(url, tmp_path)
        assert_refused(result, f"the driver opened database '{name}'", time.monotonic() - started)
        conn = psycopg2.connect(f"{PG_SERVER}/{name}")
        with conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM keep")
            assert cur.fetchone() == (ROWS,)
            cur.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            )
            assert cur.fetchall() == [("keep",)]  # not migrated
            cur.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (decoy,))
            assert cur.fetchone() == (0,)  # and the decoy was not created either
        conn.close()


def test_mode_memory_without_uri_does_not_get_a_protected_file_reset(tmp_path: Path) -> None:
    precious = precious_sqlite_folder(tmp_path)
    started = time.monotonic()
    result = flask_dredd_run(f"sqlite:///{precious}?mode=memory", tmp_path / "reports")
    assert_refused(result, str(precious), time.monotonic() - started)
    assert "?mode= only together with ?uri=true" in result.stderr
    with sqlite3.connect(precious) as conn:
        assert conn.execute("SELECT count(*) FROM keep").fetchone() == (ROWS,)
        tables = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    conn.close()
    assert tables == [("keep",)]  # not migrated
