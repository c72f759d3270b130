"""The dialect-specific SQL of isolation, one module per database."""

from __future__ import annotations

from typing import Any
from weakref import WeakSet

from sqlalchemy import Engine, event
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from flask_dredd.errors import IsolationError

from .base import Dialect, DirtyLog
from .postgresql import PostgresDialect
from .sqlite import SqliteDialect

_DIALECTS: dict[str, type[Dialect]] = {"postgresql": PostgresDialect, "sqlite": SqliteDialect}


def dialect_for(engine: Engine) -> Dialect:
    """The dialect helper for ``engine``'s database."""
    backend = engine.url.get_backend_name()
    if backend not in _DIALECTS:
        supported = ", ".join(sorted(_DIALECTS))
        raise IsolationError(
            f"Database isolation supports {supported}; {backend!r} is not supported yet."
        )
    return _DIALECTS[backend]()


_NO_FSYNC = "flask_dredd.isolation.no_fsync"
_WITHOUT_FSYNC: WeakSet[Engine] = WeakSet()


def skip_fsync(engine: Engine) -> None:
    """Each connection ``engine`` hands out commits without waiting for the disk.

    The hooks commit several times a transaction (a reset, each factory's row), and a
    commit that waits for fsync costs 5-25 ms on these machines, more when runs share a
    disk. A contract database is rebuilt by every run, so no commit of it needs to
    survive a power cut. Only the hooks' own connections change: the API's stay as its
    configuration made them. Once per connection, before its first use (the guard's
    check comes first: listeners run in the order they were added).
    """
    if engine in _WITHOUT_FSYNC:
        return
    statement = dialect_for(engine).no_fsync

    def on_checkout(
        dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        if record.info.get(_NO_FSYNC):
            return
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(statement)
        finally:
            cursor.close()
        if engine.url.get_backend_name() == "postgresql":
            dbapi_connection.commit()  # psycopg2 opened a transaction for the SET
        record.info[_NO_FSYNC] = True

    event.listen(engine, "checkout", on_checkout)
    _WITHOUT_FSYNC.add(engine)


__all__ = ["Dialect", "DirtyLog", "dialect_for", "skip_fsync"]
