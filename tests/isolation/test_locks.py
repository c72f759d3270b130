"""Resets and the server's connections: no deadlock, and a clear error when blocked."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL

from flask_dredd.isolation import ResetBlockedError
from flask_dredd.isolation.dialects import postgresql, sqlite

from .support import Contract, apply, prepare_contract, snapshot


@pytest.fixture
def short_lock_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgresql, "LOCK_TIMEOUT_MS", 300)
    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_MS", 300)


@pytest.fixture(params=["truncate", "tracked", "rebuild"])
def contract(request: pytest.FixtureRequest, database_url: URL) -> Iterator[Contract]:
    contract = prepare_contract(database_url, request.param)
    yield contract
    contract.close()


def test_idle_server_connections_do_not_block_a_reset(contract: Contract) -> None:
    # The pool keeps these open and idle between requests, as gunicorn workers do.
    connections = [contract.server.connect() for _ in range(2)]
    for connection in connections:
        connection.execute(text("SELECT count(*) FROM users")).scalar()
        connection.commit()
    try:
        with contract.app.app_context():
            apply(contract, ("insert", "users", 0, "server"))
            started = time.perf_counter()
            contract.isolation.reset()
        assert time.perf_counter() - started < 2
    finally:
        for connection in connections:
            connection.close()


def test_a_connection_left_in_a_transaction_gives_a_clear_error(
    contract: Contract, short_lock_waits: None
) -> None:
    """A request that never ended its session: the reset says so instead of hanging."""
    postgres = contract.server.dialect.name == "postgresql"
    with contract.app.app_context():
        apply(contract, ("insert", "roles", 0, "server"))
    with contract.server.connect() as stuck:
        if postgres:  # row locks on a table the reset must restore
            stuck.execute(text("SELECT * FROM roles WHERE id = 1 FOR UPDATE"))
        else:  # SQLite's one write lock
            stuck.exec_driver_sql("BEGIN IMMEDIATE")
        with contract.app.app_context(), pytest.raises(ResetBlockedError) as blocked:
            contract.isolation.reset()
        message = str(blocked.value)
        assert "300 ms" in message and "session open" in message
        if postgres:
            assert "idle in transaction" in message
        stuck.rollback()
    with contract.app.app_context():
        contract.isolation.reset()  # works again once the connection let go


def test_tracked_resets_beside_an_idle_in_transaction_reader(postgresql_test_url: URL) -> None:
    """tracked only deletes rows, so a reader's share locks do not stand in its way."""
    contract = prepare_contract(postgresql_test_url, "tracked")
    try:
        with contract.server.connect() as connection:
            baseline = snapshot(connection)
        with contract.server.connect() as reader:
            reader.execute(text("SELECT count(*) FROM users JOIN roles ON roles.id = role_id"))
            with contract.app.app_context():
                apply(contract, ("insert", "roles", 0, "server"))
                apply(contract, ("update", "users", 0, "hooks"))
                contract.isolation.reset()
            reader.rollback()
        with contract.server.connect() as connection:
            assert snapshot(connection) == baseline
    finally:
        contract.close()
