"""SQLite: tables dropped one by one, DELETE, row-level triggers, sqlite_sequence."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, select, text
from sqlalchemy.exc import OperationalError

from flask_dredd.errors import ResetBlockedError

from ..restore import Baseline, RestorePlan
from ..tables import DIRTY_TABLE
from .base import Dialect, DirtyLog, insertable_columns

# How long a reset waits for the server's connections to release the database:
# below Dredd's 5 s hook timeout, so a stuck lock is reported rather than timed out.
BUSY_TIMEOUT_MS = 4000

_HAS_SEQUENCE_TABLE = text(
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
)
_READ_SEQUENCES = text("SELECT name, seq FROM sqlite_sequence WHERE name IN :names").bindparams(
    bindparam("names", expanding=True)
)
_FORGET_SEQUENCES = text("DELETE FROM sqlite_sequence WHERE name IN :names").bindparams(
    bindparam("names", expanding=True)
)
_WRITE_SEQUENCE = text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)")


class SqliteDialect(Dialect):
    name = "sqlite"
    no_fsync = "PRAGMA synchronous = OFF"

    @contextmanager
    def transaction(self, engine: Engine) -> Iterator[Connection]:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # Foreign keys can only be switched off outside a transaction. Off, a reset
            # cannot trip over rows of tables our metadata does not know.
            foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
            # No fsync for a reset: only a power cut could lose it, and the next run's
            # prepare() rebuilds the database anyway.
            synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar_one()
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            connection.exec_driver_sql("PRAGMA synchronous = OFF")
            try:
                # pysqlite opens transactions lazily, before DML only; take the write
                # lock up front so the whole reset, DDL included, is one transaction.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                yield connection
                connection.commit()
            except OperationalError as error:
                connection.rollback()
                if "locked" in str(error.orig) or "busy" in str(error.orig):
                    raise ResetBlockedError(_blocked_message(engine)) from error
                raise
            except BaseException:
                connection.rollback()
                raise
            finally:
                connection.exec_driver_sql(f"PRAGMA foreign_keys = {int(bool(foreign_keys))}")
                connection.exec_driver_sql(f"PRAGMA synchronous = {int(synchronous)}")
                connection.commit()

    def drop_everything(self, connection: Connection) -> None:
        objects = connection.exec_driver_sql(
            "SELECT type, name FROM sqlite_master WHERE type IN ('view', 'table')"
            " AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY type = 'table'"
        ).all()
        for kind, name in objects:
            connection.exec_driver_sql(f"DROP {kind.upper()} IF EXISTS {_quote(connection, name)}")
        if self._has_sequence_table(connection):
            connection.exec_driver_sql("DELETE FROM sqlite_sequence")

    def align_sequences(self, connection: Connection, tables: Sequence[Table]) -> None:
        # Nothing to do: SQLite's next rowid is always past the largest one present.
        pass

    def capture_baseline(self, connection: Connection, tables: Sequence[Table]) -> Baseline:
        rows: dict[str, Any] = {}
        for table in tables:
            columns = [table.c[name] for name in insertable_columns(table)]
            found = [
                {column.key: value for column, value in zip(columns, row, strict=True)}
                for row in connection.execute(select(*columns))
            ]
            if found:
                rows[table.name] = found
        sequences: dict[str, int | None] = {}
        if tables and self._has_sequence_table(connection):
            names = [table.name for table in tables]
            sequences = dict(connection.execute(_READ_SEQUENCES, {"names": names}).all())
        return Baseline(rows=rows, sequences=sequences)

    def restore(self, connection: Connection, plan: RestorePlan, baseline: Baseline) -> None:
        # In-process calls cost microseconds here: no need to batch.
        for table in plan.empty:
            connection.exec_driver_sql(f"DELETE FROM {_quote(connection, table.name)}")
        for table in plan.reinsert:
            if table.name in baseline.rows:
                connection.execute(table.insert(), baseline.rows[table.name])
        if plan.sequences and self._has_sequence_table(connection):
            names = [table.name for table in plan.sequences]
            connection.execute(_FORGET_SEQUENCES, {"names": names})
            saved = [
                {"name": n, "seq": baseline.sequences[n]} for n in names if n in baseline.sequences
            ]
            if saved:
                connection.execute(_WRITE_SEQUENCE, saved)
        if plan.clear_dirty:
            connection.exec_driver_sql(f"DELETE FROM {DIRTY_TABLE}")

    def install_tracking(self, connection: Connection, tables: Sequence[Table]) -> None:
        connection.exec_driver_sql(f"CREATE TABLE {DIRTY_TABLE} (table_name TEXT PRIMARY KEY)")
        for table in tables:
            # SQLite has row-level triggers only; INSERT OR IGNORE keeps one row per table.
            # (Its writers lock the whole database anyway, so the key costs no concurrency.)
            literal = "'" + table.name.replace("'", "''") + "'"
            for event in ("INSERT", "UPDATE", "DELETE"):
                trigger = _quote(connection, f"flask_dredd_{event.lower()}_{table.name}")
                log = f"INSERT OR IGNORE INTO {DIRTY_TABLE} (table_name) VALUES ({literal})"
                connection.exec_driver_sql(
                    f"CREATE TRIGGER {trigger} AFTER {event}"
                    f" ON {_quote(connection, table.name)} BEGIN {log}; END"
                )

    def read_dirty(self, connection: Connection) -> DirtyLog:
        tables = set(connection.exec_driver_sql(f"SELECT table_name FROM {DIRTY_TABLE}").scalars())
        # sqlite_sequence and rowids roll back with the inserts that moved them.
        return DirtyLog(tables=tables, sequences_may_have_moved=False)

    @staticmethod
    def _has_sequence_table(connection: Connection) -> bool:
        return connection.execute(_HAS_SEQUENCE_TABLE).first() is not None


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)


def _blocked_message(engine: Engine) -> str:
    return (
        f"The database reset waited {BUSY_TIMEOUT_MS} ms for SQLite file "
        f"{engine.url.database!r} to be free and gave up: another connection holds a lock "
        "on it, most likely a server request that left its session open, or another "
        "program using the same file. End each request's session (Flask-SQLAlchemy does so "
        "on app-context teardown) and make sure nothing else uses this database."
    )
