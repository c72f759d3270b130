"""The baseline: the rows and sequence positions a reset restores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, select

from .dialects import Dialect, SequenceState

Row = dict[str, Any]


@dataclass(frozen=True)
class Baseline:
    rows: dict[str, list[Row]]  # only tables that have rows
    sequences: SequenceState

    @classmethod
    def capture(cls, connection: Connection, tables: Sequence[Table], dialect: Dialect) -> Baseline:
        rows: dict[str, list[Row]] = {}
        for table in tables:
            columns = _insertable_columns(table)
            found = [
                {column.key: row[index] for index, column in enumerate(columns)}
                for row in connection.execute(select(*columns))
            ]
            if found:
                rows[table.name] = found
        return cls(rows=rows, sequences=dialect.read_sequences(connection, tables))

    @property
    def tables_with_rows(self) -> set[str]:
        return set(self.rows)

    def reinsert_rows(self, connection: Connection, tables: Sequence[Table]) -> None:
        """Insert the baseline rows of ``tables``, which must be given parents first."""
        for table in tables:
            if table.name in self.rows:
                # One executemany; SQLAlchemy batches it into a multi-row INSERT.
                connection.execute(table.insert(), self.rows[table.name])


def _insertable_columns(table: Table) -> list[Any]:
    # Computed columns are derived by the database and cannot be inserted.
    return [column for column in table.columns if column.computed is None]
