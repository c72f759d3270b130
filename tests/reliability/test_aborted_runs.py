"""Whole runs that cannot finish: each ends bounded, named, exit 3, with honest reports.

Real Dredd, gunicorn and SQLite. A hook file that calls `os._exit` kills the hooks
handler mid-run; a SIGSTOPped gunicorn freezes the server. Either way the run must end
with exit 3, count the transactions that did not run against the contract's total,
name the one in flight, leave a well-formed `dredd.xml` whose totals match, and leave
no process behind.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from flask_dredd.reporting.xunit import read_xunit, xunit_problem
from tests.dredd_names import Transaction, transactions
from tests.e2e.conftest import DREDD, ROOT, run_contract

pytestmark = pytest.mark.e2e

FLASK = str(Path(sys.executable).parent / "flask")
DIES_ON = "Users > User > Retrieve a User > Example 1"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'eventapi_contract.db'}"


@pytest.fixture(autouse=True)
def documented_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The counts here are the documented contract's: no negatives derived from the policy."""
    monkeypatch.setenv("FLASK_DREDD_DERIVED", "0")


@pytest.fixture(scope="module")
def blueprint_transactions() -> list[Transaction]:
    return transactions(ROOT / "apiary.apib", DREDD)


def assert_sound_report(reports: Path, total: int) -> None:
    xunit = reports / "dredd.xml"
    assert xunit_problem(xunit) is None, xunit.read_text()[-2000:]
    suite = ET.parse(xunit).getroot()
    summary = read_xunit(xunit)
    assert int(suite.get("tests", -1)) == len(summary.cases) == total
    assert int(suite.get("errors", -1)) == summary.not_run > 0


def closing_line(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("[flask-dredd] result"))


def gunicorn_pids(port: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue
        if "gunicorn" in cmdline and f"127.0.0.1:{port}" in cmdline:
            found.append(int(proc.name))
    return found


def test_a_hook_that_kills_the_handler_aborts_the_run_with_exit_3(
    tmp_path, sqlite_url, blueprint_transactions
):
    (tmp_path / "dies.py").write_text(
        "import os\n\nimport dredd_hooks as hooks\n\n\n"
        f"@hooks.before({DIES_ON!r})\ndef die(transaction):\n    os._exit(7)\n"
    )
    config = yaml.safe_load((ROOT / "dredd.yml").read_text())
    config["hookfiles"] = [str(ROOT / "hooks" / "*.py"), str(tmp_path / "dies.py")]
    (tmp_path / "dredd.yml").write_text(yaml.safe_dump(config))
    reports = tmp_path / "reports"

    run = run_contract(reports, sqlite_url, "--dredd-config", str(tmp_path / "dredd.yml"))

    assert run.exit_code == 3, run.output
    total = len(blueprint_transactions)
    ran = [t.name for t in blueprint_transactions].index(DIES_ON)
    line = closing_line(run.output)
    assert f"{ran} passed, 0 failed, 0 skipped, {total - ran} not run of {total} transactions" in (
        line
    )
    assert f'aborted — the hooks handler stopped on "{DIES_ON}"' in line
    assert_sound_report(reports, total)


def test_a_frozen_server_ends_the_run_in_about_the_stall_time(tmp_path, sqlite_url):
    stall = 6.0
    reports = tmp_path / "reports"
    process = subprocess.Popen(
        [FLASK, "--app", "eventapi", "dredd", "run", "--database-url", sqlite_url,
         "--reports-dir", str(reports), "--stall-timeout", str(stall)],
        cwd=ROOT,
        env={**os.environ, "EVENTAPI_CONFIG": "contract"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    assert process.stdout is not None
    output = ""
    for line in process.stdout:
        output += line
        if "ready on" in line:
            break
    port = re.search(r"ready on http://127\.0\.0\.1:(\d+)", output)
    assert port, output
    records = reports / "transactions.jsonl"
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if records.exists() and len(records.read_text().splitlines()) >= 3:
            break
        time.sleep(0.05)
    master = min(gunicorn_pids(port.group(1)))
    os.killpg(os.getpgid(master), signal.SIGSTOP)
    frozen = time.monotonic()
    try:
        rest, _ = process.communicate(timeout=stall + 60)
    finally:
        with_pids = gunicorn_pids(port.group(1))
        for pid in with_pids:  # never leave a frozen server behind, even on failure
            os.kill(pid, signal.SIGKILL)
    output += rest
    seconds = time.monotonic() - frozen

    assert process.returncode == 3, output
    assert seconds < stall + 20, f"{seconds:.1f} s after the freeze\n{output}"
    line = closing_line(output)
    assert re.search(r"\d+ not run of \d+ transactions: aborted — no transaction progress", line)
    assert "does not answer a probe" in line and "frozen" in line
    in_flight = re.search(r'progress for \d+ s on "([^"]+)"', line)
    assert in_flight, line
    recorded = [ln for ln in records.read_text().splitlines() if ln.strip()]
    assert in_flight.group(1) not in "".join(recorded)  # the one that never finished
    assert with_pids == [], "gunicorn outlived its run"
    assert_sound_report(reports, total=int(re.search(r"of (\d+) transactions", line).group(1)))


def test_a_server_that_does_not_answer_in_time_suggests_fewer_workers(tmp_path, sqlite_url):
    # No gunicorn answers within 10 ms: it has to start Python and import the app.
    run = run_contract(
        tmp_path / "reports", sqlite_url, "--server-timeout", "0.01", "--workers", "3"
    )
    assert run.exit_code == 2, run.output
    assert "gunicorn did not answer" in run.output
    assert "try fewer workers (WORKERS=" in run.output and "--server-timeout" in run.output
    assert "Traceback" not in run.output


def test_a_hung_hook_ends_the_run_within_its_limits_naming_the_transaction(
    tmp_path, sqlite_url, blueprint_transactions
):
    # The handler's hook time limit ends it first where the handler has one; the stall
    # watchdog does otherwise. Either way: bounded, exit 3, the transaction named.
    (tmp_path / "hangs.py").write_text(
        "import time\n\nimport dredd_hooks as hooks\n\n\n"
        f"@hooks.before({DIES_ON!r})\ndef hang(transaction):\n    time.sleep(3600)\n"
    )
    config = yaml.safe_load((ROOT / "dredd.yml").read_text())
    config["hookfiles"] = [str(ROOT / "hooks" / "*.py"), str(tmp_path / "hangs.py")]
    (tmp_path / "dredd.yml").write_text(yaml.safe_dump(config))
    reports = tmp_path / "reports"
    started = time.monotonic()
    run = run_contract(
        reports, sqlite_url, "--dredd-config", str(tmp_path / "dredd.yml"),
        "--hook-timeout", "2", "--stall-timeout", "8",
    )  # fmt: skip
    seconds = time.monotonic() - started

    assert run.exit_code == 3, run.output
    assert seconds < 120, f"{seconds:.0f} s"  # not 10 s for each later transaction
    line = closing_line(run.output)
    total = len(blueprint_transactions)
    assert re.search(rf", \d+ not run of {total} transactions: aborted — ", line), line
    assert DIES_ON in line
    assert_sound_report(reports, total)
    leftover = [
        proc.name for proc in Path("/proc").iterdir()
        if proc.name.isdigit() and str(tmp_path / "hangs.py") in _cmdline(proc)
    ]  # fmt: skip
    assert leftover == [], "the hooks handler outlived its run"


def _cmdline(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (OSError, ValueError):
        return ""
