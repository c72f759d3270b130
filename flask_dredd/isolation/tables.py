"""The application's tables and the foreign-key order resets must respect."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import MetaData, Table

# Alembic's record of the schema, and the tracked strategy's log on SQLite (PostgreSQL
# keeps its log in a schema of its own): never emptied by a reset.
DIRTY_TABLE = "flask_dredd_dirty"
ALEMBIC_VERSION_TABLE = "alembic_version"
NEVER_RESET = frozenset({DIRTY_TABLE, ALEMBIC_VERSION_TABLE})


class ApplicationTables:
    """One MetaData's tables in dependency order: parents before the tables referencing them."""

    def __init__(self, metadata: MetaData) -> None:
        self.ordered: list[Table] = [
            table
            for table in metadata.sorted_tables
            if table.name not in NEVER_RESET and table.schema is None
        ]
        self.by_name: dict[str, Table] = {table.name: table for table in self.ordered}
        self._position = {table.name: index for index, table in enumerate(self.ordered)}
        # For each table, the tables holding a foreign key to it.
        self._referencing: dict[str, set[str]] = {name: set() for name in self.by_name}
        for table in self.ordered:
            for key in table.foreign_keys:
                parent = key.column.table.name
                if parent in self._referencing and parent != table.name:
                    self._referencing[parent].add(table.name)

    @property
    def names(self) -> list[str]:
        return [table.name for table in self.ordered]

    def in_insert_order(self, names: Iterable[str]) -> list[Table]:
        """Parents first, so inserted rows find the rows they reference."""
        return sorted((self.by_name[name] for name in names), key=lambda t: self._position[t.name])

    def in_delete_order(self, names: Iterable[str]) -> list[Table]:
        """Children first, so deleting never leaves a row pointing at a deleted one."""
        return list(reversed(self.in_insert_order(names)))

    def with_referencing_rows(self, dirty: Iterable[str], has_rows: set[str]) -> set[str]:
        """``dirty`` plus, transitively, every table with rows that references one of them.

        A reset empties each dirty table before reinserting its baseline rows. A clean
        table whose rows reference a dirty one would block that (or lose its rows to
        ON DELETE CASCADE), so it joins the set. A clean table with no rows cannot.
        """
        result = {name for name in dirty if name in self.by_name}
        pending = list(result)
        while pending:
            for child in self._referencing[pending.pop()]:
                if child not in result and child in has_rows:
                    result.add(child)
                    pending.append(child)
        return result
