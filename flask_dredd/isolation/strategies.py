"""The reset strategies, and how one is chosen.

A strategy restores a database to its baseline between two Dredd transactions:

- rebuild: drop and recreate the schema every time. Slow, but trusts nothing.
- truncate: empty every table in one statement, then put the baseline back.
- tracked (the default): reset only what was written since the last reset. Triggers in
  the database log every table written (the writes come from the server's processes, so
  the log must live in the database). A reset empties the logged tables, plus the tables
  whose baseline rows reference them, reinserts their baseline rows, puts their
  sequences back and clears the log, in one transaction. Its cost follows what the last
  Dredd transaction touched, not the size of the schema.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import ClassVar

from flask_dredd.errors import UnknownStrategyError

from .restore import Baseline, RestorePlan
from .target import ResetTarget

STRATEGY_ENV = "FLASK_DREDD_RESET"
DEFAULT_STRATEGY = "tracked"


class ResetStrategy(ABC):
    """Restores a database to its baseline between two Dredd transactions."""

    name: ClassVar[str]

    def __init__(self, target: ResetTarget) -> None:
        self.target = target

    @abstractmethod
    def prepare(self) -> None:
        """Build the baseline from scratch (once per run) and get ready to reset."""

    @abstractmethod
    def reset(self) -> None:
        """Bring the database back to the baseline."""


class RebuildStrategy(ResetStrategy):
    name = "rebuild"

    def prepare(self) -> None:
        self.target.rebuild()

    def reset(self) -> None:
        self.target.rebuild()


class TruncateStrategy(ResetStrategy):
    name = "truncate"
    tracking = False  # install the triggers that log each table written (tracked)

    baseline: Baseline

    def prepare(self) -> None:
        target = self.target
        target.rebuild()
        with target.transaction() as connection:
            self.baseline = target.dialect.capture_baseline(connection, target.tables.ordered)
            if self.tracking:
                target.dialect.install_tracking(connection, target.tables.ordered)

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


class TrackedStrategy(TruncateStrategy):
    """Prepared as truncate is, plus the tracking triggers; resets only what was written."""

    name = "tracked"
    tracking = True

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


STRATEGIES: dict[str, type[ResetStrategy]] = {
    strategy.name: strategy for strategy in (RebuildStrategy, TruncateStrategy, TrackedStrategy)
}


def choose_strategy(name: str | None = None) -> type[ResetStrategy]:
    """The strategy named by ``name``, else by $FLASK_DREDD_RESET, else the default."""
    source = "the strategy argument"
    if name is None:
        name, source = os.environ.get(STRATEGY_ENV, "").strip() or None, STRATEGY_ENV
    if name is None:
        return STRATEGIES[DEFAULT_STRATEGY]
    if name not in STRATEGIES:
        valid = ", ".join(STRATEGIES)
        raise UnknownStrategyError(
            f"Unknown reset strategy {name!r} (from {source}). "
            f"Valid strategies: {valid} (default: {DEFAULT_STRATEGY})."
        )
    return STRATEGIES[name]
