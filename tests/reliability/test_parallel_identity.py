"""End to end: the worst file-identity attacks on real runs, and two parallel runs at once.

- `--parallel 2` with a symbolic link to a protected file at a shard copy's name: the
  run stops before writing a byte (exit 2) and the file keeps its 1,000 rows;
- a run on a designated-looking hard link to a protected file is refused, 1,000 rows kept;
- a run on a `file:` URI of a database another run holds by its path is refused;
- two `--parallel 2` runs on one SQLite database, and on one PostgreSQL database: the
  second is refused at once naming the first, and the first passes everything;
- the copies a SIGKILLed parallel run left are removed by the next parallel run.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
from pathlib import Path

import pytest

from .guard_support import ROWS, fill
from .runs import (  # noqa: F401 (fixture)
    postgres_database_fixture,
    start_run,
    wait_for_no_process_of_run,
)
from .test_run_locks import (  # noqa: F401 (fixture)
    OTHER_DATABASE,
    assert_refused_naming,
    finish_together,
    refusal_budget,
    refused_and_winner,
)

pytestmark = pytest.mark.e2e

SLOW_MACHINE = ("--workers", "1", "--server-timeout", "120", "--stall-timeout", "120")


def protected_file(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        fill(conn.execute)
    conn.close()
    return path


def rows(path: Path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT count(*) FROM keep").fetchone()[0]


def test_parallel_never_writes_through_a_link_at_a_shard_name(tmp_path: Path):
    precious = protected_file(tmp_path / "precious.db")
    (tmp_path / "atk_shard1_contract.db").symlink_to(precious)
    run = start_run(
        tmp_path / "r", f"sqlite:///{tmp_path / 'atk_contract.db'}", "--parallel", "2"
    ).finish()
    assert run.process.returncode == 2, run.output
    assert f"error: {tmp_path / 'atk_shard1_contract.db'} is a symbolic link to {precious}" in (
        run.output
    )
    assert "Traceback" not in run.output
    assert rows(precious) == ROWS
    assert (tmp_path / "atk_shard1_contract.db").is_symlink()  # not deleted either


def test_a_run_on_a_hard_link_to_a_protected_file_is_refused(tmp_path: Path):
    precious = protected_file(tmp_path / "precious.db")
    os.link(precious, tmp_path / "hard_contract.db")
    run = start_run(tmp_path / "r", f"sqlite:///{tmp_path / 'hard_contract.db'}").finish()
    assert run.process.returncode == 2, run.output
    assert "the file has 2 hard links" in run.output and "Traceback" not in run.output
    assert rows(precious) == ROWS


def test_a_file_uri_meets_the_lock_of_the_same_file_by_its_path(
    tmp_path: Path,
    refusal_budget: float,  # noqa: F811 (the fixture)
):
    database = tmp_path / "cs_contract.db"
    a = start_run(tmp_path / "a", f"sqlite:///{database}", *SLOW_MACHINE)
    b = start_run(tmp_path / "b", f"sqlite:///file:{database}?uri=true&cache=private")
    finish_together(a, b)
    refused, winner = refused_and_winner(a, b)
    assert winner.passed, winner.output
    assert f"SQLite database {database}" in refused.output
    assert_refused_naming(refused, winner, OTHER_DATABASE, refusal_budget)


def assert_all_passed(output: str) -> None:
    """Every transaction of the contract passed, none failed, skipped or not run."""
    result = re.search(r"^\[flask-dredd\] result +(\d+) passed, 0 failed, 0 skipped of (\d+) "
                       r"transactions", output, re.M)  # fmt: skip
    assert result and result.group(1) == result.group(2), output


def two_parallel_runs(tmp_path: Path, url: str, budget: float) -> str:
    a = start_run(tmp_path / "a", url, "--parallel", "2", *SLOW_MACHINE)
    b = start_run(tmp_path / "b", url, "--parallel", "2", *SLOW_MACHINE)
    finish_together(a, b, timeout=600)
    refused, winner = refused_and_winner(a, b)
    assert winner.passed, winner.output
    assert_all_passed(winner.output)
    assert_refused_naming(refused, winner, OTHER_DATABASE, budget)
    assert "[shard " not in refused.output  # no shard of it ever started
    return refused.output


def test_two_parallel_runs_on_one_sqlite_database(
    tmp_path: Path,
    refusal_budget: float,  # noqa: F811 (the fixture)
):
    database = tmp_path / "par_contract.db"
    refused = two_parallel_runs(tmp_path, f"sqlite:///{database}", refusal_budget)
    assert f"SQLite database {database}" in refused
    assert not list(tmp_path.glob("par_shard*"))  # the winner's copies dropped
    assert not list(tmp_path.glob(".flask-dredd-*"))  # locks and registry gone


@pytest.mark.postgres
def test_two_parallel_runs_on_one_postgres_database(
    tmp_path: Path,
    postgres_database: str,
    refusal_budget: float,  # noqa: F811 (the fixture)
):
    refused = two_parallel_runs(tmp_path, postgres_database, refusal_budget)
    name = postgres_database.rsplit("/", 1)[1]
    assert f"the shard copies of PostgreSQL database {name} on 127.0.0.1:5432" in refused


def test_copies_a_killed_parallel_run_left_are_removed_by_the_next_run(tmp_path: Path):
    database = tmp_path / "kill_contract.db"
    killed = start_run(tmp_path / "a", f"sqlite:///{database}", "--parallel", "2", *SLOW_MACHINE)
    assert killed.process.stdout is not None
    for line in killed.process.stdout:  # until the copies exist and the shards start
        if "[shard 1/2]" in line:
            break
    os.killpg(killed.pid, signal.SIGKILL)
    killed.process.wait()
    assert wait_for_no_process_of_run(killed.pid, timeout=30) == {}
    left = sorted(p.name for p in tmp_path.glob("kill_shard*_contract.db"))
    assert left == ["kill_shard1_contract.db", "kill_shard2_contract.db"]
    after = start_run(tmp_path / "b", f"sqlite:///{database}", "--parallel", "2").finish()
    assert after.passed, after.output
    assert_all_passed(after.output)
    assert not list(tmp_path.glob("kill_shard*")) and not list(tmp_path.glob(".flask-dredd-*"))
