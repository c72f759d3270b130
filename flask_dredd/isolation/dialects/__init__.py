"""The dialect-specific SQL of isolation, one module per database."""

from __future__ import annotations

from sqlalchemy import Engine

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


__all__ = ["Dialect", "DirtyLog", "dialect_for"]
