"""PostgreSQL: DROP SCHEMA, TRUNCATE, statement-level triggers, setval, batched statements.

Every statement goes through :meth:`PostgresDialect._run`, which sends the reset's
work in as few round trips as possible (psycopg2 accepts several statements in one
``execute``): a tracked reset costs three, however many tables it restores.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, CursorResult, Engine, Table
from sqlalchemy.exc import OperationalError

from flask_dredd.errors import ResetBlockedError

from ..restore import Baseline, RestorePlan
from .base import Dialect, DirtyLog, insertable_columns

# A reset that waits longer than this for a lock fails with a clear message instead
# of hanging: Dredd gives a hook 5 s before it marks the transaction "Hook timed out".
LOCK_TIMEOUT_MS = 4000
LOCK_NOT_AVAILABLE = "55P03"

# Our bookkeeping lives in a schema of its own, out of the application's way.
BOOKKEEPING_SCHEMA = "flask_dredd"
DIRTY_LOG = f"{BOOKKEEPING_SCHEMA}.dirty"
INSERTS_BEGUN = f"{BOOKKEEPING_SCHEMA}.inserts_begun"

# Sequences owned by columns of tables in the current schema: serial columns depend
# on their sequence "auto" ('a'), identity columns "internal" ('i').
_OWNED_SEQUENCES = """
    SELECT t.relname, a.attname, s.oid::regclass::text
    FROM pg_depend d
    JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
    JOIN pg_class t ON t.oid = d.refobjid
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
      AND d.deptype IN ('a', 'i') AND t.relnamespace = current_schema()::regnamespace
"""

# Any number of sequences in one statement, writing only those that moved.
# pg_sequence_last_value is NULL for a sequence never used or restarted.
_RESTORE_SEQUENCES = """
    SELECT count(setval(b.seq::regclass, coalesce(b.last_value, p.seqstart),
                        b.last_value IS NOT NULL))
    FROM unnest(CAST(%(sequence_names)s AS text[]), CAST(%(sequence_values)s AS bigint[]))
         AS b(seq, last_value)
    JOIN pg_sequence p ON p.seqrelid = b.seq::regclass
    WHERE pg_sequence_last_value(b.seq::regclass) IS DISTINCT FROM b.last_value
"""

_READ_DIRTY = f"""
    SELECT coalesce(pg_sequence_last_value('{INSERTS_BEGUN}'), 0),
           (SELECT json_object_agg(table_name, inserts) FROM (
                SELECT table_name, count(*) FILTER (WHERE operation = 'INSERT') AS inserts
                FROM {DIRTY_LOG} GROUP BY table_name) AS written)
"""

# The tracking triggers. The log is append-only (no unique key) so that two server
# transactions writing the same tables never wait on each other's log rows.
_TRACKING_OBJECTS = f"""
    CREATE SCHEMA {BOOKKEEPING_SCHEMA};
    CREATE TABLE {DIRTY_LOG} (table_name text NOT NULL, operation text NOT NULL);
    CREATE SEQUENCE {INSERTS_BEGUN};
    CREATE FUNCTION {BOOKKEEPING_SCHEMA}.log_write() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {DIRTY_LOG} (table_name, operation) VALUES (TG_TABLE_NAME, TG_OP);
            RETURN NULL;
        END $$;
    -- Counts insert statements as they begin, outside any transaction: when fewer
    -- were logged as done, some were rolled back and may have spent sequence values.
    CREATE FUNCTION {BOOKKEEPING_SCHEMA}.count_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM nextval('{INSERTS_BEGUN}');
            RETURN NULL;
        END $$;
"""

_WHO_HOLDS_LOCKS = """
    SELECT pid, state, application_name, left(query, 120)
    FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
      AND state IN ('idle in transaction', 'idle in transaction (aborted)', 'active')
"""


class PostgresDialect(Dialect):
    name = "postgresql"
    # The commit returns before its WAL record is flushed; other sessions see it at once,
    # and a crash can lose only the last commits, never corrupt the database.
    no_fsync = "SET synchronous_commit = off"

    def __init__(self) -> None:
        # table name -> [(column, sequence)]; the names survive a rebuild unchanged.
        self._sequences: dict[str, list[tuple[str, str]]] | None = None
        self._settings_pending = False
        self._tracking = False
        # The insert-statement count after the last reset; None when unknown.
        self._inserts_begun_seen: int | None = 0

    @contextmanager
    def transaction(self, engine: Engine) -> Iterator[Connection]:
        self._settings_pending = True  # sent with the transaction's first statement
        try:
            with engine.connect() as connection, connection.begin():
                yield connection
        except BaseException as error:
            self._inserts_begun_seen = None  # rolled back: trust no count next time
            if isinstance(error, OperationalError) and _sqlstate(error) == LOCK_NOT_AVAILABLE:
                raise ResetBlockedError(_blocked_message(engine)) from error
            raise

    def drop_everything(self, connection: Connection) -> None:
        schema = self._run(connection, "SELECT current_schema()").scalar() or "public"
        self._run(
            connection,
            f"DROP SCHEMA IF EXISTS {BOOKKEEPING_SCHEMA} CASCADE;"
            f" DROP SCHEMA IF EXISTS {_quote(schema)} CASCADE; CREATE SCHEMA {_quote(schema)}",
        )
        self._sequences, self._tracking = None, False

    def align_sequences(self, connection: Connection, tables: Sequence[Table]) -> None:
        owned = self._owned_sequences(connection)
        statements = [
            f"SELECT setval('{sequence}', m) FROM"
            f" (SELECT max({_quote(column)}) AS m FROM {_quote(table.name)}) AS x, {sequence} AS s"
            " WHERE m >= CASE WHEN s.is_called THEN s.last_value + 1 ELSE s.last_value END"
            for table in tables
            for column, sequence in owned.get(table.name, [])
        ]
        if statements:
            self._run(connection, ";\n".join(statements))

    def capture_baseline(self, connection: Connection, tables: Sequence[Table]) -> Baseline:
        rows: dict[str, Any] = {}
        for table in tables:
            columns = ", ".join(_quote(name) for name in insertable_columns(table))
            # As JSON text: reinserted by json_populate_recordset, each value goes
            # back through its column type's own input function, exactly.
            found = self._run(
                connection,
                f"SELECT json_agg(x)::text FROM (SELECT {columns} FROM {_quote(table.name)}) AS x",
            ).scalar()
            if found is not None:
                rows[table.name] = found
        names = self._sequence_names(connection, tables)
        sequences = self._run(
            connection,
            "SELECT s, pg_sequence_last_value(s::regclass)"
            " FROM unnest(CAST(%(names)s AS text[])) AS s",
            {"names": names},
        )
        return Baseline(rows=rows, sequences=dict(sequences.all()))

    def restore(self, connection: Connection, plan: RestorePlan, baseline: Baseline) -> None:
        statements: list[str] = []
        params: dict[str, Any] = {}
        if plan.empty and plan.truncate:
            names = ", ".join(_quote(table.name) for table in plan.empty)
            statements.append(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            statements += [f"DELETE FROM {_quote(table.name)}" for table in plan.empty]
        for index, table in enumerate(t for t in plan.reinsert if t.name in baseline.rows):
            columns = ", ".join(_quote(name) for name in insertable_columns(table))
            statements.append(
                f"INSERT INTO {_quote(table.name)} ({columns}) OVERRIDING SYSTEM VALUE"
                f" SELECT {columns} FROM json_populate_recordset(NULL::{_quote(table.name)},"
                f" CAST(%(rows_{index})s AS json))"
            )
            params[f"rows_{index}"] = baseline.rows[table.name]
        sequences = [
            name
            for name in self._sequence_names(connection, plan.sequences)
            if name in baseline.sequences
        ]
        if sequences:
            statements.append(_RESTORE_SEQUENCES)
            params["sequence_names"] = sequences
            params["sequence_values"] = [baseline.sequences[name] for name in sequences]
        if plan.clear_dirty:
            statements.append(f"DELETE FROM {DIRTY_LOG}")
        recount = self._tracking and "rows_0" in params
        if recount:
            # Our own reinserts counted as begun inserts: note where the count stands.
            statements.append(f"SELECT coalesce(pg_sequence_last_value('{INSERTS_BEGUN}'), 0)")
        if statements:
            result = self._run(connection, ";\n".join(statements), params)
            if recount:
                self._inserts_begun_seen = result.scalar_one()

    def install_tracking(self, connection: Connection, tables: Sequence[Table]) -> None:
        statements = [_TRACKING_OBJECTS]
        for table in tables:
            name = _quote(table.name)
            # Statement-level: one log row per statement however many rows it wrote,
            # TRUNCATE included (row-level triggers cannot see it).
            statements.append(
                f"CREATE TRIGGER flask_dredd_log_write AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
                f" ON {name} FOR EACH STATEMENT EXECUTE FUNCTION {BOOKKEEPING_SCHEMA}.log_write()"
            )
            statements.append(
                f"CREATE TRIGGER flask_dredd_count_insert BEFORE INSERT ON {name}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {BOOKKEEPING_SCHEMA}.count_insert()"
            )
        self._run(connection, ";\n".join(statements))
        self._tracking, self._inserts_begun_seen = True, 0

    def read_dirty(self, connection: Connection) -> DirtyLog:
        begun, inserts_by_table = self._run(connection, _READ_DIRTY).one()
        inserts_by_table = inserts_by_table or {}
        seen, self._inserts_begun_seen = self._inserts_begun_seen, begun
        return DirtyLog(
            tables=set(inserts_by_table),
            sequences_may_have_moved=seen is None or begun - seen != sum(inserts_by_table.values()),
        )

    def _run(
        self, connection: Connection, sql: str, params: dict[str, Any] | None = None
    ) -> CursorResult:
        if self._settings_pending:
            # Losing a reset to a crash is harmless; waiting for its fsync is not free.
            settings = (
                f"SET LOCAL lock_timeout = {int(LOCK_TIMEOUT_MS)};"
                " SET LOCAL synchronous_commit = off; "
            )
            sql, self._settings_pending = settings + sql, False
        return connection.exec_driver_sql(sql, params or {})

    def _owned_sequences(self, connection: Connection) -> dict[str, list[tuple[str, str]]]:
        if self._sequences is None:
            self._sequences = {}
            for table, column, sequence in self._run(connection, _OWNED_SEQUENCES):
                self._sequences.setdefault(table, []).append((column, sequence))
        return self._sequences

    def _sequence_names(self, connection: Connection, tables: Sequence[Table]) -> list[str]:
        owned = self._owned_sequences(connection)
        return [sequence for table in tables for _, sequence in owned.get(table.name, [])]


def _quote(name: str) -> str:
    # A quoted identifier, with % doubled: statements go through psycopg2's pyformat.
    return '"' + name.replace('"', '""').replace("%", "%%") + '"'


def _sqlstate(error: OperationalError) -> str | None:
    # psycopg2 calls it pgcode, psycopg 3 sqlstate.
    return getattr(error.orig, "pgcode", None) or getattr(error.orig, "sqlstate", None)


def _blocked_message(engine: Engine) -> str:
    try:
        with engine.connect() as connection:
            holders = connection.exec_driver_sql(_WHO_HOLDS_LOCKS).all()
    except OperationalError:
        holders = []
    lines = [
        f"  pid {pid} ({state}, {app or 'no name'}): {query}" for pid, state, app, query in holders
    ]
    return (
        f"The database reset waited {LOCK_TIMEOUT_MS} ms for a lock and gave up. Another "
        "connection holds locks on the tables, most likely a server request that left its "
        "session open ('idle in transaction'): end each request's session (Flask-SQLAlchemy "
        "does so on app-context teardown) and make sure nothing else uses this database."
        + ("\nConnections that may hold the lock:\n" + "\n".join(lines) if lines else "")
    )
