"""The pipeline: checks found and run in their order, one fail path, findings kept in the
transaction's record and read back by the reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import pytest

from flask_dredd import hooks
from flask_dredd.authoring.derived_listing import vacuity_lines
from flask_dredd.checks import CHECKS, Check, Context, Finding, register
from flask_dredd.checks.engine import Engine, engine, install
from flask_dredd.checks.finding import findings_of, note, record_fields
from flask_dredd.checks.protocol import discover
from flask_dredd.recorder import Recorder
from flask_dredd.reporting.console import closing_lines
from flask_dredd.reporting.events import RunFinished
from flask_dredd.reporting.results import RunReport, build_rows, read_records, write_run_json

NAME = "Notes > Note > Update"


@pytest.fixture(autouse=True)
def own_registry(monkeypatch: pytest.MonkeyPatch) -> hooks.Registry:
    registry = hooks.Registry()
    monkeypatch.setattr(hooks, "registry", registry)
    return registry


def passed(**extra: Any) -> dict[str, Any]:
    """A transaction as Dredd sends it on afterEach, Gavel having passed it."""
    return {"name": NAME, "id": "PATCH (200) /notes/1", "expected": {"statusCode": "200"},
            "real": {"statusCode": 200, "headers": {}, "body": ""},
            "test": {"status": "pass", "valid": True, "message": ""}, **extra}  # fmt: skip


class Says(Check):
    """A check that reports what it is told to, and what it saw of the checks before it."""

    name, order = "says", 1
    found: ClassVar[list[Finding]] = []
    seen: ClassVar[list[list[str]]] = []

    def check(self, context: Context) -> list[Finding]:
        self.seen.append([f.check for f in context.found])
        return list(self.found)


class Later(Says):
    name, order = "later", 2
    found: ClassVar[list[Finding]] = []


def test_every_check_module_registers_itself_in_order():
    names = [check.name for check in discover()]
    built_in = ["exact-headers", "exact-body", "state", "follow-up", "vacuity"]
    assert [n for n in names if n in built_in] == built_in
    orders = [(c.order, c.name) for c in CHECKS]
    assert orders == sorted(orders)


def test_a_check_needs_a_name_and_one_of_its_own():
    class Nameless(Check):
        pass

    class Again(Check):
        name = "exact-body"

    with pytest.raises(TypeError, match="has no name"):
        register(Nameless)
    with pytest.raises(ValueError, match="two checks named 'exact-body'"):
        register(Again)


def test_checks_run_in_order_and_failing_findings_make_one_message():
    Says.found = [Finding("says", "difference", "$.title: documented \"a\", got \"b\"",
                          where="$.title", expected='"a"', actual='"b"')]  # fmt: skip
    Later.found = [
        Finding("later", "post-condition", "table notes, row id=1: expected gone",
                heading="state after the request:"),
        Finding("later", "post-condition", "table notes, row id=2: expected gone",
                heading="state after the request:"),
        note("later", "vacuous", "filter q removes nothing here"),
    ]  # fmt: skip
    Says.seen.clear()
    pipeline = Engine([Later, Says])  # the order is theirs, not the list's
    pipeline.arm([])
    transaction = passed()
    found = pipeline.judge(transaction)
    assert Says.seen == [[], ["says"]]  # each check sees what the ones before it found
    assert [f.check for f in found] == ["says", "later", "later", "later"]
    assert transaction["fail"] == (
        '$.title: documented "a", got "b"\n'
        "state after the request: table notes, row id=1: expected gone\n"
        "  table notes, row id=2: expected gone"
    )
    assert transaction["test"] == {"status": "fail", "valid": False,
                                   "message": transaction["fail"]}  # fmt: skip
    assert findings_of(transaction) == found


def test_what_failed_it_before_stays_first_and_notes_alone_fail_nothing():
    Says.found = [Finding("says", "difference", "$.a: documented 1, got 2")]
    Later.found = []
    pipeline = Engine([Says, Later])
    pipeline.arm([])
    by_hook = passed(fail="a hook failed it")
    by_hook["test"] = {"status": "fail", "valid": False, "message": "statusCode: 500"}
    pipeline.judge(by_hook)
    assert by_hook["fail"] == "a hook failed it\n$.a: documented 1, got 2"
    assert by_hook["test"]["message"] == f"statusCode: 500\n{by_hook['fail']}"
    Says.found = [note("says", "opt-out", "inexact: why")]
    noted = passed()
    pipeline.judge(noted)
    assert "fail" not in noted and noted["test"]["valid"] is True
    assert [f.kind for f in findings_of(noted)] == ["opt-out"]


class Watches(Check):
    name, order = "watches", 1
    before_request: ClassVar[list[str]] = []

    def watches(self, name: str) -> bool:
        return name == NAME

    def before(self, context: Context) -> None:
        self.before_request.append(context.name)

    def check(self, context: Context) -> list[Finding]:
        return []


def test_a_watching_check_sees_its_transaction_after_the_fixtures(own_registry):
    @hooks.before(NAME)
    def fixtures(transaction: Any) -> None:
        pass

    pipeline = Engine([Watches])
    pipeline.arm([passed(), {**passed(), "name": "Other"}])
    befores = own_registry.named("before", NAME)
    assert [h.func for h in befores] == [fixtures, pipeline.before_request]  # the last one
    assert own_registry.named("before", "Other") == []
    pipeline.before_request(passed())
    pipeline.before_request(passed(skip=True))  # a skipped one is not looked at
    assert Watches.before_request == [NAME]


def test_install_registers_the_engine_once_per_registry(own_registry):
    install()
    install()
    assert [h.kind for h in own_registry] == ["before_all", "after_each"]
    assert engine(own_registry).installed
    assert engine(hooks.Registry()) is not engine(own_registry)


def test_the_record_carries_the_findings_and_the_reports_read_them_back(tmp_path: Path):
    records = tmp_path / "transactions.jsonl"
    recorder = Recorder(records, lambda name: None, record_fields)
    recorder.open()
    transaction = passed()
    Says.found = [note("says", "opt-out", "inexact at $.score: ranking"),
                  note("says", "vacuous", "filter q removes nothing here")]  # fmt: skip
    pipeline = Engine([Says])
    pipeline.arm([])
    pipeline.judge(transaction)
    recorder.finish(transaction)
    recorder.finish(passed(name="Quiet"))
    recorder.close([])
    first, quiet = read_records(records)
    assert [f["kind"] for f in first["findings"]] == ["opt-out", "vacuous"]
    assert quiet["findings"] == []
    rows = build_rows(None, read_records(records))
    report = RunReport(rows, {}, 0, "")
    assert rows[0].notes == Says.found
    assert closing_lines(report)[1:] == [
        ("opt-out", f"{NAME}: inexact at $.score: ranking"),
        ("vacuous", f"{NAME}: filter q removes nothing here"),
    ]
    assert json.loads(records.read_text().splitlines()[0])["status"] == "passed"
    # run.json counts them by severity and kind.
    write_run_json(RunFinished(report, tmp_path, {"exit_code": 0}))
    run = json.loads((tmp_path / "run.json").read_text())
    assert run == {"exit_code": 0, "findings": {"note": {"opt-out": 1, "vacuous": 1}}}
    # `flask dredd check` lists the last run's vacuous notes (`--strict` fails on them).
    assert vacuity_lines(tmp_path) == [f"{NAME}: filter q removes nothing here"]


def test_a_finding_read_back_ignores_what_it_does_not_know():
    record = {**note("vacuity", "vacuous", "x").as_record(), "added_later": 1}
    assert Finding.from_record(record) == note("vacuity", "vacuous", "x")
    assert Finding.from_record({"kind": "x"}) is None
    assert Finding.from_record("torn") is None
