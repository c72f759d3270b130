"""What a reset must do, decided by a strategy and carried out by a dialect."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table


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
