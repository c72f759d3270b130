"""What every database dialect provides to the reset strategies.

Strategies decide what a reset does (a :class:`RestorePlan`); each dialect module
holds the SQL that does it on its database, in as few round trips as it can.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, Table

from ..restore import Baseline, RestorePlan


@dataclass(frozen=True)
class DirtyLog:
    """What the tracking triggers saw since the last reset."""

    tables: set[str]  # tables written
    # True when an identity sequence may have moved in a table not in ``tables``:
    # on PostgreSQL nextval survives the rollback of the insert that called it.
    sequences_may_have_moved: bool


class Dialect(ABC):
    name: str
    #: Run on each of the hooks' connections: their commits skip the wait for the disk.
    no_fsync: str

    @abstractmethod
    def transaction(self, engine: Engine) -> AbstractContextManager[Connection]:
        """One short reset transaction, committed on exit, failing fast on locks."""

    @abstractmethod
    def drop_everything(self, connection: Connection) -> None:
        """Remove every table of the application's schema, alembic_version and ours included."""

    @abstractmethod
    def align_sequences(self, connection: Connection, tables: Sequence[Table]) -> None:
        """Move each sequence past the largest id the seed inserted explicitly."""

    @abstractmethod
    def capture_baseline(self, connection: Connection, tables: Sequence[Table]) -> Baseline:
        """The rows of ``tables`` and the state of their identity sequences, as they are now."""

    @abstractmethod
    def restore(self, connection: Connection, plan: RestorePlan, baseline: Baseline) -> None:
        """Carry out ``plan``."""

    @abstractmethod
    def install_tracking(self, connection: Connection, tables: Sequence[Table]) -> None:
        """Create the dirty log and the triggers that fill it on every write, log empty."""

    @abstractmethod
    def read_dirty(self, connection: Connection) -> DirtyLog:
        """What was written since the log was last cleared."""


def insertable_columns(table: Table) -> list[str]:
    """Column names a reinsert writes: computed columns are the database's to fill."""
    return [column.name for column in table.columns if column.computed is None]
