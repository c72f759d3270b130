"""The whole contract, run the way `make dredd` runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dredd_names import Transaction

from .conftest import ContractRun, run_contract

pytestmark = pytest.mark.e2e


def assert_every_transaction_passed(run: ContractRun, expected: list[Transaction]) -> None:
    assert run.exit_code == 0, run.output
    assert run.report is not None, run.output
    failed = [c.title + "\n" + c.detail for c in run.report.cases if c.status != "passed"]
    assert not failed, "\n\n".join(failed)
    # Every transaction Dredd lists ran: none silently missing, none skipped.
    assert len(run.report.cases) == len(expected), run.output
    assert run.report.skipped == 0


def test_contract_passes_on_sqlite(tmp_path: Path, sqlite_url: str, blueprint_transactions):
    run = run_contract(tmp_path / "reports", sqlite_url)
    assert_every_transaction_passed(run, blueprint_transactions)
    assert "[flask-dredd] database" in run.output and "[flask-dredd] server" in run.output


@pytest.mark.postgres
def test_contract_passes_on_postgres(tmp_path: Path, postgres_url: str, blueprint_transactions):
    run = run_contract(tmp_path / "reports", postgres_url)
    assert_every_transaction_passed(run, blueprint_transactions)
    assert "created" in run.output  # the runner created the missing database
