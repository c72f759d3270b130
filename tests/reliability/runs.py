"""Helpers for tests that start real runs side by side, kill them, and look for leftovers.

A run's processes are found by the marker the runner puts in its children's
environment (``FLASK_DREDD_RUN_ID=<runner pid>-…``), read from ``/proc/*/environ``, so a
test sees every gunicorn worker, Dredd and the hooks handler, whatever session or
parent they ended up in.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from flask_dredd.run.lifetime import RUN_ID_ENV
from tests.postgres import scratch_database

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")


@dataclass
class Run:
    """`flask --app eventapi dredd run` started in a session of its own."""

    process: subprocess.Popen[str]
    reports: Path
    started: float = field(default_factory=time.monotonic)
    seconds: float = 0.0  # from start to exit, once finished
    output: str = ""

    @property
    def pid(self) -> int:
        return self.process.pid

    def finish(self, timeout: float = 300) -> Run:
        self.output, _ = self.process.communicate(timeout=timeout)
        self.seconds = time.monotonic() - self.started
        return self

    @property
    def passed(self) -> bool:
        return self.process.returncode == 0 and "[flask-dredd] result" in self.output


def start_run(reports: Path, database_url: str, *args: str) -> Run:
    """A run as a user starts it, in its own session so a test may kill its whole group."""
    command = [
        FLASK, "--app", "eventapi", "dredd", "run",
        "--database-url", database_url, "--reports-dir", str(reports), *args,
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "EVENTAPI_CONFIG": "contract"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    return Run(process, reports)


def processes_of_run(runner_pid: int) -> dict[int, str]:
    """pid -> command line of every live process carrying the run's marker."""
    marker = f"{RUN_ID_ENV}={runner_pid}-".encode()
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if not any(v.startswith(marker) for v in (proc / "environ").read_bytes().split(b"\0")):
                continue
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except (OSError, ValueError):  # gone meanwhile, or a zombie
            continue
        found[int(proc.name)] = cmdline
    return found


def wait_for_no_process_of_run(runner_pid: int, timeout: float) -> dict[int, str]:
    """Poll until the run has no process left; returns what is left after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        left = processes_of_run(runner_pid)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


@pytest.fixture(name="postgres_database")
def postgres_database_fixture() -> Iterator[str]:
    """The URL of a designated PostgreSQL database (not created yet), dropped afterwards."""
    with scratch_database(f"eventapi_rel_{uuid.uuid4().hex[:8]}_test") as url:
        yield url
