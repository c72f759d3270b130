"""What every database dialect provides to the reset strategies.

Strategies are written once against this interface; each dialect module holds the
SQL that differs between PostgreSQL and SQLite.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager

from sqlalchemy import Connection, Engine, Table

# Where each identity sequence stands: its key (PostgreSQL: the sequence's name;
# SQLite: the AUTOINCREMENT table's name) -> its last value, None when never used.
SequenceState = dict[str, int | None]


class Dialect(ABC):
    name: str
    # Whether a rolled-back insert also rolls back the identity sequence it advanced.
    sequences_are_transactional: bool

    @abstractmethod
    def transaction(self, engine: Engine) -> AbstractContextManager[Connection]:
        """One short reset transaction on a connection of its own, committed on exit."""

    @abstractmethod
    def drop_everything(self, connection: Connection) -> None:
        """Remove every table of the application's schema, alembic_version and ours included."""

    @abstractmethod
    def align_sequences(self, connection: Connection, tables: Sequence[Table]) -> None:
        """Move each sequence past the largest id a seed inserted explicitly."""

    @abstractmethod
    def read_sequences(self, connection: Connection, tables: Sequence[Table]) -> SequenceState:
        """The state of the identity sequences of ``tables``."""

    @abstractmethod
    def restore_sequences(
        self, connection: Connection, baseline: SequenceState, tables: Sequence[Table]
    ) -> None:
        """Put the sequences of ``tables`` back to ``baseline``."""

    @abstractmethod
    def truncate(self, connection: Connection, tables: Sequence[Table]) -> None:
        """Empty ``tables`` and restart their identity sequences."""

    @abstractmethod
    def delete_rows(self, connection: Connection, tables: Sequence[Table]) -> None:
        """Delete every row of ``tables``, given children first."""

    @abstractmethod
    def install_tracking(self, connection: Connection, tables: Sequence[Table]) -> None:
        """Create the dirty log and the triggers that fill it on every write."""

    @abstractmethod
    def read_dirty(self, connection: Connection) -> set[str]:
        """Names of the tables written since the dirty log was last cleared."""

    @abstractmethod
    def clear_dirty(self, connection: Connection) -> None:
        """Empty the dirty log."""
