"""SQLite: tables dropped one by one, DELETE, row-level triggers, sqlite_sequence."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, Table, bindparam, text
from sqlalchemy.exc import OperationalError

from ..errors import ResetBlockedError
from ..tables import DIRTY_TABLE
from .base import Dialect, SequenceState

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
    sequences_are_transactional = True  # sqlite_sequence and rowids are rows like any other

    @contextmanager
    def transaction(self, engine: Engine) -> Iterator[Connection]:
        with engine.connect() as connection:
            connection.exec_driver_sql(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # Foreign keys can only be switched off outside a transaction. Off, a reset
            # cannot trip over rows of tables our metadata does not know.
            foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
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

    def read_sequences(self, connection: Connection, tables: Sequence[Table]) -> SequenceState:
        if not tables or not self._has_sequence_table(connection):
            return {}
        names = [table.name for table in tables]
        return dict(connection.execute(_READ_SEQUENCES, {"names": names}).all())

    def restore_sequences(
        self, connection: Connection, baseline: SequenceState, tables: Sequence[Table]
    ) -> None:
        if not tables or not self._has_sequence_table(connection):
            return
        names = [table.name for table in tables]
        connection.execute(_FORGET_SEQUENCES, {"names": names})
        rows = [{"name": name, "seq": baseline[name]} for name in names if name in baseline]
        if rows:
            connection.execute(_WRITE_SEQUENCE, rows)

    def truncate(self, connection: Connection, tables: Sequence[Table]) -> None:
        self.delete_rows(connection, list(reversed(tables)))
        if self._has_sequence_table(connection):
            connection.exec_driver_sql("DELETE FROM sqlite_sequence")

    def delete_rows(self, connection: Connection, tables: Sequence[Table]) -> None:
        for table in tables:
            connection.exec_driver_sql(f"DELETE FROM {_quote(connection, table.name)}")

    def install_tracking(self, connection: Connection, tables: Sequence[Table]) -> None:
        connection.exec_driver_sql(
            f"CREATE TABLE IF NOT EXISTS {DIRTY_TABLE} (table_name TEXT PRIMARY KEY)"
        )
        for table in tables:
            # SQLite has row-level triggers only; INSERT OR IGNORE keeps the log one row per table.
            literal = "'" + table.name.replace("'", "''") + "'"
            for event in ("INSERT", "UPDATE", "DELETE"):
                trigger = _quote(connection, f"flask_dredd_{event.lower()}_{table.name}")
                connection.exec_driver_sql(
                    f"CREATE TRIGGER IF NOT EXISTS {trigger} AFTER {event}"
                    f" ON {_quote(connection, table.name)} BEGIN"
                    f" INSERT OR IGNORE INTO {DIRTY_TABLE} (table_name) VALUES ({literal}); END"
                )

    def read_dirty(self, connection: Connection) -> set[str]:
        return set(connection.exec_driver_sql(f"SELECT table_name FROM {DIRTY_TABLE}").scalars())

    def clear_dirty(self, connection: Connection) -> None:
        connection.exec_driver_sql(f"DELETE FROM {DIRTY_TABLE}")

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
