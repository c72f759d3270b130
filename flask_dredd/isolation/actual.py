"""The guard on the database a connection actually opened, for every connection used.

A URL names a database, but the driver decides what it opens: psycopg2 takes
``?dbname=``, ``?host=`` or ``?service=`` from the query over the URL's path, and pysqlite
ignores ``?mode=memory`` unless ``?uri=true`` is also there. So the guard's rule
(:mod:`.guard`) is applied to what the connection itself reports:

- PostgreSQL: ``current_database()``, and the server's address and port for the message;
- SQLite: the main database's file from ``PRAGMA database_list`` (SQLite resolves
  symbolic links; an empty file name is an in-memory or temporary database), and the
  file itself: its device and inode, found after opening (:mod:`.file_identity`). A
  file with more than one hard link is refused unless ``FLASK_DREDD_ALLOW_DATABASE``
  names its exact path, since another name (a hard link keeps its own name in the
  PRAGMA) reaches its rows; the run's lock is keyed by that identity.

:func:`guard_engine` checks the URL's name once, then adds a pool ``checkout`` listener
that verifies each DBAPI connection the first time it is handed out (SQLAlchemy forgets
the mark when it replaces a connection), so a reset costs no extra round trip and no
connection is ever used before it was judged. :func:`check_url_connection` does the same
check once on a connection of its own, for the runner's database phase.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from weakref import WeakSet

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.pool import ConnectionPoolEntry, NullPool, PoolProxiedConnection

from flask_dredd.errors import IsolationError

from .file_identity import FileIdentity, opened_file
from .guard import (
    ALLOW_ENV,
    UnsafeDatabaseError,
    allowed_by_env,
    check_url_name,
    designated_name,
    refusal_message,
)

# The mark a verified connection carries in its pool record's ``info``.
_VERIFIED = "flask_dredd.guard.verified"
_GUARDED_ENGINES: WeakSet[Engine] = WeakSet()


@dataclass(frozen=True)
class OpenedDatabase:
    """What a connection reports about the database it is connected to."""

    backend: str  # "postgresql" or "sqlite"
    name: str  # PostgreSQL: the database's name; SQLite: the main file's path, "" in memory
    server: str = ""  # PostgreSQL: "host:port", or "a local socket"
    file: FileIdentity | None = None  # SQLite: the file opened (None in memory)

    @property
    def in_memory(self) -> bool:
        return self.backend == "sqlite" and not self.name

    @property
    def rule_name(self) -> str:
        """The name the rule judges: a SQLite file's stem, a PostgreSQL database's name."""
        return Path(self.name).stem if self.backend == "sqlite" else self.name

    @property
    def allowed(self) -> bool:
        """``FLASK_DREDD_ALLOW_DATABASE`` names exactly this database (this file's path)."""
        return allowed_by_env(self.backend, self.name)

    @property
    def linked_elsewhere(self) -> bool:
        """A SQLite file that other names (hard links) reach too."""
        return self.file is not None and self.file.links > 1

    @property
    def designated(self) -> bool:
        if self.in_memory:
            return True
        if self.linked_elsewhere:
            return self.allowed
        return designated_name(self.rule_name) or self.allowed

    def describe(self) -> str:
        if self.backend == "sqlite":
            return "an in-memory database" if self.in_memory else f"the file {self.name}"
        return f"database {self.name!r} on {self.server}"


def opened_database(dbapi_connection: Any, backend: str) -> OpenedDatabase:
    """Ask the connection which database it is connected to (read-only, no writes)."""
    cursor = dbapi_connection.cursor()
    try:
        if backend == "postgresql":
            cursor.execute(
                "SELECT current_database(), host(inet_server_addr()), inet_server_port()"
            )
            name, host, port = cursor.fetchone()
            server = f"{host}:{port}" if host else "a local socket"
            opened = OpenedDatabase(backend, name, server)
        elif backend == "sqlite":
            cursor.execute("PRAGMA database_list")
            files = {row[1]: row[2] for row in cursor.fetchall()}
            path = files.get("main") or ""
            opened = OpenedDatabase(backend, path, file=_sqlite_file(path) if path else None)
        else:
            raise IsolationError(
                f"The safety guard can check postgresql and sqlite connections; {backend!r} "
                "is not supported."
            )
    finally:
        cursor.close()
    if backend == "postgresql":
        # The SELECT began a transaction; the pool must hand out an idle connection.
        dbapi_connection.rollback()
    return opened


def _sqlite_file(path: str) -> FileIdentity:
    try:
        return opened_file(path)
    except OSError as exc:
        raise UnsafeDatabaseError(
            f"Refusing to reset the SQLite database {path}: cannot tell which file the "
            f"driver opened ({exc.strerror or exc}). Nothing was written; run again once "
            "nothing moves or replaces the file.",
            name=Path(path).stem,
        ) from None


def hard_link_refusal(url: URL, opened: OpenedDatabase) -> str:
    """Why a designated-looking file with other names is refused, and the fixes."""
    assert opened.file is not None
    return (
        f"Refusing to reset the SQLite database {opened.name} at "
        f"{url.render_as_string(hide_password=True)}: the file has {opened.file.links} hard "
        "links, so other names (possibly a protected database's) reach the same rows, and a "
        "reset deletes every row in it.\n"
        "Fix: give contract testing a file of its own (cp, never ln), or, if every row in "
        f"it is disposable, set {ALLOW_ENV}={opened.name}"
    )


def check_opened(dbapi_connection: Any, url: URL) -> OpenedDatabase:
    """Raise :class:`UnsafeDatabaseError` unless the connection's database is designated."""
    opened = opened_database(dbapi_connection, url.get_backend_name())
    if opened.linked_elsewhere and not opened.designated:
        raise UnsafeDatabaseError(hard_link_refusal(url, opened), url, opened.rule_name)
    if not opened.designated:
        raise UnsafeDatabaseError(
            refusal_message(
                url, opened.rule_name, opened.name, f"the driver opened {opened.describe()}"
            ),
            url,
            opened.rule_name,
        )
    return opened


def guard_engine(engine: Engine) -> None:
    """Judge the URL's name now, and every connection ``engine`` hands out before its use.

    Idempotent and cheap once done (a set lookup), so callers may call it before every
    reset transaction.
    """
    if engine in _GUARDED_ENGINES:
        return
    check_url_name(engine.url)
    url = engine.url

    def verify_on_checkout(
        dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        if record.info.get(_VERIFIED):
            return
        # Raising here makes the pool close this connection and hand out nothing.
        check_opened(dbapi_connection, url)
        record.info[_VERIFIED] = True

    event.listen(engine, "checkout", verify_on_checkout)
    _GUARDED_ENGINES.add(engine)


def check_url_connection(url: URL, connect_args: dict[str, Any] | None = None) -> OpenedDatabase:
    """Open ``url`` as the application would, and judge the database it reports.

    Driver errors (unreachable server, missing database) propagate as SQLAlchemy's
    ``OperationalError``; the caller words them.
    """
    check_url_name(url)
    engine = create_engine(url, poolclass=NullPool, connect_args=connect_args or {})
    try:
        # engine.connect() (not raw_connection()) wraps driver errors in SQLAlchemy's.
        with engine.connect() as connection:
            return check_opened(connection.connection.dbapi_connection, url)
    finally:
        engine.dispose()
