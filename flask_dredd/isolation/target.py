"""The database a strategy resets: reachable only through the safety guard."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, MetaData

from .actual import guard_engine
from .dialects import Dialect, dialect_for
from .tables import ApplicationTables


@dataclass
class ResetTarget:
    engine: Engine
    metadata: MetaData
    # Inserts the app's static rows and commits them; a no-op when the app has none.
    seed: Callable[[], None] = lambda: None
    # Stamps the migration head; a no-op when the app has no migrations.
    stamp: Callable[[], object] = lambda: None
    dialect: Dialect = field(init=False)
    tables: ApplicationTables = field(init=False)

    def __post_init__(self) -> None:
        self.dialect = dialect_for(self.engine)
        self.tables = ApplicationTables(self.metadata)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A reset transaction, on a connection the guard has approved."""
        guard_engine(self.engine)  # a set lookup once done; each connection is checked once
        with self.dialect.transaction(self.engine) as connection:
            yield connection

    def rebuild(self) -> None:
        """Bring the database to its baseline from whatever state it is in.

        Drop everything and create the schema in one transaction (no one sees a
        half-built schema on PostgreSQL), then stamp, seed, and move sequences past
        any id the seed chose itself.
        """
        with self.transaction() as connection:
            self.dialect.drop_everything(connection)
            self.metadata.create_all(connection, checkfirst=False)
        self.stamp()
        self.seed()
        with self.transaction() as connection:
            self.dialect.align_sequences(connection, self.tables.ordered)
