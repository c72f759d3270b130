"""Every process of a run dies with it: Ctrl-C, SIGTERM or SIGKILL, at any phase.

gunicorn and Dredd run in sessions of their own, so a SIGKILL of the runner (or of its
process group, as CI systems and `timeout -s KILL` do) used to leave them serving and
testing against the database for good; Ctrl-C during server start left gunicorn's
master and workers running. Each case below starts a run, waits for a process that
shows it is in the phase, sends the signal, and requires that within 5 s no process
carrying the run's marker is left. All cases share one database and one reports
folder, so each case's run also shows that the killed one left its locks free; the
last test runs the whole contract there and it passes.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from .runs import (
    Run,
    postgres_database_fixture,  # noqa: F401 (fixture)
    processes_of_run,
    start_run,
    wait_for_no_process_of_run,
)

pytestmark = pytest.mark.e2e

GONE_WITHIN = 5.0  # seconds from the signal
SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGKILL]


def in_database_phase(processes: dict[int, str]) -> bool:
    return any("db upgrade" in cmd for cmd in processes.values())


def in_server_start(processes: dict[int, str]) -> bool:
    # The master and a worker (forked: same command line) exist, and the worker is
    # still loading the app: the runner is waiting for the readiness probe.
    return sum("gunicorn" in cmd for cmd in processes.values()) >= 2


def in_dredd_phase(processes: dict[int, str]) -> bool:
    return any("flask_dredd.recorder" in cmd for cmd in processes.values())


PHASES: dict[str, Callable[[dict[int, str]], bool]] = {
    "database": in_database_phase,
    "server-start": in_server_start,
    "dredd": in_dredd_phase,
}


def wait_for_phase(run: Run, phase: str, timeout: float = 60) -> dict[int, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        processes = processes_of_run(run.pid)
        if PHASES[phase](processes):
            return processes
        if run.process.poll() is not None:
            break
        time.sleep(0.01)
    run.process.kill()
    pytest.fail(f"the run never reached the {phase} phase:\n{run.finish(timeout=10).output}")


def kill(run: Run, signum: signal.Signals, target: str) -> None:
    if target == "group":  # its session: the runner and what it did not detach
        os.killpg(run.pid, signum)
    else:
        os.kill(run.pid, signum)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One reports folder and one database for every case, as on a developer's machine."""
    folder = tmp_path_factory.mktemp("lifetime")
    return folder / "reports", f"sqlite:///{folder / 'eventapi_contract.db'}"


def assert_nothing_left(run: Run, signum: signal.Signals, before: dict[int, str]) -> None:
    left = wait_for_no_process_of_run(run.pid, GONE_WITHIN)
    run.finish(timeout=GONE_WITHIN)
    assert not left, (
        f"still running {GONE_WITHIN:.0f} s after {signum.name}: {left}\n"
        f"(the run had {before})\n{run.output}"
    )
    if signum != signal.SIGKILL:
        assert run.process.returncode == 130, run.output
        assert "stopping the server and Dredd" in run.output, run.output


@pytest.mark.parametrize("target", ["runner", "group"])
@pytest.mark.parametrize("signum", SIGNALS, ids=[s.name for s in SIGNALS])
@pytest.mark.parametrize("phase", list(PHASES))
def test_no_process_of_the_run_outlives_it(
    workspace: tuple[Path, str], phase: str, signum: signal.Signals, target: str
):
    reports, database = workspace
    run = start_run(reports, database)
    before = wait_for_phase(run, phase)
    kill(run, signum, target)
    assert_nothing_left(run, signum, before)
    if phase == "server-start":  # killed while the runner waited for the probe
        assert "ready on" not in run.output, run.output


def test_a_second_ctrl_c_does_not_cut_the_stopping_short(workspace: tuple[Path, str]):
    reports, database = workspace
    run = start_run(reports, database)
    before = wait_for_phase(run, "dredd")
    os.killpg(run.pid, signal.SIGINT)
    time.sleep(0.05)  # while the runner stops Dredd and the server
    os.killpg(run.pid, signal.SIGINT)
    assert_nothing_left(run, signal.SIGINT, before)
    assert "Traceback" not in run.output, run.output
    assert "[flask-dredd] done" in run.output, run.output  # and its reports were written


def test_the_next_run_on_the_same_database_and_reports_passes(workspace: tuple[Path, str]):
    reports, database = workspace
    run = start_run(reports, database).finish()
    assert run.passed, run.output


@pytest.mark.postgres
def test_killed_run_frees_its_postgres_database_for_the_next(
    tmp_path: Path, postgres_database: str
):
    run = start_run(tmp_path / "reports", postgres_database)
    before = wait_for_phase(run, "dredd")
    os.killpg(run.pid, signal.SIGKILL)
    assert_nothing_left(run, signal.SIGKILL, before)
    again = start_run(tmp_path / "reports", postgres_database).finish()
    assert again.passed, again.output
