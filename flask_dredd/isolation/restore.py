"""What a reset restores and how: the baseline a run captured once, and one reset's plan.

A strategy decides the plan (`strategies`); a dialect carries it out against the
baseline (`dialects`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table

# Where each identity sequence stands: its key (PostgreSQL: the sequence's name;
# SQLite: the AUTOINCREMENT table's name) -> its last value, None when never used.
SequenceState = dict[str, int | None]


@dataclass(frozen=True)
class Baseline:
    # Table name -> its rows, in whatever form its dialect reinserts fastest. Only
    # tables that have rows appear.
    rows: dict[str, Any]
    sequences: SequenceState

    @property
    def tables_with_rows(self) -> set[str]:
        return set(self.rows)


@dataclass(frozen=True)
class RestorePlan:
    """One reset's work. Dialects run it in as few round trips as their driver allows.

    Order: empty the tables, reinsert baseline rows, put sequences back, clear the log.
    """

    empty: list[Table]  # children first
    reinsert: list[Table]  # parents first; tables without baseline rows are skipped
    sequences: list[Table]  # tables whose identity sequences go back to the baseline
    truncate: bool = False  # empty with TRUNCATE … RESTART IDENTITY where there is one
    clear_dirty: bool = False  # empty the tracked strategy's log of written tables
