"""`flask dredd drift`: every drift of the catalogue is caught, by Dredd or by check."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from drift.catalogue import NARROW
from drift.policy import POLICY
from drift.state import STATE
from flask_dredd.authoring.drift import Drift, Verdict, most_telling, summary_line
from flask_dredd.reporting.events import TransactionResult

from .conftest import Project

BROAD_CAUGHT_BY = {
    "renamed field": "Dredd",
    "removed field": "Dredd",
    "changed type": "Dredd",
    "extra undocumented field": "Dredd",
    "changed status code": "Dredd",
    "changed header": "Dredd",
    "removed route": "Dredd and check",
    "new undocumented route": "check",
}
# Each narrow drift changes one value, header or rule: only exact comparison sees it.
# Each state or policy drift answers right and does wrong (issue #11): post-conditions,
# follow-ups and derived negatives catch it, all within Dredd's run.
CAUGHT_BY = BROAD_CAUGHT_BY | {name: "Dredd" for name, _ in [*NARROW, *STATE, *POLICY]}


@pytest.mark.e2e
@pytest.mark.longest
def test_every_drift_of_the_catalogue_is_caught(real: Project, tmp_path: Path, documented):
    result = real.flask_dredd(
        "drift", "--catalogue", "drift.catalogue", "--reports-dir", str(tmp_path), timeout=900
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^\[drift\] (.+?)\s{2,}(.*)$", result.stdout, re.MULTILINE)
    }
    assert lines.pop("control").startswith("passes"), result.stdout
    assert {name: text.split(":")[0] for name, text in lines.items()} == {
        name: f"caught by {by}" for name, by in CAUGHT_BY.items()
    }, result.stdout
    total = len(CAUGHT_BY)
    assert re.search(rf"^caught {total} of {total} drifts \(by Dredd {total - 1}, by check 2\) "
                     r"in \d+ s$", result.stdout, re.MULTILINE)  # fmt: skip
    # Each narrow drift says why with the value or header that differs, and where; none
    # changes a status (a drift that breaks its route into a 500 would not be narrow).
    for name, _ in NARROW:
        reason = lines[name].split("': ", 1)[1]
        assert re.match(
            r"(\$\S*: (documented |not documented, got |undocumented secret)|header \S+|headers: )",
            reason,
        ), (name, reason)
    # Each drift ran the whole contract (the documented transactions and those derived
    # from the policy), not a part of it.
    cases = {f: (f / "dredd.xml").read_text().count("<testcase") for f in tmp_path.iterdir()}
    assert set(cases.values()) == {cases[tmp_path / "control"]}, cases
    assert cases[tmp_path / "control"] > len(documented)


def verdict(name: str, exit_code: int = 0, failed: int = 0) -> Verdict:
    rows = [
        TransactionResult(f"T{i}", "GET (200) /", "failed", 0.1, detail="Message:\nbody: nope")
        for i in range(failed)
    ]
    return Verdict(Drift(name, "x:y()", ""), exit_code, failed=rows)


def test_a_drift_nothing_catches_is_missed():
    missed = verdict("harmless")
    assert missed.caught_by == []
    assert missed.describe() == "MISSED: the contract passes and the routes match"
    assert verdict("caught", 1, failed=2).describe() == (
        "caught by Dredd: 2 transaction(s) failed, e.g. 'T0': body: nope"
    )
    assert summary_line([missed, verdict("caught", 1, failed=1)], 12.3) == (
        "caught 1 of 2 drifts (by Dredd 1, by check 0) in 12 s"
    )


def test_a_run_that_fails_without_failing_a_transaction_is_no_catch():
    # Dredd crashing (or a server that never starts) proves nothing about the contract.
    broken = verdict("broken", exit_code=2)
    broken.output = "error: gunicorn exited"
    assert broken.caught_by == []
    assert broken.describe().startswith("RUN FAILED (exit 2):\nerror: gunicorn exited")


def test_a_drift_shows_its_most_telling_failure_not_dredds_first_line():
    gavel = (
        "Message:\nheaders: At '/location' Missing required property: location\n"
        "body: At '/id' Invalid type: string (expected number)\n"
        "statusCode: Expected status code '201', but got '200'.\n\nRequest:\nmethod: POST\n"
    )
    schema_only = "Message:\nbody: data/items/0 should NOT have additional properties\n"
    values = "Message:\n$.meta.total: documented 3, got 4\n$.items: documented 2 items, got 3\n"
    rows = [TransactionResult(f"T{i}", "GET (200) /", "failed", 0.1, detail=d)
            for i, d in enumerate([schema_only, values, gavel])]  # fmt: skip
    assert most_telling(rows) == (rows[2], "statusCode: Expected status code '201', but got '200'.")
    assert most_telling(rows[:2]) == (rows[1], "$.items: documented 2 items, got 3")
    order = "\n".join(["Message:", '$.items[0].title: documented "b", got "a"',
                       "$.items[0].id: documented 2, got 1"])  # fmt: skip
    assert most_telling([TransactionResult("T", "", "failed", 0.1, detail=order)])[1] == (
        "$.items[0].id: documented 2, got 1"
    )
    only = "body: data/items/0 should NOT have additional properties"
    assert most_telling(rows[:1]) == (rows[0], only)


def test_only_problems_the_unchanged_app_lacks_count_as_a_catch(monkeypatch, tmp_path):
    """A partial contract's known gaps (the control's own problems) are no evidence."""
    from flask_dredd.authoring import drift as module
    from flask_dredd.authoring.check import Problem

    known = Problem("undocumented-route", "the app serves GET /docs (endpoint 'docs')")
    new = Problem("undocumented-route", "the app serves GET /extra (endpoint 'extra')")
    problems = {"control": [known], "same gaps": [known], "new route": [known, new]}
    monkeypatch.setattr(module, "migrated_template", lambda *args: None)

    def start_run(drift, flask_app, root, reports, work, sessions, control=False):
        command = [sys.executable, "-c", ""]  # a run that ends at once
        return sessions.start(command, cwd=tmp_path, env=dict(os.environ), log=work / "log")

    monkeypatch.setattr(module, "start_run", start_run)
    monkeypatch.setattr(module, "run_verdict", lambda d, *args: Verdict(d, 0))
    monkeypatch.setattr(module, "check_routes", lambda d, *args: problems[d.name])
    control = Drift("control", "x:control()", "")
    drifts = [Drift("same gaps", "x:a()", ""), Drift("new route", "x:b()", "")]
    control_verdict, verdicts = module.run_catalogue(
        drifts, control, [], flask_app="x", root=tmp_path, reports=tmp_path, jobs=1,
        on_verdict=lambda verdict: None,
    )  # fmt: skip
    assert control_verdict.caught_by == []
    assert [v.caught_by for v in verdicts] == [[], ["check"]]
    assert verdicts[1].problems == [new]
