"""PostgreSQL: the run's lock on a database, a session-level advisory lock.

Taken on a dedicated autocommit connection to the database itself (advisory locks are
scoped to one database of one server: the same server and database is the same lock,
however the URL spelt them), whose ``application_name`` names the run, so a refused run
can name the holder from ``pg_stat_activity``. PostgreSQL releases it when the session
ends, however the run dies.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
from typing import Any

from flask_dredd.run.database import DatabaseError
from flask_dredd.run.lock_holders import (
    APPLICATION_PREFIX,
    LockHeldError,
    RunIdentity,
    command_line_of,
    database_refusal,
)

#: The advisory lock key: "flask-dr" in ASCII, an arbitrary constant no other tool uses.
ADVISORY_KEY = 0x666C61736B2D6472


def copies_key(template: str) -> int:
    """The advisory key of the shard copies of database ``template`` (a parallel run).

    Taken in the server's maintenance database ``postgres`` (a template cannot be copied
    while any session, a lock's included, is connected to it): a signed 64-bit number
    from the template's name, so every run on one server and database meets it.
    """
    digest = hashlib.sha256(f"flask-dredd shard copies of {template}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class AdvisoryLock:
    """A session-level advisory lock on the run's database, on a connection of its own."""

    def __init__(self, connect_params: dict[str, object], key: int = ADVISORY_KEY) -> None:
        self.connect_params = connect_params
        self.key = key
        self._conn: Any = None

    def acquire(self, identity: RunIdentity, database: str, server: str, what: str = "") -> None:
        """Take the lock, or raise :class:`LockHeldError` naming its holder.

        ``what`` is what the lock guards, for the refusal (default: the database).
        """
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
            cur.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))
            (locked,) = cur.fetchone()
            if locked:
                self._conn = conn
                return
            holder = _advisory_holder(cur, self.key)
        conn.close()
        what = what or f"PostgreSQL database {database} on {server}"
        raise LockHeldError(database_refusal(what, holder))

    def release(self) -> None:
        if self._conn is None:
            return
        # Closing the session releases the lock anyway; unlock first to say so explicitly.
        with contextlib.suppress(Exception), self._conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        with contextlib.suppress(Exception):
            self._conn.close()
        self._conn = None


def _advisory_holder(cur: Any, key: int) -> RunIdentity | str:
    """Who holds the advisory lock ``key`` here: a run's identity, or what PostgreSQL knows."""
    cur.execute(
        """
        SELECT a.pid, a.application_name, host(a.client_addr), a.backend_start
        FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid = %s::bigint::oid AND l.objid = %s::bigint::oid AND l.objsubid = 1
        """,
        ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF),
    )
    row = cur.fetchone()
    if row is None:  # released between our attempt and this query
        return "a run that has just finished; try again"
    backend_pid, application_name, client, backend_start = row
    name = application_name or ""
    words = name.split(" ")
    skip = len(APPLICATION_PREFIX.split(" "))
    if name.startswith(APPLICATION_PREFIX) and len(words) > skip + 1 and words[skip].isdigit():
        pid, started, host = int(words[skip]), words[skip + 1], " ".join(words[skip + 2 :])
        here = socket.gethostname()
        if host and here.startswith(host):  # the name may cut the host name short
            command = command_line_of(pid) or "unknown (the run has just ended?)"
            return RunIdentity(pid=pid, started=started, host=here, command=command)
        return RunIdentity(pid, started, host, command="not readable from this host")
    return (
        f"PostgreSQL backend {backend_pid} (application_name {application_name!r}, "
        f"client {client or 'local socket'}, connected {backend_start:%Y-%m-%d %H:%M:%S})"
    )
