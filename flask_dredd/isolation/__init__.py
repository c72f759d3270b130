"""Database isolation for contract runs: every Dredd transaction starts from the same rows.

Used from the hooks::

    isolation = Isolation(db, seed=seed_static_rows)   # strategy: $FLASK_DREDD_RESET or "tracked"

    @hooks.before_all
    def boot(transactions):
        ...push an app context with db.init_app(app) and Migrate(app, db) done...
        isolation.prepare()

    @hooks.before_each
    def reset(transaction):
        isolation.reset()

Nothing here knows any particular API: it works on a Flask-SQLAlchemy ``db`` (its
default bind and ``db.metadata``), or on ``engine=``, ``metadata=`` and ``session=`` (plain
SQLAlchemy 2, Alchemical, ...: see `binding.py`), and refuses any database the guard does
not allow, judged on the database each connection actually opened. ``migrations=`` says
how the migration head is stamped (see `migrations.py`). Most projects never build one
themselves: ``flask_dredd.install()`` does it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_dredd.errors import (
    IsolationError,
    NotPreparedError,
    ResetBlockedError,
    UnknownStrategyError,
)

from .actual import guard_engine
from .binding import BoundDatabase, UnsupportedDatabaseError, bind_database
from .dialects import skip_fsync
from .guard import ALLOW_ENV, UnsafeDatabaseError, check_designated, is_designated
from .migrations import (
    MIGRATIONS_ENV,
    MigrationsNotFoundError,
    UnrestorableMigrationTableError,
    check_restorable,
    migrations_setting,
    stamper_for,
)
from .strategies import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    STRATEGY_ENV,
    ResetStrategy,
    choose_strategy,
)
from .target import ResetTarget

Seed = Callable[[Any], object]  # called with the session; inserts the rows the app needs


class Isolation:
    """Prepares a contract database once, then resets it before every transaction."""

    def __init__(
        self,
        db: Any = None,
        seed: Seed | None = None,
        strategy: str | None = None,
        *,
        engine: Any = None,
        metadata: Any = None,
        session: Any = None,
        migrations: str | None = None,
    ) -> None:
        # Refused now, with what is accepted, rather than one attribute at a time mid-run.
        self.db: BoundDatabase = bind_database(
            db, engine=engine, metadata=metadata, session=session
        )
        self.seed = seed
        self.migrations = migrations_setting(migrations)
        # Resolved now so that a misspelt name fails at import of the hooks, not mid-run.
        self._strategy_class: type[ResetStrategy] = choose_strategy(strategy)
        self._prepared: ResetStrategy | None = None  # the strategy, once prepare() ran

    @property
    def strategy(self) -> str:
        """The reset strategy's name: `tracked`, `truncate` or `rebuild`."""
        return self._strategy_class.name

    def prepare(self) -> None:
        """Guard, rebuild the schema, stamp, seed, record the baseline, install tracking.

        Call inside an app context whose app has ``db.init_app(app)`` (and, to stamp
        the migration head with Flask-Migrate, ``Migrate(app, db)``) done. The guard judges
        the URL's name here, then every connection the engine hands out, before anything
        is written.
        """
        self.db.remove_session()
        guard_engine(self.db.engine)
        skip_fsync(self.db.engine)  # after the guard: its listener judges a connection first
        stamp = stamper_for(self.migrations, lambda: self.db.engine)
        with self.db.engine.connect() as connection:
            check_restorable(connection, can_stamp=stamp is not None)
        target = ResetTarget(
            engine=self.db.engine,
            metadata=self.db.metadata,
            seed=self._seed_static_rows,
            stamp=stamp or (lambda: False),
        )
        strategy = self._strategy_class(target)
        strategy.prepare()
        self._prepared = strategy

    def reset(self) -> None:
        """Restore the baseline: static rows only, identity sequences where they started."""
        if self._prepared is None:
            raise NotPreparedError(
                "Isolation.reset() was called before Isolation.prepare(): call prepare() "
                "once in the before_all hook."
            )
        # No guard call here: prepare() guarded the engine, and each of its connections
        # is judged once, at its first checkout (see .actual).
        # The hooks' own session must not keep a transaction (and its locks) open
        # across the reset; the next fixture starts a fresh one.
        self.db.remove_session()
        self._prepared.reset()

    def _seed_static_rows(self) -> None:
        if self.seed is None:
            return
        session = self.db.session
        try:
            self.seed(session)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            self.db.remove_session()


__all__ = [
    "ALLOW_ENV",
    "DEFAULT_STRATEGY",
    "MIGRATIONS_ENV",
    "STRATEGIES",
    "STRATEGY_ENV",
    "Isolation",
    "BoundDatabase",
    "IsolationError",
    "MigrationsNotFoundError",
    "NotPreparedError",
    "ResetBlockedError",
    "Seed",
    "UnknownStrategyError",
    "UnrestorableMigrationTableError",
    "UnsafeDatabaseError",
    "UnsupportedDatabaseError",
    "check_designated",
    "is_designated",
]
