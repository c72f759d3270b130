"""One run per database and per reports folder: locks a run holds from start to end.

Two runs on one database reset each other's rows mid-transaction, and two runs writing
one reports folder overwrite each other's effective config and records; both produce
false failures that look like bugs in the API. So a run holds:

- a lock on its reports folder: ``<reports>/run.lock``, taken before anything in the
  folder is touched;
- a lock on its database, taken after the safety guard and before migration:
  PostgreSQL, a session-level advisory lock (:data:`ADVISORY_KEY`) on a dedicated
  autocommit connection whose ``application_name`` names the run; SQLite, the lock
  file ``<database file>.lock`` beside the database file.

Lock files are ``flock``-ed and hold the run's identity as JSON (pid, start time, host,
command line). The operating system releases a flock, and PostgreSQL an advisory lock,
when the holder dies in any way (SIGKILL included), so a lock can never outlive its
run; a lock file left behind by a killed run is taken over with a note. A run that
finds a lock held is refused at once (never waits) with a :class:`LockHeldError`
naming the other run and what to do. Both locks are released by :meth:`RunLocks.release`,
which the runner calls last, after the reports are written.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shlex
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dredd_hooks_handler.lifeline import is_running
from sqlalchemy.engine import URL

from flask_dredd.errors import FlaskDreddError
from flask_dredd.run.database import DatabaseError

#: The advisory lock key: "flask-dr" in ASCII, an arbitrary constant no other tool uses.
ADVISORY_KEY = 0x666C61736B2D6472
#: The lock file inside a reports folder.
REPORTS_LOCK = "run.lock"
#: PostgreSQL truncates application_name to 63 bytes (NAMEDATALEN - 1).
_APPLICATION_NAME_MAX = 63
_APPLICATION_PREFIX = "flask-dredd run"


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
        return f"{_APPLICATION_PREFIX} {self.pid} {self.started} {self.host}"[
            :_APPLICATION_NAME_MAX
        ]

    def describe(self) -> str:
        return f"pid {self.pid}, started {self.started} on {self.host}, command: {self.command}"


def _command_line_of(pid: int) -> str | None:
    """The command line of a process on this host, from /proc (Linux); None if unknown."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    parts = [p.decode(errors="replace") for p in raw.split(b"\0") if p]
    return shlex.join(parts) if parts else None


def _what_to_do(pid: int, host: str, other_target: str) -> str:
    stop = f"stop it (kill {pid})" if host == socket.gethostname() else f"stop it (on {host})"
    return f"Wait for it to finish, {stop}, or give this run {other_target}."


# ---------------------------------------------------------------- lock files


class FileLock:
    """An exclusive, non-blocking flock on ``path`` whose content names the holder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(
        self, identity: RunIdentity, refusal: Callable[[RunIdentity | None], str]
    ) -> RunIdentity | None:
        """Take the lock, or raise :class:`LockHeldError` with ``refusal(holder)``.

        Returns the identity a stale lock file named (its run died), else None.
        """
        for _ in range(10):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                raise LockError(
                    f"cannot create the lock file {self.path}: {exc.strerror}. A run locks "
                    "its database and reports folder with a file beside them: make that "
                    "folder writable, or choose another one."
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = self._live_holder(fd)
                os.close(fd)
                raise LockHeldError(refusal(holder)) from None
            # The holder we waited on may have unlinked the file while releasing it; a
            # lock on an unlinked file protects nothing, so start again with the new one.
            if not self._still_at_path(fd):
                os.close(fd)
                continue
            stale = _read_identity(fd)
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(asdict(identity)).encode() + b"\n", 0)
            self._fd = fd
            return stale
        raise LockHeldError(refusal(None))  # the file kept changing: runs starting and ending

    def release(self) -> None:
        if self._fd is None:
            return
        # Unlink first, while still holding the lock, so no run ever locks a file that
        # is about to disappear without noticing (see the inode check in acquire).
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None

    def _still_at_path(self, fd: int) -> bool:
        try:
            now = self.path.stat()
        except FileNotFoundError:
            return False
        mine = os.fstat(fd)
        return (now.st_dev, now.st_ino) == (mine.st_dev, mine.st_ino)

    @staticmethod
    def _live_holder(fd: int) -> RunIdentity | None:
        """The holder's identity; it writes it just after locking, so allow a moment."""
        holder = None
        for _ in range(20):
            holder = _read_identity(fd)
            if holder is not None and is_running(holder.pid):
                return holder
            time.sleep(0.025)
        return holder


def _read_identity(fd: int) -> RunIdentity | None:
    try:
        data: Any = json.loads(os.pread(fd, 65536, 0) or b"null")
        identity = RunIdentity(**data) if isinstance(data, dict) else None
    except (ValueError, TypeError):
        return None
    # Written by another program, or by hand: not a run we can name.
    return identity if identity is not None and isinstance(identity.pid, int) else None


# ---------------------------------------------------------------- PostgreSQL


class AdvisoryLock:
    """A session-level advisory lock on the run's database, on a connection of its own."""

    def __init__(self, connect_params: dict[str, object]) -> None:
        self.connect_params = connect_params
        self._conn: Any = None

    def acquire(self, identity: RunIdentity, database: str, server: str) -> None:
        import psycopg2

        params = {**self.connect_params, "application_name": identity.application_name()}
        try:
            conn = psycopg2.connect(**params)
        except psycopg2.Error as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            message = f"cannot open the lock connection to {database} on {server}: {reason}"
            raise DatabaseError(message) from None
        # Autocommit: the connection stays "idle", never "idle in transaction", so the
        # resets' check for sessions that block them does not count it.
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", (ADVISORY_KEY,))
            (locked,) = cur.fetchone()
            if locked:
                self._conn = conn
                return
            holder = _advisory_holder(cur)
        conn.close()
        what = f"PostgreSQL database {database} on {server}"
        raise LockHeldError(_database_refusal(what, holder))

    def release(self) -> None:
        if self._conn is None:
            return
        # Closing the session releases the lock anyway; unlock first to say so explicitly.
        with contextlib.suppress(Exception), self._conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_KEY,))
        with contextlib.suppress(Exception):
            self._conn.close()
        self._conn = None


def _advisory_holder(cur: Any) -> RunIdentity | str:
    """Who holds :data:`ADVISORY_KEY` here: a run's identity, or what PostgreSQL knows."""
    cur.execute(
        """
        SELECT a.pid, a.application_name, host(a.client_addr), a.backend_start
        FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid = %s::bigint::oid AND l.objid = %s::bigint::oid AND l.objsubid = 1
        """,
        (ADVISORY_KEY >> 32, ADVISORY_KEY & 0xFFFFFFFF),
    )
    row = cur.fetchone()
    if row is None:  # released between our attempt and this query
        return "a run that has just finished; try again"
    backend_pid, application_name, client, backend_start = row
    name = application_name or ""
    words = name.split(" ")
    skip = len(_APPLICATION_PREFIX.split(" "))
    if name.startswith(_APPLICATION_PREFIX) and len(words) > skip + 1 and words[skip].isdigit():
        pid, started, host = int(words[skip]), words[skip + 1], " ".join(words[skip + 2 :])
        here = socket.gethostname()
        if host and here.startswith(host):  # the name may cut the host name short
            command = _command_line_of(pid) or "unknown (the run has just ended?)"
            return RunIdentity(pid=pid, started=started, host=here, command=command)
        return RunIdentity(pid, started, host, command="not readable from this host")
    return (
        f"PostgreSQL backend {backend_pid} (application_name {application_name!r}, "
        f"client {client or 'local socket'}, connected {backend_start:%Y-%m-%d %H:%M:%S})"
    )


def _database_refusal(what: str, holder: RunIdentity | str | None) -> str:
    target = "another database (DATABASE_URL / --database-url)"
    if isinstance(holder, RunIdentity):
        return (
            f"another flask-dredd run is using {what}: {holder.describe()}.\n"
            f"{_what_to_do(holder.pid, holder.host, target)}"
        )
    who = holder or "a run that does not name itself yet"
    return f"{what} is locked by {who}.\nWait for it to finish, or give this run {target}."


# ---------------------------------------------------------------- the run's locks


class RunLocks:
    """The locks one run holds; :meth:`release` frees them all, in reverse order."""

    def __init__(self, identity: RunIdentity, note: Callable[[str], None]) -> None:
        self.identity = identity
        self.note = note  # prints a line, e.g. that a stale lock was taken over
        self._held: list[FileLock | AdvisoryLock] = []

    def hold_reports(self, folder: Path) -> None:
        """Lock ``folder`` (which exists) for this run, or raise :class:`LockHeldError`."""

        def refusal(holder: RunIdentity | None) -> str:
            target = "another reports folder (--reports-dir / FLASK_DREDD_REPORTS)"
            if holder is None:
                return (
                    f"the reports folder {folder} is locked ({folder / REPORTS_LOCK}) by a "
                    f"run that does not name itself yet.\nWait for it, or give this run {target}."
                )
            return (
                f"another flask-dredd run is writing its reports to {folder}: "
                f"{holder.describe()}.\n{_what_to_do(holder.pid, holder.host, target)}"
            )

        self._hold_file(FileLock(folder / REPORTS_LOCK), refusal)

    def hold_database(self, url: URL, postgres_params: Callable[[], dict[str, object]]) -> None:
        """Lock the database at ``url``; ``postgres_params`` gives psycopg2's arguments."""
        if url.get_backend_name() == "sqlite":
            database = url.database or ""
            if database in ("", ":memory:") or database.startswith("file:"):
                return  # no file beside which to lock; the guard judges these
            path = Path(database).resolve()
            self._hold_file(
                FileLock(path.with_name(path.name + ".lock")),
                lambda holder: _database_refusal(f"SQLite database {path}", holder),
            )
            return
        lock = AdvisoryLock(postgres_params())
        lock.acquire(
            self.identity,
            database=url.database or "",
            server=f"{url.host or 'localhost'}:{url.port or 5432}",
        )
        self._held.append(lock)

    def _hold_file(self, lock: FileLock, refusal: Callable[[RunIdentity | None], str]) -> None:
        stale = lock.acquire(self.identity, refusal)
        self._held.append(lock)
        if stale is not None and stale.pid != self.identity.pid:
            self.note(
                f"took over the lock {lock.path} left by a run that is gone ({stale.describe()})"
            )

    def release(self) -> None:
        while self._held:
            self._held.pop().release()

    def __enter__(self) -> RunLocks:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()
