"""End-to-end runs: real Dredd, real gunicorn, real SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from flask_dredd.contract.compiler import documented_transactions
from flask_dredd.reporting.xunit import Summary, read_xunit
from flask_dredd.run.preflight import derived_transactions
from tests.dredd_names import Transaction, transactions
from tests.postgres import scratch_database

ROOT = Path(__file__).resolve().parents[2]
DREDD = ROOT / "node_modules" / ".bin" / "dredd"


@dataclass
class ContractRun:
    exit_code: int
    output: str
    report: Summary | None


def run_contract(
    reports: Path, database_url: str, *args: str, cwd: Path = ROOT, **env: str
) -> ContractRun:
    """`flask --app eventapi dredd run` as a user runs it from ``cwd``, reports under
    ``reports``."""
    command = [
        str(Path(sys.executable).parent / "flask"), "--app", "eventapi", "dredd", "run",
        "--database-url", database_url, "--reports-dir", str(reports), *args,
    ]  # fmt: skip
    process = subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, "EVENTAPI_CONFIG": "contract", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    xunit = reports / "dredd.xml"
    return ContractRun(
        process.returncode,
        process.stdout + process.stderr,
        read_xunit(xunit) if xunit.exists() else None,
    )


@pytest.fixture(scope="session")
def blueprint_transactions() -> list[Transaction]:
    """What a run replays: the documented transactions and those the policy derives."""
    assert DREDD.exists(), "Dredd is missing: `make test` runs `npm ci` first"
    documented = transactions(ROOT / "apiary.apib", DREDD)
    compiled = documented_transactions(ROOT / "apiary.apib", ROOT / "node_modules")
    derived = [Transaction(d.name, d.source.method, d.answer.status, d.source.uri)
               for d in derived_transactions(ROOT, compiled)]  # fmt: skip
    return documented + derived


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'eventapi_contract.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, designated PostgreSQL database, dropped afterwards."""
    with scratch_database(f"eventapi_e2e_{uuid.uuid4().hex[:8]}_test") as url:
        yield url
