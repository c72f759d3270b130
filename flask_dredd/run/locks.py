"""One run per database and per reports folder: locks a run holds from start to end.

Two runs on one database reset each other's rows mid-transaction, and two runs writing
one reports folder overwrite each other's effective config and records; both produce
false failures that look like bugs in the API. So a run holds:

- a lock on its reports folder: ``<reports>/run.lock``, taken before anything in the
  folder is touched;
- a lock on its database, taken after the safety guard and before migration, on the
  database the guard's connection reported (never on the URL's spelling of it):
  PostgreSQL, a session-level advisory lock (:data:`ADVISORY_KEY`) in the database
  ``current_database()`` named, on a dedicated autocommit connection whose
  ``application_name`` names the run; SQLite, a lock file named by the opened file's
  device and inode, ``.flask-dredd-<device>-<inode>.lock`` in its folder, so every
  spelling of one file (path, ``..``, symbolic link, ``file:`` URI with any query)
  meets one lock (a second hard link is refused by the guard unless allowed by its
  exact path).

A lock file is opened without following a symbolic link, and one that is no regular
file of one link, or holds more than a run's identity, is refused rather than
truncated: a lock file planted as a link to a protected file must never empty it.

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
import errno
import fcntl
import json
import os
import stat
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dredd_hooks_handler.lifeline import is_running
from sqlalchemy.engine import URL

from flask_dredd.isolation.file_identity import FileIdentity
from flask_dredd.run.advisory_lock import ADVISORY_KEY, AdvisoryLock, copies_key
from flask_dredd.run.lock_holders import (
    LockError,
    LockHeldError,
    RunIdentity,
    database_refusal,
    what_to_do,
)

if TYPE_CHECKING:
    from flask_dredd.isolation.actual import OpenedDatabase

__all__ = ["ADVISORY_KEY", "FileLock", "LockError", "LockHeldError", "RunIdentity", "RunLocks"]

#: The lock file inside a reports folder.
REPORTS_LOCK = "run.lock"
#: Never follow a link at a lock file's name; never leak the descriptor into children.
_LOCK_FILE_FLAGS = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW
#: A run's identity as JSON is far smaller; anything bigger is someone else's file.
_LOCK_FILE_MAX = 65536


# ---------------------------------------------------------------- lock files


def sqlite_lock_path(database: Path, file: FileIdentity) -> Path:
    """The lock file of the SQLite file ``file`` (opened as ``database``): by identity."""
    return database.parent / f".flask-dredd-{file.key}.lock"


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
                fd = os.open(self.path, _LOCK_FILE_FLAGS, 0o644)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise LockError(self._not_ours("a symbolic link")) from None
                raise LockError(
                    f"cannot create the lock file {self.path}: {exc.strerror}. A run locks "
                    "its database and reports folder with a file beside them: make that "
                    "folder writable, or choose another one."
                ) from None
            problem = self._foreign(fd)
            if problem:
                os.close(fd)
                raise LockError(self._not_ours(problem))
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

    @staticmethod
    def _foreign(fd: int) -> str:
        """What makes the open file something other than a lock file of ours, or ""."""
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            return "not a regular file"
        if status.st_nlink != 1:
            return f"a file with {status.st_nlink} hard links"
        if status.st_size > _LOCK_FILE_MAX:
            return f"a file of {status.st_size} bytes, more than a run's identity"
        return ""

    def _not_ours(self, what: str) -> str:
        return (
            f"the lock file {self.path} is {what}: not a lock file of flask-dredd's, and "
            "taking it would write into whatever it leads to. Nothing was written. Remove "
            "it (it is no database), then run again."
        )

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


# ---------------------------------------------------------------- the run's locks


class RunLocks:
    """The locks one run holds; :meth:`release` frees them all, in reverse order."""

    def __init__(self, identity: RunIdentity, note: Callable[[str], None]) -> None:
        self.identity = identity
        self.note = note  # prints a line, e.g. that a stale lock was taken over
        self._held: list[FileLock | AdvisoryLock] = []
        self._database_lock: FileLock | AdvisoryLock | None = None
        #: The database locked by :meth:`hold_database`, as its guard reported it.
        self.database: OpenedDatabase | None = None

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
                f"{holder.describe()}.\n{what_to_do(holder.pid, holder.host, target)}"
            )

        self._hold_file(FileLock(folder / REPORTS_LOCK), refusal)

    def hold_database(
        self,
        url: URL,
        opened: OpenedDatabase,
        postgres_params: Callable[[str], dict[str, object]],
    ) -> None:
        """Lock the database the guard's connection to ``url`` reported (``opened``).

        ``postgres_params(dbname)`` gives psycopg2's arguments for a connection to the
        server ``url`` names, in database ``dbname``.
        """
        if opened.backend == "sqlite":
            if opened.file is None:
                raise LockError(
                    f"cannot lock the SQLite database at {url.render_as_string()}: it is in "
                    "memory, which a run cannot share with its server (use a file)"
                )
            path = Path(opened.name)
            file_lock = FileLock(sqlite_lock_path(path, opened.file))
            self._hold_file(
                file_lock, lambda holder: database_refusal(f"SQLite database {path}", holder)
            )
            self._database_lock, self.database = file_lock, opened
            return
        lock = AdvisoryLock(postgres_params(opened.name))
        lock.acquire(self.identity, database=opened.name, server=opened.server)
        self._held.append(lock)
        self._database_lock, self.database = lock, opened

    def hold_copies(
        self, opened: OpenedDatabase, postgres_params: Callable[[str], dict[str, object]]
    ) -> None:
        """PostgreSQL: lock the shard copies of database ``opened`` (``--parallel``).

        Taken before the database's own lock and held until the copies are dropped, in
        the server's ``postgres`` database: the database's own lock must be let go
        before it is copied, and this one keeps a second parallel run from copying it,
        migrating it or dropping the copies meanwhile.
        """
        lock = AdvisoryLock(postgres_params("postgres"), key=copies_key(opened.name))
        what = f"the shard copies of PostgreSQL database {opened.name} on {opened.server}"
        lock.acquire(self.identity, database="postgres", server=opened.server, what=what)
        self._held.append(lock)

    def release_database(self) -> None:
        """Let go of the database's lock alone (PostgreSQL, before it is copied)."""
        if self._database_lock is not None:
            self._held.remove(self._database_lock)
            self._database_lock.release()
            self._database_lock = None

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
