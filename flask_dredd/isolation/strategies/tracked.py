"""tracked: reset only what was written since the last reset.

Triggers in the database log the name of every table written (the writes come from
the server's processes, so the log must live in the database). A reset empties the
logged tables, plus the tables whose baseline rows reference them, reinserts their
baseline rows, puts sequences back and clears the log, in one transaction. Its cost
follows what the last Dredd transaction touched, not the size of the schema.
"""

from __future__ import annotations

from ..baseline import Baseline
from .base import ResetStrategy


class TrackedStrategy(ResetStrategy):
    name = "tracked"

    baseline: Baseline

    def prepare(self) -> None:
        target = self.target
        target.rebuild()
        with target.transaction() as connection:
            self.baseline = Baseline.capture(connection, target.tables.ordered, target.dialect)
            target.dialect.install_tracking(connection, target.tables.ordered)
            target.dialect.clear_dirty(connection)

    def reset(self) -> None:
        tables, dialect = self.target.tables, self.target.dialect
        with self.target.transaction() as connection:
            dirty = dialect.read_dirty(connection)
            touched = tables.with_referencing_rows(dirty, self.baseline.tables_with_rows)
            if touched:
                dialect.delete_rows(connection, tables.in_delete_order(touched))
                self.baseline.reinsert_rows(connection, tables.in_insert_order(touched))
                # Our own deletes and inserts logged these tables again: clear last.
                dialect.clear_dirty(connection)
            # A sequence moves even when the insert that moved it is rolled back, so
            # where sequences are not transactional (PostgreSQL) every one is checked.
            suspects = touched if dialect.sequences_are_transactional else tables.names
            dialect.restore_sequences(
                connection, self.baseline.sequences, tables.in_insert_order(suspects)
            )
