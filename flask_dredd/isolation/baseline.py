"""The baseline: the rows and sequence positions every reset restores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
