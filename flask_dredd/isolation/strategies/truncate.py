"""truncate: empty every table in one statement, then put the baseline back."""

from __future__ import annotations

from ..baseline import Baseline
from .base import ResetStrategy


class TruncateStrategy(ResetStrategy):
    name = "truncate"

    baseline: Baseline

    def prepare(self) -> None:
        self.target.rebuild()
        with self.target.transaction() as connection:
            self.baseline = Baseline.capture(
                connection, self.target.tables.ordered, self.target.dialect
            )

    def reset(self) -> None:
        tables = self.target.tables.ordered
        dialect = self.target.dialect
        with self.target.transaction() as connection:
            dialect.truncate(connection, tables)
            self.baseline.reinsert_rows(connection, tables)
            dialect.restore_sequences(connection, self.baseline.sequences, tables)
