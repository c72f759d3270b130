"""One Dredd transaction: which are compared, opt-outs, the failure message, the checks
`exact-headers` and `exact-body` in the engine."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from flask_dredd import hooks
from flask_dredd.authoring.project import Project
from flask_dredd.checks.engine import install, message
from flask_dredd.checks.finding import difference, findings_of
from flask_dredd.exact.transaction import comparable, differences, mode, rules_for

NAME = "Events > Events > List Events"
TOKEN = "3q2-7wXQ8iM0m1sF6b3k9yZr4cJ5nV0aL2pD8eT6uHc"
HOOKS = f"""\
from flask_dredd import matchers
from flask_dredd.declarations import inexact, volatile, volatile_header

volatile("$..created_at", matchers.DATETIME_UTC)
volatile_header("Set-Cookie", matchers.token(43), cookie="session")
inexact("Other > Whole > Thing", reason="rendered by a third party")
inexact({NAME!r}, "$.items[*].score", reason="ranking is not deterministic")
"""


def transaction(body: object, **real_headers: object) -> dict:
    """A transaction as Dredd sends it on afterEach, Gavel having passed it."""
    documented = {
        "items": [{"id": 1, "score": 0.5, "created_at": "2026-01-01T09:00:00+00:00"}],
        "meta": {"total": 1},
    }
    return {
        "name": NAME,
        "expected": {
            "statusCode": "200",
            "headers": {
                "Content-Type": "application/json",
                "Set-Cookie": f"session={TOKEN}; Path=/",
            },
            "body": json.dumps(documented, indent=2),
        },
        "real": {
            "statusCode": 200,
            "headers": {"content-type": "application/json",
                        "set-cookie": ["session=" + "A" * 43 + "; Path=/"], **real_headers},
            "body": json.dumps(body),
        },
        "test": {"status": "pass", "valid": True, "message": ""},
        "skip": False,
    }  # fmt: skip


SAME = {
    "items": [{"id": 1, "score": 0.9, "created_at": "2031-07-01T10:11:12.5+00:00"}],
    "meta": {"total": 1},
}
DRIFTED = {
    "items": [{"id": 2, "score": 0.9, "created_at": "2031-07-01"}, {"id": 1, "score": 1}],
    "meta": {"total": 2},
}


@pytest.fixture
def registry(tmp_path: Path) -> hooks.Registry:
    (tmp_path / "hooks").mkdir()
    (tmp_path / "hooks" / "exactness.py").write_text(HOOKS)
    return Project(tmp_path, tmp_path / "x.apib", ("hooks/*.py",)).load_hooks()


def test_declarations_become_the_rules_and_differences_are_path_level(registry):
    rules = rules_for(NAME, registry)
    assert differences(transaction(SAME), rules) == []
    assert differences(transaction(DRIFTED, location="/x"), rules) == [
        "$.items: documented 1 item, got 2",
        "$.items[0].id: documented 1, got 2",
        '$.items[0].created_at: documented a DATETIME_UTC, got "2031-07-01"',
        "$.meta.total: documented 1, got 2",
    ]  # score is inexact; an undocumented header is no one's business


def test_a_transaction_declared_inexact_is_left_to_gavel(registry):
    rules = rules_for("Other > Whole > Thing", registry)
    assert rules.inexact_reason == "rendered by a third party"
    assert rules.opted_out == "inexact: rendered by a third party"
    partly = rules_for(NAME, registry)
    assert partly.opted_out == "inexact at $.items[*].score: ranking is not deterministic"
    assert rules_for("Not > Declared", registry).opted_out is None
    assert differences(transaction(DRIFTED), rules) == []
    # Without an inexact declaration, every value but the volatile ones is compared.
    assert differences(transaction(SAME), rules_for("Not > Declared", registry)) == [
        "$.items[0].score: documented 0.5, got 0.9",
    ]


def test_header_differences_come_first_as_dredd_lists_them(registry):
    drifted = transaction(SAME, **{"set-cookie": ["session=short; Path=/; HttpOnly"]})
    assert differences(drifted, rules_for(NAME, registry)) == [
        "header Set-Cookie session: documented no HttpOnly, got HttpOnly",
        "header Set-Cookie session: documented a token(43) value, got short",
    ]


def test_only_transactions_dredd_would_pass_are_compared():
    assert comparable(transaction(SAME))
    for change in (
        {"skip": True},
        {"fail": "a hook failed it"},
        {"test": {"status": "fail", "valid": False}},
        {"test": {"status": "skip"}},
        {"real": None},
    ):
        assert not comparable({**transaction(SAME), **change}), change


def test_the_message_lists_the_first_differences_and_counts_the_rest():
    lines = [f"$.items[{i}].id: documented {i}, got {i + 1}" for i in range(15)]
    found = [difference("exact-body", line) for line in lines]
    text = message(found, cap=12)
    assert text.splitlines()[:2] == lines[:2]
    assert text.splitlines()[-1] == "… and 3 more differences"
    assert len(text.splitlines()) == 13
    assert message(found[:13], cap=12).endswith("… and 1 more difference")
    assert message(found[:2]) == "\n".join(lines[:2])


def armed(registry: hooks.Registry):
    """The engine's after_each hook, once its before_all armed the checks."""
    install()
    install()  # once per registry, however often the hook file is loaded
    [arm] = [h for h in registry if h.kind == "before_all"]
    arm.func([])
    [judge] = [h for h in registry if h.kind == "after_each"]
    return judge.func


def test_the_hook_fails_a_passing_transaction_and_leaves_the_others(monkeypatch, registry):
    monkeypatch.setattr(hooks, "registry", registry)
    monkeypatch.delenv("FLASK_DREDD_EXACT", raising=False)
    compare = armed(registry)

    drifted = transaction(DRIFTED)
    compare(drifted)
    assert drifted["fail"].splitlines()[0] == "$.items: documented 1 item, got 2"
    assert drifted["test"] == {"status": "fail", "valid": False, "message": drifted["fail"]}
    first = findings_of(drifted)[1]  # after the opt-out's note
    assert (first.check, first.where, first.expected, first.actual) == (
        "exact-body", "$.items", "1 item", "2")  # fmt: skip

    passing = transaction(SAME)
    compare(passing)
    assert "fail" not in passing and passing["test"]["valid"] is True
    # Compared under an opt-out: a note that does not fail it, with the reason.
    [opted_out] = findings_of(passing)
    assert (opted_out.kind, opted_out.fails) == ("opt-out", False)
    assert opted_out.message == "inexact at $.items[*].score: ranking is not deterministic"

    failed_by_gavel = {**transaction(DRIFTED), "test": {"status": "fail", "valid": False}}
    before = copy.deepcopy(failed_by_gavel)
    compare(failed_by_gavel)
    assert [f.kind for f in findings_of(failed_by_gavel)] == ["opt-out"]
    del failed_by_gavel["findings"]
    assert failed_by_gavel == before


def test_exact_off_compares_nothing_and_bad_modes_are_named(monkeypatch, registry):
    monkeypatch.setattr(hooks, "registry", registry)
    monkeypatch.setenv("FLASK_DREDD_EXACT", "0")
    drifted = transaction(DRIFTED)
    armed(registry)(drifted)
    assert "fail" not in drifted and "findings" not in drifted
    assert mode({"FLASK_DREDD_EXACT": "strict"}) == "on"  # retired: closed is the default
    assert mode({}) == "on"
    with pytest.raises(ValueError, match=r"FLASK_DREDD_EXACT='yes' is not a mode .*use 1 "):
        mode({"FLASK_DREDD_EXACT": "yes"})


def test_undocumented_keys_are_refused_by_default_and_strict_is_the_same(monkeypatch, registry):
    monkeypatch.setattr(hooks, "registry", registry)
    for setting in ("1", "strict"):
        monkeypatch.setenv("FLASK_DREDD_EXACT", setting)
        extra = transaction({**SAME, "debug": True})
        armed(registry)(extra)
        assert extra["fail"] == "$.debug: not documented, got true"
