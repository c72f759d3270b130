"""Proof of equivalence: whatever a transaction wrote, every strategy restores the baseline.

For each strategy on SQLite and PostgreSQL: random inserts, updates, deletes and
rolled-back inserts, from the server's side (another engine) and from the hooks'
session, static rows included; then a reset; then every table's rows and every
identity sequence must equal what prepare() left.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import URL

from flask_dredd.isolation import STRATEGIES

from .schema import WRITTEN_TABLES, Event, Setting, Tag, User, db
from .support import Contract, apply, prepare_contract, snapshot

operations = st.tuples(
    st.sampled_from(["insert", "insert", "update", "delete", "failed insert"]),
    st.sampled_from(WRITTEN_TABLES),
    st.integers(min_value=0, max_value=50),
    st.sampled_from(["server", "hooks"]),
)
# A Dredd transaction's writes: its fixtures, then the request the server handled.
transactions = st.lists(st.lists(operations, max_size=8), min_size=1, max_size=3)


@pytest.fixture(scope="module", params=list(STRATEGIES))
def contract(request: pytest.FixtureRequest, database_url: URL) -> Iterator[Contract]:
    contract = prepare_contract(database_url, request.param)
    yield contract
    contract.close()


@pytest.fixture(scope="module")
def baseline(contract: Contract) -> dict:
    with contract.server.connect() as connection:
        return snapshot(connection)


# 25 keeps the whole file under a minute; FLASK_DREDD_EXAMPLES=500 for a deep search.
@settings(
    max_examples=int(os.environ.get("FLASK_DREDD_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(transactions=transactions)
def test_reset_restores_rows_and_sequences(
    contract: Contract, baseline: dict, transactions: list[list[tuple[str, str, int, str]]]
) -> None:
    with contract.app.app_context():
        for transaction in transactions:
            for operation in transaction:
                apply(contract, operation)
            contract.isolation.reset()
            with contract.server.connect() as connection:
                assert snapshot(connection) == baseline


def test_new_rows_get_the_ids_a_fresh_database_gives(contract: Contract) -> None:
    with contract.app.app_context():
        for _ in range(2):  # a second reset must not drift
            apply(contract, ("insert", "users", 0, "server"))
            apply(contract, ("failed insert", "events", 0, "server"))
            contract.isolation.reset()
            user = User(name="fixture", role_id=1)
            event = Event(title="fixture", owner_id=1)
            tag = Tag(name="fixture")
            setting = Setting(value="fixture")
            db.session.add_all([user, event, tag, setting])
            db.session.commit()
            # max(static id) + 1 for users and tags (the seed chose tag id 10), 1 elsewhere.
            assert (user.id, event.id, tag.id, setting.id) == (2, 1, 11, 1)
            contract.isolation.reset()
