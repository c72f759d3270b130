"""A protected database of 1,000 rows on each backend, and the ways to attack it.

The database's name is not designated (it ends in neither ``_test`` nor ``_contract``),
so a run and every reset must refuse it, however its URL is spelt.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from flask_dredd.errors import RunError
from flask_dredd.isolation import STRATEGIES, Isolation, UnsafeDatabaseError
from flask_dredd.isolation.restore import Baseline
from flask_dredd.isolation.target import ResetTarget
from flask_dredd.run.config import RunConfig, child_environment
from flask_dredd.run.locks import RunIdentity, RunLocks
from flask_dredd.run.runner import prepare_database
from tests.isolation.schema import db, seed_static_rows

ROOT = Path(__file__).resolve().parents[2]
PG_SERVER = os.environ.get("FLASK_DREDD_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
ROWS = 1000


def fill(connection_execute) -> None:  # noqa: ANN001 - a DBAPI cursor's or connection's
    connection_execute("CREATE TABLE keep (id integer PRIMARY KEY, note text)")
    for start in range(0, ROWS, 100):
        values = ", ".join(f"({i}, 'row {i}')" for i in range(start + 1, start + 101))
        connection_execute(f"INSERT INTO keep VALUES {values}")


@contextmanager
def precious_postgres_database() -> Iterator[str]:
    """A PostgreSQL database named ``flask_dredd_precious_<hex>`` with 1,000 rows, dropped after."""
    name = f"flask_dredd_precious_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg2.connect(f"{PG_SERVER}/postgres", connect_timeout=3)
    except psycopg2.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_SERVER} ({exc})")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        conn = psycopg2.connect(f"{PG_SERVER}/{name}")
        with conn, conn.cursor() as cur:
            fill(cur.execute)
        conn.close()
        yield name
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def precious_sqlite_folder(folder: Path) -> Path:
    """``folder/precious.db`` with 1,000 rows, a designated-looking symlink to it, a subfolder."""
    import sqlite3

    path = folder / "precious.db"
    with sqlite3.connect(path) as conn:
        fill(conn.execute)
    conn.close()
    (folder / "x_contract.db").symlink_to(path)
    (folder / "sub").mkdir()
    return path


def app_url(url: str) -> str:
    """The URL as the app hands it to SQLAlchemy (psycopg2 named, as eventapi's config does)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url.removeprefix(prefix)
    return url


def rows_reached(url: str, instance: Path) -> int:
    """How many rows of ``keep`` the unguarded driver reaches through ``url``.

    Proves a spelling really points at the protected database; relative SQLite paths are
    read against ``instance`` as the app's Flask-SQLAlchemy reads them.
    """
    cwd = Path.cwd()
    os.chdir(instance)  # before create_engine, which makes a relative SQLite path absolute
    engine = create_engine(app_url(url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM keep")).scalar_one()
    finally:
        os.chdir(cwd)
        engine.dispose()


def runner_refuses(url: str, root: Path) -> str:
    """The run's database phase on ``url``: must raise RunError before any write."""
    config = RunConfig(
        root=root, flask_app="eventapi", app_spec="eventapi:create_app()", database_url=url
    )
    env = child_environment(config)
    env["EVENTAPI_CONFIG"] = "contract"
    try:
        with RunLocks(RunIdentity.current(), note=print) as locks:
            summary = prepare_database(config, env, locks)
    except RunError as refusal:
        return str(refusal)
    raise AssertionError(f"the run's database phase accepted {url}: {summary}")


def isolation_refuses(url: str, instance: Path, strategy: str) -> str:
    """``Isolation.prepare()`` and a strategy's own reset on ``url``: both must refuse."""
    app = Flask(__name__, instance_path=str(instance))
    app.config["SQLALCHEMY_DATABASE_URI"] = app_url(url)
    db.init_app(app)
    messages = []
    try:
        with app.app_context():
            isolation = Isolation(db, seed=seed_static_rows, strategy=strategy)
            try:
                isolation.prepare()
            except UnsafeDatabaseError as refusal:
                messages.append(str(refusal))
            else:
                raise AssertionError(f"Isolation.prepare() accepted {url}")
            resetter = STRATEGIES[strategy](ResetTarget(db.engine, db.metadata))
            resetter.baseline = Baseline(rows={}, sequences={})  # as if prepared
            try:
                resetter.reset()
            except UnsafeDatabaseError as refusal:
                messages.append(str(refusal))
            else:
                raise AssertionError(f"a {strategy} reset accepted {url}")
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return "\n".join(messages)
