"""A database that goes away mid-run aborts the run (exit 3) and names the database.

Issue 18: with the run's connections terminated mid-run (`pg_terminate_backend`, as a
restart or an administrator does), the run went on, ended "contract failed" (exit 1, the
code of a contract that does not hold) and lost its advisory lock without a word.
"""

from __future__ import annotations

import time
from pathlib import Path

import psycopg2
import pytest

from flask_dredd.reporting.results import RECORD_FILE
from tests.postgres import PG_SERVER

from .runs import postgres_database_fixture, start_run  # noqa: F401 (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


def wait_for_records(reports: Path, count: int, run, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    records = reports / RECORD_FILE
    while time.monotonic() < deadline and run.process.poll() is None:
        if records.exists() and len(records.read_text().splitlines()) >= count:
            return
        time.sleep(0.02)
    run.process.kill()
    pytest.fail(f"the run never recorded {count} transactions:\n{run.finish(timeout=10).output}")


def terminate_connections(database: str) -> int:
    conn = psycopg2.connect(f"{PG_SERVER}/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        )
        (count,) = cur.fetchone()
    conn.close()
    return count


def test_connections_terminated_mid_run_abort_it_naming_the_database(
    tmp_path: Path, postgres_database: str
):
    reports = tmp_path / "reports"
    run = start_run(reports, postgres_database)
    wait_for_records(reports, 5, run)
    name = postgres_database.rsplit("/", 1)[1]
    assert terminate_connections(name) >= 2  # the hooks', the server's, the lock's
    run.finish()
    assert run.process.returncode == 3, run.output
    assert f"aborted — the database {name} on 127.0.0.1:5432 went away mid-run" in run.output
    assert "the run's lock on the database ended with its connections" in run.output
    assert "Traceback" not in run.output.split("[flask-dredd] result")[-1], run.output
