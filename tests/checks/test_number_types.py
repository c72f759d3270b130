"""The check `number-types`: a JSON integer is not a float of the same value (3600.0 is not
3600), wherever the example shows a number, except where it is declared volatile or
inexact."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import pytest

from flask_dredd import hooks, matchers
from flask_dredd.checks.finding import findings_of
from flask_dredd.checks.number_types import NumberTypes
from flask_dredd.checks.protocol import discover
from flask_dredd.declarations import inexact, volatile

from .support import judged_by

NAME = "Auth > Session > Open a Session > Example 1"
DOCUMENTED = {"expires_in": 3600, "ratio": 0.5, "items": [{"id": 1, "score": 2.0}]}


@pytest.fixture(autouse=True)
def own_registry(monkeypatch: pytest.MonkeyPatch) -> hooks.Registry:
    registry = hooks.Registry()
    monkeypatch.setattr(hooks, "registry", registry)
    monkeypatch.delenv("FLASK_DREDD_EXACT", raising=False)
    return registry


def answered(body: str, name: str = NAME, **test: Any) -> dict[str, Any]:
    """A transaction as Dredd sends it on afterEach, Gavel having passed it."""
    return {
        "name": name,
        "expected": {"statusCode": "201", "headers": {"Content-Type": "application/json"},
                     "body": json.dumps(DOCUMENTED, indent=2)},
        "real": {"statusCode": 201, "headers": {"content-type": "application/json"},
                 "body": body},
        "test": {"status": "pass", "valid": True, "message": "", **test},
    }  # fmt: skip


judged = partial(judged_by, NumberTypes)


def test_it_is_registered_with_the_other_checks():
    assert NumberTypes in discover()


def test_an_integer_that_became_a_float_fails_with_its_path():
    drifted = answered('{"expires_in": 3600.0, "ratio": 0.5, "items": [{"id": 1, "score": 2.0}]}')
    assert judged(drifted) == ["$.expires_in: documented 3600 (an integer), got 3600.0 (a float)"]
    assert drifted["fail"] == "$.expires_in: documented 3600 (an integer), got 3600.0 (a float)"
    [finding] = findings_of(drifted)
    assert (finding.check, finding.where, finding.expected, finding.actual) == (
        "number-types", "$.expires_in", "3600", "3600.0")  # fmt: skip


def test_a_float_that_lost_its_fraction_fails_too_and_equal_types_pass():
    lost = answered('{"expires_in": 3600, "ratio": 0.5, "items": [{"id": 1, "score": 2}]}')
    assert judged(lost) == ["$.items[0].score: documented 2.0 (a float), got 2 (an integer)"]
    same = answered(json.dumps(DOCUMENTED))
    assert judged(same) == [] and "fail" not in same
    # A different value is exact-body's to report; true is not 1 is exact-body's too.
    assert judged(answered('{"expires_in": 60.0, "ratio": true, "items": []}')) == []


def test_volatile_and_inexact_paths_and_other_verdicts_are_left_alone():
    drifted = '{"expires_in": 3600.0, "ratio": 0.5, "items": [{"id": 1.0, "score": 2.0}]}'
    volatile("$.items[*]", matchers.ANY)
    inexact(NAME, "$.expires_in", reason="counts down while the request runs")
    assert judged(answered(drifted)) == []
    inexact("Other > Example 1", reason="rendered by a third party")
    assert judged(answered(drifted, name="Other > Example 1")) == []
    # Failed by Gavel already, or not JSON: nothing to add.
    assert judged(answered(drifted, name="Third", valid=False, status="fail")) == []
    assert judged(answered("3600.0", name="Third")) == []


def test_exact_off_turns_it_off(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FLASK_DREDD_EXACT", "0")
    assert judged(answered('{"expires_in": 3600.0, "ratio": 0.5, "items": []}')) == []
