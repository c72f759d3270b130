"""The guard judges connections, not URLs: each one once, before its first use.

- a URL alone never proves a database designated when its query can change the target;
- every DBAPI connection the hooks' engine hands out is judged exactly once, so resets
  cost no extra round trip, and a URL whose query only locates the server (``?host=``)
  is accepted once the connection proves the database designated;
- a connection the engine pooled before ``prepare()`` is judged at its next checkout.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import psycopg2
import pytest
from flask import Flask
from sqlalchemy import event, text

from flask_dredd.isolation import ALLOW_ENV, Isolation, UnsafeDatabaseError, is_designated
from tests.isolation.schema import db, seed_static_rows

from .guard_support import PG_SERVER, ROWS, precious_postgres_database, precious_sqlite_folder


@pytest.fixture(autouse=True)
def no_allowance(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_ENV, raising=False)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@h/x_contract?dbname=precious",
        "postgresql://u@h/x_contract?database=precious",
        "postgresql://u@h/x_contract?service=production",
        "postgresql://u@h/x_contract?host=db.prod.example&port=5433",
        "postgresql://u@h/x_contract?options=-c%20search_path%3Dprod",
        "sqlite:////data/precious.db?mode=memory",
        "sqlite:///file:x_contract.db?uri=true&vfs=unix-dotfile",
        "sqlite:///file:precious.db%23/x_contract.db?uri=true",
    ],
)
def test_a_url_whose_query_can_change_the_target_is_not_designated_by_itself(url: str) -> None:
    assert not is_designated(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def designated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A designated database, spelt with a query parameter that only locates it."""
    if request.param == "sqlite":
        yield f"sqlite:///file:{tmp_path / 'guard_contract.db'}?uri=true&cache=private"
        return
    name = f"flask_dredd_guardconn_{uuid.uuid4().hex[:8]}_test"
    admin = psycopg2.connect(f"{PG_SERVER}/postgres", connect_timeout=3)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg2://postgres@/{name}?host=127.0.0.1&port=5432"
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def make_app(url: str, instance: Path) -> Flask:
    app = Flask(__name__, instance_path=str(instance))
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    db.init_app(app)
    return app


def test_every_connection_is_judged_once_and_resets_add_no_round_trip(
    designated_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flask_dredd.isolation import actual

    judged = []
    original = actual.opened_database

    def counting(dbapi_connection, backend):  # noqa: ANN001, ANN202 - a pass-through
        judged.append(id(dbapi_connection))
        return original(dbapi_connection, backend)

    monkeypatch.setattr(actual, "opened_database", counting)
    app = make_app(designated_url, tmp_path)
    try:
        with app.app_context():
            opened = []
            event.listen(db.engine, "connect", lambda conn, _record: opened.append(id(conn)))
            isolation = Isolation(db, seed=seed_static_rows, strategy="tracked")
            isolation.prepare()
            for n in range(20):
                db.session.execute(text(f"INSERT INTO tags (id, name) VALUES ({100 + n}, 't')"))
                db.session.commit()
                isolation.reset()
            assert db.session.execute(text("SELECT count(*) FROM tags")).scalar_one() == 1
        assert judged, "no connection was judged"
        assert sorted(judged) == sorted(set(judged)), "a connection was judged twice"
        assert set(judged) == set(opened), "a connection was used without being judged"
        assert len(judged) <= 3  # a pool's few connections, not one per reset
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@contextmanager
def precious_database(backend: str, folder: Path) -> Iterator[tuple[str, Callable[[], int]]]:
    """A protected database; a URL whose path shows a designated name but opens it; a count."""
    if backend == "sqlite":
        precious = precious_sqlite_folder(folder)

        def count_sqlite() -> int:
            with closing(sqlite3.connect(precious)) as conn:
                return conn.execute("SELECT count(*) FROM keep").fetchone()[0]

        yield f"sqlite:///{folder / 'x_contract.db'}", count_sqlite  # a symlink to it
        return
    with precious_postgres_database() as name:

        def count_postgres() -> int:
            with closing(psycopg2.connect(f"{PG_SERVER}/{name}")) as conn, conn.cursor() as cur:
                cur.execute("SELECT count(*) FROM keep")
                return cur.fetchone()[0]

        yield (
            f"postgresql+psycopg2://postgres@127.0.0.1:5432/x_contract?dbname={name}",
            count_postgres,
        )


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_connection_pooled_before_prepare_is_judged_at_its_next_use(
    backend: str, tmp_path: Path
) -> None:
    with precious_database(backend, tmp_path) as (decoy_url, count):
        app = make_app(decoy_url, tmp_path)
        try:
            with app.app_context():
                with db.engine.connect() as connection:  # pooled, before any guard
                    assert connection.execute(text("SELECT count(*) FROM keep")).scalar() == ROWS
                with pytest.raises(UnsafeDatabaseError, match="the driver opened"):
                    Isolation(db, seed=seed_static_rows, strategy="rebuild").prepare()
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        assert count() == ROWS
