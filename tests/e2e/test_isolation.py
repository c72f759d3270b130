"""Isolation, end to end: order does not matter, and no worker serves stale rows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from eventapi.auth.tokens import issue_token
from eventapi.extensions import db
from eventapi.seed import seed_static_rows
from factories import UserFactory
from flask_dredd.factories import reset_sequences
from flask_dredd.isolation import Isolation
from flask_dredd.run.database import ensure_database, parse_url
from flask_dredd.run.server import GunicornServer
from flask_dredd.wiring import load_app

from .conftest import ROOT, run_contract
from .test_contract import assert_every_transaction_passed

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


@pytest.mark.parametrize("workers", [1, 4])
@pytest.mark.parametrize("order", ["blueprint", "reverse", "shuffle:7"])
def test_contract_passes_in_any_order(
    tmp_path: Path, postgres_url: str, blueprint_transactions, order: str, workers: int
):
    args = ["--workers", str(workers)]
    if order != "blueprint":
        args += ["--order", order]
    run = run_contract(tmp_path / "reports", postgres_url, *args)
    assert_every_transaction_passed(run, blueprint_transactions)


@pytest.fixture
def hooks_app(postgres_url: str, monkeypatch: pytest.MonkeyPatch):
    """The app the hooks build, on the server's database, in an app context."""
    ensure_database(parse_url(postgres_url))
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("EVENTAPI_CONFIG", "contract")
    with load_app("eventapi").app_context() as context:
        yield context.app


def test_no_worker_serves_rows_from_before_a_reset(tmp_path: Path, postgres_url: str, hooks_app):
    isolation = Isolation(db, seed=seed_static_rows)  # the default strategy the hooks use
    isolation.prepare()
    server = GunicornServer(
        "eventapi:create_app()",
        workers=4,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        log_path=tmp_path / "server.log",
    )
    server.start()
    try:
        server.wait_ready()
        for round_number in range(1, 7):
            isolation.reset()
            reset_sequences()
            user = UserFactory(name=f"Round {round_number}")
            assert user.id == 1  # sequences restart on every reset
            token = issue_token(user)
            # Fresh connections, so the requests spread over all four workers; each
            # must see this round's rows and nothing from an earlier round.
            for _ in range(12):
                listed = requests.get(
                    f"{server.url}/users",
                    headers={"Authorization": f"Bearer {token}", "Connection": "close"},
                    timeout=10,
                )
                assert listed.status_code == 200, listed.text
                body = listed.json()
                assert body["meta"]["total"] == 1, body
                assert body["items"][0]["name"] == f"Round {round_number}", body
    finally:
        server.stop()
