"""PostgreSQL: one schema dropped and recreated, TRUNCATE, statement-level triggers, setval."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, Table, text
from sqlalchemy.exc import OperationalError

from ..errors import ResetBlockedError
from ..tables import DIRTY_TABLE
from .base import Dialect, SequenceState

# A reset that waits longer than this for a lock fails with a clear message instead
# of hanging: Dredd gives a hook 5 s before it marks the transaction "Hook timed out".
LOCK_TIMEOUT_MS = 4000
LOCK_NOT_AVAILABLE = "55P03"
MARK_DIRTY_FUNCTION = "flask_dredd_mark_dirty"

# Every sequence owned by a column of a table in the current schema: serial
# columns depend on their sequence "auto" ('a'), identity columns "internal" ('i').
_OWNED_SEQUENCES = text(
    """
    SELECT t.relname AS table_name, a.attname AS column_name, s.oid::regclass::text AS sequence
    FROM pg_depend d
    JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
    JOIN pg_class t ON t.oid = d.refobjid
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.deptype IN ('a', 'i') AND t.relnamespace = current_schema()::regnamespace
    """
)

_READ_SEQUENCES = text(
    "SELECT s, pg_sequence_last_value(s::regclass) FROM unnest(CAST(:names AS text[])) AS s"
)

# One statement for any number of sequences; it writes only those that moved.
# pg_sequence_last_value is NULL for a sequence never used (or restarted).
_RESTORE_SEQUENCES = text(
    """
    SELECT count(setval(b.seq::regclass, coalesce(b.last_value, p.seqstart),
                        b.last_value IS NOT NULL))
    FROM unnest(CAST(:names AS text[]), CAST(:values AS bigint[])) AS b(seq, last_value)
    JOIN pg_sequence p ON p.seqrelid = b.seq::regclass
    WHERE pg_sequence_last_value(b.seq::regclass) IS DISTINCT FROM b.last_value
    """
)

_WHO_HOLDS_LOCKS = text(
    """
    SELECT pid, state, application_name, left(query, 120) AS query
    FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
      AND state IN ('idle in transaction', 'idle in transaction (aborted)', 'active')
    """
)


class PostgresDialect(Dialect):
    name = "postgresql"
    sequences_are_transactional = False  # nextval survives a rollback

    def __init__(self) -> None:
        # table name -> [(column, sequence)]; the names survive a rebuild unchanged.
        self._sequences: dict[str, list[tuple[str, str]]] | None = None

    @contextmanager
    def transaction(self, engine: Engine) -> Iterator[Connection]:
        try:
            with engine.connect() as connection, connection.begin():
                # Losing a reset to a crash is harmless, waiting for fsync is not free.
                connection.exec_driver_sql(
                    f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_MS}ms';"
                    " SET LOCAL synchronous_commit = off"
                )
                yield connection
        except OperationalError as error:
            if _sqlstate(error) == LOCK_NOT_AVAILABLE:
                raise ResetBlockedError(_blocked_message(engine)) from error
            raise

    def drop_everything(self, connection: Connection) -> None:
        schema = connection.exec_driver_sql("SELECT current_schema()").scalar() or "public"
        quoted = _quote(connection, schema)
        connection.exec_driver_sql(
            f"DROP SCHEMA IF EXISTS {quoted} CASCADE; CREATE SCHEMA {quoted}"
        )
        self._sequences = None

    def align_sequences(self, connection: Connection, tables: Sequence[Table]) -> None:
        owned = self._owned_sequences(connection)
        for table in tables:
            for column, sequence in owned.get(table.name, []):
                column_sql, table_sql = _quote(connection, column), _quote(connection, table.name)
                next_value = "CASE WHEN s.is_called THEN s.last_value + 1 ELSE s.last_value END"
                connection.execute(
                    text(
                        f"SELECT setval(:sequence, m)"
                        f" FROM (SELECT max({column_sql}) AS m FROM {table_sql}) AS x,"
                        f" {sequence} AS s WHERE m >= {next_value}"
                    ),
                    {"sequence": sequence},
                )

    def read_sequences(self, connection: Connection, tables: Sequence[Table]) -> SequenceState:
        names = self._sequence_names(connection, tables)
        return dict(connection.execute(_READ_SEQUENCES, {"names": names}).all())

    def restore_sequences(
        self, connection: Connection, baseline: SequenceState, tables: Sequence[Table]
    ) -> None:
        names = [name for name in self._sequence_names(connection, tables) if name in baseline]
        if names:
            values = [baseline[name] for name in names]
            connection.execute(_RESTORE_SEQUENCES, {"names": names, "values": values})

    def truncate(self, connection: Connection, tables: Sequence[Table]) -> None:
        if tables:
            names = ", ".join(_quote(connection, table.name) for table in tables)
            connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")

    def delete_rows(self, connection: Connection, tables: Sequence[Table]) -> None:
        if tables:
            # One round trip for all of them.
            connection.exec_driver_sql(
                "; ".join(f"DELETE FROM {_quote(connection, table.name)}" for table in tables)
            )

    def install_tracking(self, connection: Connection, tables: Sequence[Table]) -> None:
        schema = _quote(connection, connection.exec_driver_sql("SELECT current_schema()").scalar())
        dirty = f"{schema}.{DIRTY_TABLE}"
        function = f"{schema}.{MARK_DIRTY_FUNCTION}"
        statements = [
            f"CREATE TABLE IF NOT EXISTS {dirty} (table_name text PRIMARY KEY)",
            # Statement-level: one log write per statement, however many rows it
            # touched; TRUNCATE included, which row-level triggers cannot see.
            f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO {dirty} (table_name) VALUES (TG_TABLE_NAME) ON CONFLICT DO NOTHING;
                    RETURN NULL;
                END $$""",
        ]
        statements += [
            f"CREATE OR REPLACE TRIGGER {MARK_DIRTY_FUNCTION}"
            f" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {_quote(connection, table.name)}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            for table in tables
        ]
        connection.exec_driver_sql(";\n".join(statements))

    def read_dirty(self, connection: Connection) -> set[str]:
        return set(connection.exec_driver_sql(f"SELECT table_name FROM {DIRTY_TABLE}").scalars())

    def clear_dirty(self, connection: Connection) -> None:
        connection.exec_driver_sql(f"DELETE FROM {DIRTY_TABLE}")

    def _owned_sequences(self, connection: Connection) -> dict[str, list[tuple[str, str]]]:
        if self._sequences is None:
            self._sequences = {}
            for table, column, sequence in connection.execute(_OWNED_SEQUENCES):
                self._sequences.setdefault(table, []).append((column, sequence))
        return self._sequences

    def _sequence_names(self, connection: Connection, tables: Sequence[Table]) -> list[str]:
        owned = self._owned_sequences(connection)
        return [sequence for table in tables for _, sequence in owned.get(table.name, [])]


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)


def _sqlstate(error: OperationalError) -> str | None:
    # psycopg2 calls it pgcode, psycopg 3 sqlstate.
    return getattr(error.orig, "pgcode", None) or getattr(error.orig, "sqlstate", None)


def _blocked_message(engine: Engine) -> str:
    try:
        with engine.connect() as connection:
            holders = connection.execute(_WHO_HOLDS_LOCKS).all()
    except OperationalError:
        holders = []
    lines = [
        f"  pid {h.pid} ({h.state}, {h.application_name or 'no name'}): {h.query}" for h in holders
    ]
    return (
        f"The database reset waited {LOCK_TIMEOUT_MS} ms for a lock and gave up. Another "
        "connection holds locks on the tables, most likely a server request that left its "
        "session open ('idle in transaction'): end each request's session (Flask-SQLAlchemy "
        "does so on app-context teardown) and make sure nothing else uses this database."
        + ("\nConnections that may hold the lock:\n" + "\n".join(lines) if lines else "")
    )
