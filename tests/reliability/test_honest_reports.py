"""After an abort the reports tell the truth: every contract transaction is counted.

What a stopped run leaves behind is written here as Dredd and the recorder leave it (a
cut-short xunit file with `tests="0"`, one record line per finished transaction, the
handler's in-flight and abort files), then the runner's conclusion is checked: the exit
code, the closing line and a well-formed `dredd.xml` whose totals match its cases.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from flask_dredd.contract.compiler import DocumentedTransaction
from flask_dredd.reporting.console import ConsoleReporter
from flask_dredd.reporting.events import RunFinished
from flask_dredd.reporting.xunit import read_xunit, xunit_problem
from flask_dredd.run.outcome import conclude
from flask_dredd.run.watchdog import Stop

NAMES = ["Users > List", "Users > Create", "Users > Get", "Users > Update", "Users > Delete"]
IDS = ["GET (200) /users", "POST (201) /users", "GET (200) /users/1", "PATCH (200) /users/1",
       "DELETE (204) /users/1"]  # fmt: skip
CONTRACT = [
    DocumentedTransaction(name, id_, id_.split()[0], int(id_.split()[1][1:-1]), "/u", "/u")
    for name, id_ in zip(NAMES, IDS, strict=True)
]
DREDD_HEADER = (
    '<testsuite name="Dredd Tests" tests="0" failures="0" errors="0" skip="0" '
    'timestamp="Tue, 01 Dec 2026 11:41:30 GMT" time="0">'
)


def dredd_left(reports: Path, cases: int, *, closed: bool = False) -> None:
    """Dredd's xunit file after `cases` transactions: totals and closing tag come last."""
    lines = [DREDD_HEADER] + [f'<testcase name="{IDS[i]}" time="0.01"/>' for i in range(cases)]
    if closed:
        lines[0] = lines[0].replace('tests="0"', f'tests="{cases}"')
        lines.append("</testsuite>")
    (reports / "dredd.xml").write_text("\n".join(lines) + "\n")


def recorded(reports: Path, count: int, **extra: dict[str, object]) -> None:
    with (reports / "transactions.jsonl").open("a") as out:
        for i in range(count):
            record = {"name": NAMES[i], "id": IDS[i], "status": "passed", "reset_ms": 1.0}
            record.update(extra.get(NAMES[i], {}))
            out.write(json.dumps(record) + "\n")


def closing_line(conclusion, reports: Path, capsys: pytest.CaptureFixture[str]) -> str:
    ConsoleReporter()(RunFinished(conclusion.report, reports, record={}))
    return next(
        line for line in capsys.readouterr().out.splitlines() if "[flask-dredd] result" in line
    )


def assert_sound_xunit(reports: Path, tests: int, not_run: int) -> None:
    path = reports / "dredd.xml"
    assert xunit_problem(path) is None
    suite = ET.parse(path).getroot()
    assert (suite.get("tests"), suite.get("errors")) == (str(tests), str(not_run))
    assert len(suite.findall("testcase")) == tests
    assert read_xunit(path).not_run == not_run


def test_a_cut_short_run_counts_the_not_run_against_the_contract(tmp_path, capsys):
    dredd_left(tmp_path, 2)  # the handler died on the third transaction
    recorded(tmp_path, 2)
    conclusion = conclude(tmp_path, CONTRACT, phases={}, endpoint="", dredd_exit=1)
    assert conclusion.outcome.exit_code == 3
    assert "cut short or unclosed" in (conclusion.xunit_rewritten or "")
    assert_sound_xunit(tmp_path, tests=5, not_run=3)
    line = closing_line(conclusion, tmp_path, capsys)
    assert "2 passed, 0 failed, 0 skipped, 3 not run of 5 transactions: aborted — " in line
    assert '"Users > Get" (next after the last recorded transaction, "Users > Create")' in line


def test_the_handlers_in_flight_file_names_the_hook_and_transaction(tmp_path, capsys):
    dredd_left(tmp_path, 2)
    recorded(tmp_path, 2)
    # As the handler leaves it: one object padded with spaces to its longest write.
    inflight = {"transaction": "Users > Get", "event": "beforeEach",
                "hook": "hooks/users.py:12 die", "started": 1.0}  # fmt: skip
    (tmp_path / "inflight.json").write_text(json.dumps(inflight).ljust(300))
    conclusion = conclude(tmp_path, CONTRACT, phases={}, endpoint="", dredd_exit=1)
    line = closing_line(conclusion, tmp_path, capsys)
    assert (
        '3 not run of 5 transactions: aborted — the hooks handler stopped on "Users > Get" '
        "(beforeEach, hook hooks/users.py:12 die)" in line
    )


@pytest.mark.parametrize("left", ["empty", "missing", "tests=0 but closed"])
def test_a_missing_or_inconsistent_report_is_rewritten(tmp_path, left):
    recorded(tmp_path, 5)
    if left == "empty":
        (tmp_path / "dredd.xml").write_text("")
    elif left == "tests=0 but closed":
        dredd_left(tmp_path, 5)
        with (tmp_path / "dredd.xml").open("a") as out:
            out.write("</testsuite>\n")
    conclusion = conclude(tmp_path, CONTRACT, phases={}, endpoint="", dredd_exit=0)
    assert conclusion.xunit_rewritten, left
    assert conclusion.outcome.exit_code == 0  # every transaction has its record
    assert_sound_xunit(tmp_path, tests=5, not_run=0)


def test_dredd_exit_0_with_a_transaction_unrecorded_is_not_green(tmp_path):
    dredd_left(tmp_path, 4, closed=True)
    recorded(tmp_path, 4)
    conclusion = conclude(tmp_path, CONTRACT, phases={}, endpoint="", dredd_exit=0)
    assert conclusion.outcome.exit_code == 3
    assert_sound_xunit(tmp_path, tests=5, not_run=1)


def test_a_complete_sound_report_is_kept_byte_for_byte(tmp_path):
    dredd_left(tmp_path, 5, closed=True)
    recorded(tmp_path, 5)
    before = (tmp_path / "dredd.xml").read_bytes()
    conclusion = conclude(tmp_path, CONTRACT, phases={}, endpoint="", dredd_exit=0)
    assert (conclusion.outcome.exit_code, conclusion.xunit_rewritten) == (0, None)
    assert (tmp_path / "dredd.xml").read_bytes() == before
    failed = conclude(tmp_path, CONTRACT, phases={}, endpoint="", dredd_exit=1)
    assert failed.outcome.exit_code == 1  # the contract failed: not an abort


def test_a_handler_abort_marks_the_rest_not_run_not_skipped(tmp_path, capsys):
    cause = "before('Users > Get') hook slow at hooks/users.py:9 hung on 'Users > Get' (over 4 s)"
    # Dredd ran to the end: the handler skipped the rest, so Dredd's file is sound.
    lines = [DREDD_HEADER.replace('tests="0"', 'tests="5"').replace('errors="0"', 'errors="1"')
             .replace('skip="0"', 'skip="2"')]  # fmt: skip
    lines += [f'<testcase name="{IDS[i]}" time="0.01"/>' for i in range(2)]
    lines += [f'<testcase name="{IDS[2]}" time="4"><failure>hung</failure></testcase>']
    lines += [f'<testcase name="{IDS[i]}" time="0"><skipped/></testcase>' for i in (3, 4)]
    (tmp_path / "dredd.xml").write_text("\n".join([*lines, "</testsuite>"]))
    not_run = {"status": "skipped", "not_run": cause}
    recorded(tmp_path, 5, **{NAMES[2]: {"status": "failed"}, NAMES[3]: not_run, NAMES[4]: not_run})
    (tmp_path / "abort.json").write_text(
        json.dumps({"cause": cause, "hook": "hooks/users.py:9 slow", "transaction": NAMES[2]})
    )
    conclusion = conclude(tmp_path, CONTRACT, phases={}, endpoint="", dredd_exit=1)
    assert conclusion.outcome.exit_code == 3
    assert_sound_xunit(tmp_path, tests=5, not_run=2)  # errors, not harmless-looking skips
    line = closing_line(conclusion, tmp_path, capsys)
    assert line.endswith(
        f"2 passed, 1 failed, 0 skipped, 2 not run of 5 transactions: aborted — {cause}"
    )


def test_a_stall_and_an_interrupt_have_their_own_exit_codes(tmp_path, capsys):
    dredd_left(tmp_path, 1)
    recorded(tmp_path, 1)
    stalled = conclude(
        tmp_path, CONTRACT, phases={}, endpoint="", dredd_exit=None,
        stop=Stop("stall", "no transaction progress for 60 s on …"),
    )  # fmt: skip
    assert stalled.outcome.exit_code == 3
    assert closing_line(stalled, tmp_path, capsys).endswith(
        "1 passed, 0 failed, 0 skipped, 4 not run of 5 transactions: aborted — "
        "no transaction progress for 60 s on …"
    )
    stopped = conclude(
        tmp_path, CONTRACT, phases={}, endpoint="", dredd_exit=None, interrupted="SIGINT"
    )
    assert stopped.outcome.exit_code == 130
    assert "4 not run of 5 transactions: interrupted — stopped by SIGINT" in closing_line(
        stopped, tmp_path, capsys
    )
    assert_sound_xunit(tmp_path, tests=5, not_run=4)
