"""Helpers for the isolation tests: apps bound to a database, snapshots, random writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import Connection, Engine, String, create_engine, event, inspect, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError

from flask_dredd.isolation import Isolation

from .schema import db, seed_static_rows


def normalise(url: str | URL) -> URL:
    """SQLAlchemy 2.1 reads postgresql:// as psycopg 3; this project ships psycopg2."""
    url = make_url(url)
    return url.set(drivername="postgresql+psycopg2") if url.drivername == "postgresql" else url


@dataclass
class Contract:
    """A database prepared for contract runs, as the hooks and the server see it."""

    app: Flask
    isolation: Isolation
    server: Engine  # another engine, standing in for the server's worker processes

    def close(self) -> None:
        self.server.dispose()
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


def make_app(url: str | URL) -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise(url).render_as_string(hide_password=False)
    db.init_app(app)
    return app


def prepare_contract(url: str | URL, strategy: str) -> Contract:
    app = make_app(url)
    isolation = Isolation(db, seed=seed_static_rows, strategy=strategy)
    with app.app_context():
        isolation.prepare()
    # Pooled like a gunicorn worker's engine: idle connections stay open during resets.
    server = create_engine(normalise(url), pool_size=2)
    if server.dialect.name == "sqlite":
        # Apps that turn SQLite's foreign keys on get cascades and refusals, as on PostgreSQL.
        event.listen(server, "connect", lambda dbapi, _: dbapi.execute("PRAGMA foreign_keys = ON"))
    return Contract(app=app, isolation=isolation, server=server)


def snapshot(connection: Connection) -> dict[str, Any]:
    """Every row of every table, and where every identity sequence stands.

    Read with plain catalog queries, independently of what the strategies use.
    """
    state: dict[str, Any] = {}
    # Isolation's own bookkeeping (SQLite keeps it beside the app's tables) is not app state.
    names = [n for n in inspect(connection).get_table_names() if not n.startswith("flask_dredd_")]
    for name in sorted(names):
        rows = connection.execute(text(f'SELECT * FROM "{name}"'))
        state[name] = sorted((tuple(row) for row in rows), key=repr)
    if connection.dialect.name == "postgresql":
        sequences = connection.execute(
            text("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
        )
    elif "sqlite_sequence" in state:
        sequences = connection.execute(text("SELECT name, seq FROM sqlite_sequence"))
        del state["sqlite_sequence"]
    else:
        sequences = None
    state["<sequences>"] = sorted(tuple(row) for row in sequences) if sequences else []
    return state


@contextmanager
def writer(contract: Contract, via: str) -> Iterator[Connection]:
    """A transaction of the server (another engine) or of the hooks' own session."""
    if via == "server":
        with contract.server.begin() as connection:
            yield connection
    else:
        session = db.session
        try:
            yield session.connection()
            session.commit()
        finally:
            db.session.remove()


def apply(contract: Contract, operation: tuple[str, str, int, str]) -> None:
    """Run one random write; writes the database refuses are rolled back, as in a 4xx/5xx."""
    kind, table_name, pick, via = operation
    table = db.metadata.tables[table_name]
    try:
        with writer(contract, via) as connection:
            if kind in ("insert", "failed insert"):
                values = _new_row(connection, table, pick)
                if values is None:
                    return
                connection.execute(table.insert().values(values))
                if kind == "failed insert":
                    # Rolled back after the insert: on PostgreSQL its nextval stays spent.
                    raise _Rollback
                return
            rows = connection.execute(select(*table.primary_key.columns)).all()
            if not rows:
                return
            key = dict(
                zip(table.primary_key.columns.keys(), sorted(rows)[pick % len(rows)], strict=True)
            )
            where = [table.c[column] == value for column, value in key.items()]
            if kind == "update":
                text_columns = [
                    c for c in table.columns if isinstance(c.type, String) and not c.primary_key
                ]
                column = text_columns[0] if text_columns else table.primary_key.columns[0]
                value = f"changed {pick}" if text_columns else table.c[column.key]
                connection.execute(table.update().where(*where).values({column.key: value}))
            else:
                connection.execute(table.delete().where(*where))
    except (IntegrityError, _Rollback):
        pass


class _Rollback(Exception):
    pass


def _new_row(connection: Connection, table: Any, pick: int) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    for column in table.columns:
        if column.foreign_keys:
            parent = next(iter(column.foreign_keys)).column
            choices = sorted(connection.execute(select(parent)).scalars().all())
            if not choices:
                return None
            values[column.key] = choices[pick % len(choices)]
        elif column.primary_key and isinstance(column.type, String):
            values[column.key] = f"k{pick}"
        elif isinstance(column.type, String):
            values[column.key] = f"new {pick}"
    return values
