"""truncate: empty every table in one statement, then put the baseline back."""

from __future__ import annotations

from ..baseline import Baseline
from ..plan import RestorePlan
from .base import ResetStrategy


class TruncateStrategy(ResetStrategy):
    name = "truncate"

    baseline: Baseline

    def prepare(self) -> None:
        target = self.target
        target.rebuild()
        with target.transaction() as connection:
            self.baseline = target.dialect.capture_baseline(connection, target.tables.ordered)

    def reset(self) -> None:
        tables = self.target.tables
        plan = RestorePlan(
            empty=list(reversed(tables.ordered)),
            truncate=True,
            reinsert=tables.ordered,
            sequences=tables.ordered,
        )
        with self.target.transaction() as connection:
            self.target.dialect.restore(connection, plan, self.baseline)
