"""tracked: reset only what was written since the last reset.

Triggers in the database log every table written (the writes come from the server's
processes, so the log must live in the database). A reset empties the logged tables,
plus the tables whose baseline rows reference them, reinserts their baseline rows,
puts their sequences back and clears the log, in one transaction. Its cost follows
what the last Dredd transaction touched, not the size of the schema.
"""

from __future__ import annotations

from ..baseline import Baseline
from ..plan import RestorePlan
from .base import ResetStrategy


class TrackedStrategy(ResetStrategy):
    name = "tracked"

    baseline: Baseline

    def prepare(self) -> None:
        target = self.target
        target.rebuild()
        with target.transaction() as connection:
            self.baseline = target.dialect.capture_baseline(connection, target.tables.ordered)
            target.dialect.install_tracking(connection, target.tables.ordered)

    def reset(self) -> None:
        tables, dialect = self.target.tables, self.target.dialect
        with self.target.transaction() as connection:
            log = dialect.read_dirty(connection)
            touched = tables.with_referencing_rows(log.tables, self.baseline.tables_with_rows)
            # An insert that was rolled back still spent its sequence value on
            # PostgreSQL, in a table the log never saw: then every sequence is checked.
            suspects = tables.names if log.sequences_may_have_moved else touched
            plan = RestorePlan(
                empty=tables.in_delete_order(touched),
                reinsert=tables.in_insert_order(touched),
                sequences=tables.in_insert_order(suspects),
                # Our own deletes and reinserts were logged too; clearing comes last.
                clear_dirty=bool(touched),
            )
            dialect.restore(connection, plan, self.baseline)
