"""Who holds a run's lock, and how a refused run names it.

A refusal names the other run (pid, start time, host, command line) and what to do,
so a person can find it and decide: wait, stop it, or choose another database or
reports folder. :class:`RunIdentity` is written into lock files and, on PostgreSQL,
into the lock connection's ``application_name``.
"""

from __future__ import annotations

import os
import shlex
import socket
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask_dredd.errors import FlaskDreddError

#: PostgreSQL truncates application_name to 63 bytes (NAMEDATALEN - 1).
APPLICATION_NAME_MAX = 63
APPLICATION_PREFIX = "flask-dredd run"


class LockError(FlaskDreddError, RuntimeError):
    """A run cannot take one of its locks; the message says why and what to do."""


class LockHeldError(LockError):
    """Another run holds the database or the reports folder; the message names it."""


@dataclass(frozen=True)
class RunIdentity:
    """Who holds a lock: enough for a person to find the run and decide what to do."""

    pid: int
    started: str  # UTC, e.g. 2026-12-01T11:50:03Z
    host: str
    command: str

    @classmethod
    def current(cls) -> RunIdentity:
        return cls(
            pid=os.getpid(),
            started=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            host=socket.gethostname(),
            command=shlex.join(sys.argv),
        )

    @property
    def run_id(self) -> str:
        """Unique per run; children carry it (see :mod:`flask_dredd.run.lifetime`)."""
        return f"{self.pid}-{self.started}"

    def application_name(self) -> str:
        """What the lock connection calls itself in ``pg_stat_activity``."""
        return f"{APPLICATION_PREFIX} {self.pid} {self.started} {self.host}"[:APPLICATION_NAME_MAX]

    def describe(self) -> str:
        return f"pid {self.pid}, started {self.started} on {self.host}, command: {self.command}"


def command_line_of(pid: int) -> str | None:
    """The command line of a process on this host, from /proc (Linux); None if unknown."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    parts = [p.decode(errors="replace") for p in raw.split(b"\0") if p]
    return shlex.join(parts) if parts else None


def what_to_do(pid: int, host: str, other_target: str) -> str:
    stop = f"stop it (kill {pid})" if host == socket.gethostname() else f"stop it (on {host})"
    return f"Wait for it to finish, {stop}, or give this run {other_target}."


def database_refusal(what: str, holder: RunIdentity | str | None) -> str:
    target = "another database (DATABASE_URL / --database-url)"
    if isinstance(holder, RunIdentity):
        return (
            f"another flask-dredd run is using {what}: {holder.describe()}.\n"
            f"{what_to_do(holder.pid, holder.host, target)}"
        )
    who = holder or "a run that does not name itself yet"
    return f"{what} is locked by {who}.\nWait for it to finish, or give this run {target}."
