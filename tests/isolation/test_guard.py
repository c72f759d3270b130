"""The safety guard: nothing is ever deleted from a database not designated for contract runs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL

from flask_dredd.isolation import (
    ALLOW_ENV,
    STRATEGIES,
    Isolation,
    UnsafeDatabaseError,
    check_designated,
    is_designated,
)
from flask_dredd.isolation.restore import Baseline
from flask_dredd.isolation.target import ResetTarget

from .conftest import postgres_database
from .schema import db, seed_static_rows
from .support import make_app, normalise


@pytest.fixture(autouse=True)
def no_allowance(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_ENV, raising=False)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@h/eventapi_test",
        "postgresql://u@h/eventapi_contract",
        "sqlite:///var/eventapi_contract.db",
        "sqlite:////tmp/x/eventapi_test.sqlite3",
        "sqlite:///eventapi_test",
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file::memory:?cache=shared&uri=true",
        "sqlite:///file:scratch?mode=memory&uri=true",
    ],
)
def test_designated_databases(url: str) -> None:
    assert is_designated(url)
    check_designated(url)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@h/eventapi",
        "postgresql://u@h/test",
        "postgresql://u@h/eventapi_testing",
        "postgresql://u@h/eventapi_test_backup",
        "postgresql://u@h/eventapi_TEST",
        "sqlite:///var/eventapi.db",
        "sqlite:///var/eventapi_contract.db.bak",
        "sqlite:///var/eventapi_test/data.db",
    ],
)
def test_other_databases_are_refused(url: str) -> None:
    assert not is_designated(url)
    with pytest.raises(UnsafeDatabaseError):
        check_designated(url)


def test_the_message_names_the_database_the_rule_and_both_fixes() -> None:
    with pytest.raises(UnsafeDatabaseError) as refusal:
        check_designated("postgresql://alice:s3cret@db.example/eventapi")
    message = str(refusal.value)
    assert "'eventapi'" in message
    assert "'_test' or '_contract'" in message
    assert f"{ALLOW_ENV}=eventapi" in message
    assert "eventapi_contract" in message  # the rename suggestion
    assert "s3cret" not in message
    assert refusal.value.database_name == "eventapi"


def test_the_allowance_names_exactly_one_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW_ENV, "eventapi")
    assert is_designated("postgresql://u@h/eventapi")
    assert not is_designated("postgresql://u@h/eventapi2")
    assert not is_designated("postgresql://u@h/event")


def test_the_allowance_names_a_sqlite_file_by_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(ALLOW_ENV, "var/dev.db")
    assert is_designated("sqlite:///var/dev.db")
    assert is_designated(f"sqlite:///{tmp_path}/var/dev.db")  # the same file, spelt absolute
    assert not is_designated("sqlite:///other/dev.db")


def precious_rows(engine: Engine) -> list[tuple]:
    with engine.connect() as connection:
        return [
            tuple(row) for row in connection.execute(text("SELECT * FROM precious ORDER BY id"))
        ]


def fill_precious(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE precious (id integer PRIMARY KEY, note text)"))
        connection.execute(text("INSERT INTO precious VALUES (1, 'keep me'), (2, 'me too')"))


@pytest.fixture(params=["sqlite", "postgresql"])
def precious_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[URL]:
    """A database full of rows someone cares about, under a name that is not designated."""
    if request.param == "sqlite":
        yield normalise(f"sqlite:///{tmp_path / 'precious.db'}")
        return
    admin = request.getfixturevalue("postgres_admin")
    with postgres_database(admin, f"flask_dredd_precious_{os.getpid()}") as url:
        yield url


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_prepare_and_reset_leave_a_precious_database_alone(
    precious_url: URL, strategy: str
) -> None:
    engine = create_engine(precious_url)
    fill_precious(engine)
    app = make_app(precious_url)
    try:
        with app.app_context():
            isolation = Isolation(db, seed=seed_static_rows, strategy=strategy)
            with pytest.raises(UnsafeDatabaseError, match="precious"):
                isolation.prepare()
            # Every strategy checks on its own too, whoever calls it.
            strategy_object = STRATEGIES[strategy](ResetTarget(db.engine, db.metadata))
            strategy_object.baseline = Baseline(rows={}, sequences={})  # as if prepared
            for step in (strategy_object.prepare, strategy_object.reset):
                with pytest.raises(UnsafeDatabaseError):
                    step()
        assert precious_rows(engine) == [(1, "keep me"), (2, "me too")]
    finally:
        with app.app_context():
            db.engine.dispose()
        engine.dispose()


def test_the_allowance_lets_prepare_run(precious_url: URL, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = create_engine(precious_url)
    fill_precious(engine)
    # The database's name on PostgreSQL, the file's path for SQLite: both are url.database.
    monkeypatch.setenv(ALLOW_ENV, precious_url.database or "")
    app = make_app(precious_url)
    try:
        with app.app_context():
            Isolation(db, seed=seed_static_rows, strategy="tracked").prepare()
        with engine.connect() as connection:  # it really was reset: the old table is gone
            assert connection.execute(
                text("SELECT name FROM roles ORDER BY id")
            ).scalars().all() == [
                "admin",
                "member",
            ]
    finally:
        with app.app_context():
            db.engine.dispose()
        engine.dispose()
