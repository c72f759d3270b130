"""One run per database and per reports folder: real runs started side by side.

Two runs on one database used to give dozens of false failures each (UniqueViolation,
rows deleted under a transaction); two runs sharing a reports folder overwrote each
other's effective config and records. Now the second run is refused at once, naming
the first, and the first passes undisturbed.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from flask_dredd.isolation.file_identity import FileIdentity
from flask_dredd.reporting.xunit import read_xunit
from flask_dredd.run.locks import sqlite_lock_path

from .runs import Run, postgres_database_fixture, start_run  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e

OTHER_DATABASE = "another database (DATABASE_URL / --database-url)"
REFUSED_WITHIN = 2.0  # seconds from start to exit, on a machine that starts `flask` in 1 s


@pytest.fixture(scope="module")
def refusal_budget(tmp_path_factory: pytest.TempPathFactory) -> float:
    """2 s; on a machine so busy that a run stopped by a bad URL (before any lock) takes
    more than 1 s, the excess is added: the refusal itself must never wait."""
    bad = start_run(tmp_path_factory.mktemp("startup"), "not a url")
    finish_together(bad)
    assert bad.process.returncode == 2, bad.output
    return REFUSED_WITHIN + max(0.0, bad.seconds - 1.0)


def finish_together(*runs: Run, timeout: float = 300) -> None:
    """Wait for every run, noting when each one exited (not when we got round to it)."""
    deadline = time.monotonic() + timeout
    pending = list(runs)
    while pending and time.monotonic() < deadline:
        for run in list(pending):
            if run.process.poll() is not None:
                run.seconds = time.monotonic() - run.started
                pending.remove(run)
        time.sleep(0.02)
    for run in runs:
        seconds = run.seconds
        run.finish(timeout=5)
        run.seconds = seconds or run.seconds


def refused_and_winner(a: Run, b: Run) -> tuple[Run, Run]:
    codes = sorted([a.process.returncode, b.process.returncode])
    assert codes == [0, 2], f"exit codes {codes}\n--- A\n{a.output}\n--- B\n{b.output}"
    return (a, b) if a.process.returncode == 2 else (b, a)


def contract_phase_seconds(output: str) -> float:
    """The contract phase's time as the run printed it (a compile the cache did not have
    takes seconds, before any lock is asked for)."""
    found = re.search(r"^\[flask-dredd\] contract .*\((\d+(?:\.\d+)?) s\)$", output, re.M)
    return float(found.group(1)) if found else 0.0


def assert_refused_naming(refused: Run, winner: Run, fix: str, budget: float) -> None:
    # Never waiting: within the budget after its contract phase (both runs compile the
    # contract before either asks for the lock), or (a machine busy with other tests side
    # by side slows the refused run too) in a third of the winner's whole run. A refusal
    # that waited for the lock would take about as long as the winner.
    limit = max(budget, winner.seconds / 3)
    waited = refused.seconds - contract_phase_seconds(refused.output)
    assert waited < limit, (refused.seconds, limit, refused.output)
    out = refused.output
    assert f"pid {winner.pid}, started " in out, out  # who holds it, since when
    assert f"--reports-dir {winner.reports}" in out, out  # its command line
    assert f"Wait for it to finish, stop it (kill {winner.pid})" in out, out
    assert fix in out, out
    assert "Traceback" not in out, out


@pytest.mark.postgres
def test_second_run_on_one_postgres_database_is_refused_naming_the_first(
    tmp_path: Path, postgres_database: str, refusal_budget: float
):
    # Both start at once on a database that does not exist yet: both try to create it.
    a = start_run(tmp_path / "a", postgres_database)
    b = start_run(tmp_path / "b", postgres_database)
    finish_together(a, b)
    refused, winner = refused_and_winner(a, b)
    assert winner.passed, winner.output
    assert "PostgreSQL database eventapi_rel_" in refused.output
    assert_refused_naming(refused, winner, OTHER_DATABASE, refusal_budget)
    assert not (refused.reports / "run.json").exists()  # it stopped before any phase


def test_second_run_on_one_sqlite_database_is_refused_naming_the_first(
    tmp_path: Path, refusal_budget: float
):
    database = f"sqlite:///{tmp_path / 'eventapi_contract.db'}"
    a = start_run(tmp_path / "a", database)
    b = start_run(tmp_path / "b", database)
    finish_together(a, b)
    refused, winner = refused_and_winner(a, b)
    assert winner.passed, winner.output
    assert f"SQLite database {tmp_path / 'eventapi_contract.db'}" in refused.output
    assert_refused_naming(refused, winner, OTHER_DATABASE, refusal_budget)
    assert not list(tmp_path.glob(".flask-dredd-*.lock"))  # released at the end


def test_second_run_on_one_reports_folder_is_refused_naming_the_first(
    tmp_path: Path, refusal_budget: float
):
    reports = tmp_path / "reports"
    a = start_run(reports, f"sqlite:///{tmp_path / 'a_contract.db'}")
    b = start_run(reports, f"sqlite:///{tmp_path / 'b_contract.db'}")
    finish_together(a, b)
    refused, winner = refused_and_winner(a, b)
    assert winner.passed, winner.output
    assert f"writing its reports to {reports}" in refused.output
    assert_refused_naming(refused, winner, "another reports folder (--reports-dir", refusal_budget)
    # The refused run neither deleted nor rewrote the winner's reports.
    assert json.loads((reports / "run.json").read_text())["exit_code"] == 0
    summary = read_xunit(reports / "dredd.xml")
    assert summary.cases and summary.passed == len(summary.cases)
    assert not (reports / "run.lock").exists()


def test_runs_on_different_databases_and_reports_folders_in_one_checkout_both_pass(
    tmp_path: Path,
):
    a = start_run(tmp_path / "ra", f"sqlite:///{tmp_path / 'a_contract.db'}")
    b = start_run(tmp_path / "rb", f"sqlite:///{tmp_path / 'b_contract.db'}")
    finish_together(a, b)
    for run in (a, b):
        assert run.passed, run.output
        # Each run's own records and config: no transaction counted twice, none lost.
        summary = read_xunit(run.reports / "dredd.xml")
        assert summary.failed == summary.skipped == 0, run.output
        counted = re.search(r"of (\d+) transactions", run.output)
        assert counted and int(counted.group(1)) == len(summary.cases), run.output
        records = (run.reports / "transactions.jsonl").read_text().splitlines()
        assert len(records) == len(summary.cases), run.output
        assert str(run.reports / "dredd.run.yml") in run.output


def dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_stale_lock_files_of_a_killed_run_are_taken_over_with_a_note(tmp_path: Path):
    database = tmp_path / "eventapi_contract.db"
    reports = tmp_path / "reports"
    reports.mkdir()
    gone = {
        "pid": dead_pid(),
        "started": "2026-01-01T00:00:00Z",
        "host": "somewhere",
        "command": "flask --app eventapi dredd run (killed)",
    }
    sqlite3.connect(database).close()  # the database's lock file is named by its inode
    database_lock = sqlite_lock_path(database, FileIdentity.of(database.stat()))
    for lock in (database_lock, reports / "run.lock"):
        lock.write_text(json.dumps(gone))
    run = start_run(reports, f"sqlite:///{database}").finish()
    assert run.passed, run.output
    assert f"took over the lock {database_lock} left by a run that is gone" in run.output
    assert f"took over the lock {reports / 'run.lock'}" in run.output
    assert f"pid {gone['pid']}, started 2026-01-01T00:00:00Z" in run.output
    assert not database_lock.exists() and not (reports / "run.lock").exists()
