"""The database a project hands to isolation, whatever wraps SQLAlchemy.

Isolation needs three things: the engine (the server's database), the metadata (the
tables a reset empties and a prepare creates) and the hooks' session (removed before
every reset so it holds no locks, and used by fixtures). They come through one of two
doors:

- Flask-SQLAlchemy's ``db``: ``db.engine`` (of the current app), ``db.metadata``,
  ``db.session``;
- ``engine=``, ``metadata=`` and ``session=`` given one by one: plain SQLAlchemy 2 and
  other wrappers. `engine` may be a function returning it, for wrappers that create it
  when the app starts; `session` a ``scoped_session``, a ``sessionmaker`` (scoped here,
  one session per thread), a ``Session``, or a function returning the current session
  (``lambda: db.session`` for a wrapper whose session lives in the app context).

Alchemical's ``db`` (``alchemical.Alchemical`` or ``alchemical.flask.Alchemical``) is
recognised as itself: ``db.get_engine()``, ``db.Model.metadata`` and, for the Flask
extension, ``db.session`` read only when a hook runs. That property needs an app
context, which the wiring pushes in ``before_all``: reading it when ``install()`` runs
(``session=db.session``) fails with "Working outside of application context".

A module or object with `engine`, `metadata` (or a declarative `Base` or `Model`) and
`session` attributes (a plain SQLAlchemy ``database.py``) goes through the second door.
Anything else is refused with one message that names both doors.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from sqlalchemy import Engine, MetaData
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from flask_dredd.errors import IsolationError

ACCEPTED = (
    "Flask-SQLAlchemy's `db` (an SQLAlchemy() object), or engine=, metadata= and session= "
    "(plain SQLAlchemy 2 or another wrapper: an Engine or a function returning one, a "
    "MetaData, and a scoped_session, sessionmaker, Session or a function returning the "
    "current session), or Alchemical's `db`"
)


class UnsupportedDatabaseError(IsolationError, TypeError):
    """The object given as the database is none of the kinds isolation accepts."""


@dataclass(frozen=True)
class BoundDatabase:
    """Engine, metadata and session, reached the same way whatever the project uses."""

    engine_source: Callable[[], Engine]
    metadata: MetaData
    session_source: Callable[[], Session]
    remove_session: Callable[[], None]
    described: str  # what the project passed, for messages

    @property
    def engine(self) -> Engine:
        engine = self.engine_source()
        if not isinstance(engine, Engine):
            raise UnsupportedDatabaseError(
                f"the engine of {self.described} is {engine!r}, not an SQLAlchemy Engine: "
                f"isolation accepts {ACCEPTED}"
            )
        return engine

    @property
    def session(self) -> Session:
        """The hooks' current session: the one fixtures add their rows to."""
        return self.session_source()


def bind_database(
    db: Any = None, *, engine: Any = None, metadata: Any = None, session: Any = None
) -> BoundDatabase:
    """The database behind `db`, or behind `engine` + `metadata` + `session`."""
    if isinstance(db, BoundDatabase) and engine is metadata is session is None:
        return db
    if db is not None and engine is metadata is session is None:
        return _from_object(db)
    if db is None and engine is not None and metadata is not None and session is not None:
        return _parts(engine, metadata, session)
    given = ", ".join(
        name for name, value in
        (("db", db), ("engine", engine), ("metadata", metadata), ("session", session))
        if value is not None
    )  # fmt: skip
    raise UnsupportedDatabaseError(
        f"isolation got {given or 'no database'}; it accepts {ACCEPTED}, "
        "not a mix of the two."
    )


def _from_object(db: Any) -> BoundDatabase:
    flask_sqlalchemy = sys.modules.get("flask_sqlalchemy")  # never imported here for nothing
    if flask_sqlalchemy is not None and isinstance(db, flask_sqlalchemy.SQLAlchemy):
        return BoundDatabase(
            engine_source=lambda: db.engine,  # the current app's: needs an app context
            metadata=db.metadata,
            session_source=lambda: db.session(),
            remove_session=lambda: db.session.remove(),
            described="Flask-SQLAlchemy's db",
        )
    alchemical = _from_alchemical(db)
    if alchemical is not None:
        return alchemical
    parts = {name: getattr(db, name, None) for name in ("engine", "metadata", "session")}
    if parts["metadata"] is None:
        # A database module often holds the declarative base rather than its metadata.
        bases = (getattr(db, name, None) for name in ("Base", "Model"))
        parts["metadata"] = next((b.metadata for b in bases if hasattr(b, "metadata")), None)  # type: ignore[union-attr]
    if all(value is not None for value in parts.values()):
        # A module or object holding all three, e.g. a plain SQLAlchemy `database.py`.
        return _parts(**parts)
    what = db.__name__ if isinstance(db, ModuleType) else f"a {type(db).__qualname__}"
    lacks = ", ".join(name for name, value in parts.items() if value is None)
    raise UnsupportedDatabaseError(
        f"isolation cannot use {what} as the database (it has no {lacks}): it accepts "
        f"{ACCEPTED}. For a wrapper whose session lives in the app context, pass "
        "session=lambda: db.session."
    )


def _from_alchemical(db: Any) -> BoundDatabase | None:
    """Alchemical's `db`, or None when `db` is not one (Alchemical is never imported here)."""
    core = sys.modules.get("alchemical.core")
    if core is None or not isinstance(db, core.BaseAlchemical):
        return None
    context_bound = isinstance(getattr(type(db), "session", None), property)
    if context_bound:
        # alchemical.flask: one session per app context (kept in `g`), the one the app's
        # own code and the project's factories use; closing it releases its connection.
        def current() -> Session:
            return db.session

        def close() -> None:
            current().close()

        return BoundDatabase(db.get_engine, db.Model.metadata, current, close,
                             "Alchemical's db (Flask)")  # fmt: skip
    scoped = scoped_session(db.Session)
    return BoundDatabase(db.get_engine, db.Model.metadata, lambda: scoped(), scoped.remove,
                         "Alchemical's db")  # fmt: skip


def _parts(engine: Any, metadata: Any, session: Any) -> BoundDatabase:
    if isinstance(engine, Engine):
        engine_source: Callable[[], Engine] = lambda: engine  # noqa: E731
    elif callable(engine):
        engine_source = engine
    else:
        raise UnsupportedDatabaseError(f"engine={engine!r} is not an Engine: isolation accepts "
                                       f"{ACCEPTED}")  # fmt: skip
    if not isinstance(metadata, MetaData):
        found = getattr(metadata, "metadata", None)
        hint = " (pass its .metadata)" if isinstance(found, MetaData) else ""
        raise UnsupportedDatabaseError(
            f"metadata={metadata!r} is not a MetaData{hint}: isolation accepts {ACCEPTED}"
        )
    if isinstance(session, sessionmaker):
        session = scoped_session(session)
    if isinstance(session, scoped_session):
        scoped = session
        return BoundDatabase(engine_source, metadata, lambda: scoped(), scoped.remove,
                             "engine, metadata and scoped session")  # fmt: skip
    if isinstance(session, Session):
        single = session
        return BoundDatabase(engine_source, metadata, lambda: single, single.close,
                             "engine, metadata and session")  # fmt: skip
    if callable(session):
        # A function returning the current session (e.g. ``lambda: db.session`` where the
        # session lives in the app context): asked each time, closed before each reset.
        source = session

        def current() -> Session:
            found = source()
            if not isinstance(found, Session):
                raise UnsupportedDatabaseError(
                    f"session={source!r} returned {found!r}, not an SQLAlchemy Session"
                )
            return found

        return BoundDatabase(engine_source, metadata, current, lambda: current().close(),
                             "engine, metadata and a session function")  # fmt: skip
    raise UnsupportedDatabaseError(
        f"session={session!r} is not a scoped_session, sessionmaker, Session or function: "
        f"isolation accepts {ACCEPTED}"
    )
