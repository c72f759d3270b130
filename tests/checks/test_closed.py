"""The check `closed`: a response key that neither the example nor the MSON's schema
declares fails; `extra_allowed(path, reason=…, only=…)` is the one opt-out, and keys named
like secrets fail whenever they are undocumented, under any opt-out."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import pytest

from flask_dredd import hooks, matchers
from flask_dredd.checks.closed import Closed
from flask_dredd.checks.finding import findings_of
from flask_dredd.checks.protocol import discover
from flask_dredd.declarations import extra_allowed, inexact, volatile

from .support import judged_by

NAME = "Users > User > Retrieve a User > Example 1"
DOCUMENTED = {"id": 1, "name": "Ada", "roles": [{"name": "admin"}]}
# Dredd's schema from MSON: `nickname` is an optional property the example leaves out.
SCHEMA = {"type": "object", "properties": {
    "id": {"type": "number"}, "name": {"type": "string"}, "nickname": {"type": "string"},
    "roles": {"type": "array", "items": {"type": "object", "properties": {
        "name": {"type": "string"}, "since": {"type": "string"}}}}}}  # fmt: skip


@pytest.fixture(autouse=True)
def own_registry(monkeypatch: pytest.MonkeyPatch) -> hooks.Registry:
    registry = hooks.Registry()
    monkeypatch.setattr(hooks, "registry", registry)
    monkeypatch.delenv("FLASK_DREDD_EXACT", raising=False)
    monkeypatch.delenv("FLASK_DREDD_SECRET_KEYS", raising=False)
    return registry


def answered(real: Any, name: str = NAME, schema: Any = None, **test: Any) -> dict[str, Any]:
    """A transaction as Dredd sends it on afterEach, Gavel having passed it."""
    expected = {"statusCode": "200", "headers": {"Content-Type": "application/json"},
                "body": json.dumps(DOCUMENTED, indent=2)}  # fmt: skip
    if schema is not None:
        expected["bodySchema"] = json.dumps(schema)
    return {
        "name": name,
        "expected": expected,
        "real": {"statusCode": 200, "headers": {"content-type": "application/json"},
                 "body": json.dumps(real)},
        "test": {"status": "pass", "valid": True, "message": "", **test},
    }  # fmt: skip


judged = partial(judged_by, Closed)


def test_it_is_registered_with_the_other_checks():
    assert Closed in discover()


def test_an_undocumented_key_fails_with_its_path_and_value():
    leaked = answered({**DOCUMENTED, "debug": True})
    assert judged(leaked) == ["$.debug: not documented, got true"]
    assert leaked["fail"] == "$.debug: not documented, got true"
    [finding] = findings_of(leaked)
    assert (finding.check, finding.kind, finding.where) == ("closed", "undocumented key", "$.debug")
    assert judged(answered(DOCUMENTED)) == []


def test_a_key_of_the_schema_is_declared_though_the_example_leaves_it_out():
    real = {**DOCUMENTED, "nickname": "A", "roles": [{"name": "admin", "since": "2020"}]}
    assert judged(answered(real, schema=SCHEMA)) == []
    assert judged(answered(real)) == ['$.roles[0].since: not documented, got "2020"',
                                      '$.nickname: not documented, got "A"']


def test_every_item_of_an_array_is_judged_past_the_examples_items():
    real = {**DOCUMENTED, "roles": [{"name": "admin"}, {"name": "editor", "scope": "all"}]}
    assert judged(answered(real)) == ['$.roles[1].scope: not documented, got "all"']


def test_an_undocumented_secret_fails_without_its_value_and_under_every_opt_out():
    real = {"id": 1, "name": "Ada", "roles": [{"name": "admin", "Client_Secret": "s"}],
            "password_hash": "pbkdf2:sha256$x", "extra": {"api_token": "t"}}  # fmt: skip
    extra_allowed("$.*", reason="the admin view adds fields the docs do not list")
    inexact(NAME, "$.roles", reason="free-form")
    leaked = answered(real)
    assert judged(leaked) == [
        "extra keys allowed at $.*: the admin view adds fields the docs do not list",
        "$.roles[0].Client_Secret: undocumented secret",
        "$.password_hash: undocumented secret",
        "$.extra.api_token: undocumented secret",
    ]
    # The note does not fail the transaction; the secrets do.
    assert leaked["fail"] == (
        "$.roles[0].Client_Secret: undocumented secret\n$.password_hash: undocumented secret"
        "\n$.extra.api_token: undocumented secret"
    )
    kinds = [(f.kind, f.severity) for f in findings_of(leaked)]
    assert kinds == [("opt-out", "note"), *[("undocumented secret", "fail")] * 3]
    assert "pbkdf2" not in json.dumps(leaked["findings"])


def test_a_documented_secret_passes_and_the_pattern_is_a_setting(monkeypatch):
    token = {**DOCUMENTED, "token": "abc"}
    schema = {**SCHEMA, "properties": {**SCHEMA["properties"], "token": {"type": "string"}}}
    assert judged(answered(token, schema=schema)) == []
    monkeypatch.setenv("FLASK_DREDD_SECRET_KEYS", "^pin$")
    extra_allowed("$.*", reason="fields of other clients")
    assert judged(answered({**DOCUMENTED, "token": "abc", "pin": 1234})) == [
        "extra keys allowed at $.*: fields of other clients", "$.pin: undocumented secret"]
    monkeypatch.setenv("FLASK_DREDD_SECRET_KEYS", "(")
    with pytest.raises(ValueError, match="FLASK_DREDD_SECRET_KEYS='\\(' is not a regular"):
        judged(answered(DOCUMENTED))


def test_extra_allowed_applies_to_its_paths_and_to_the_transactions_it_names():
    extra_allowed("$.roles[*]", reason="roles carry grant metadata", only=["Users > User >"])
    real = {**DOCUMENTED, "debug": 1, "roles": [{"name": "admin", "granted_by": 2}]}
    assert judged(answered(real)) == [
        "extra keys allowed at $.roles[*]: roles carry grant metadata",
        "$.debug: not documented, got 1",
    ]
    assert judged(answered(real, name="Events > Event > Retrieve an Event > Example 1")) == [
        "$.roles[0].granted_by: not documented, got 2", "$.debug: not documented, got 1"]


def test_extra_allowed_needs_a_reason_and_a_list_of_names():
    with pytest.raises(ValueError, match=r"extra_allowed\('\$.meta'\) needs a reason"):
        extra_allowed("$.meta")
    with pytest.raises(TypeError, match="only= is a list"):
        extra_allowed("$.meta", reason="x", only="Users >")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a path pattern"):
        extra_allowed("meta", reason="x")


def test_values_nobody_documents_and_other_verdicts_are_left_alone(monkeypatch):
    volatile("$.roles[*]", matchers.ANY)
    real = {**DOCUMENTED, "roles": [{"name": "admin", "since": 1}]}
    assert judged(answered(real)) == []
    inexact("Other > Example 1", reason="rendered by a third party")
    assert judged(answered({**DOCUMENTED, "debug": 1}, name="Other > Example 1")) == []
    # Failed by Gavel already (a fixed-type schema refuses the key too, without naming
    # it): still judged, the key named; a response of another status is not judged.
    refused = answered({**DOCUMENTED, "debug": 1}, valid=False, status="fail",
                       message="body: data should NOT have additional properties")
    assert judged(refused) == ["$.debug: not documented, got 1"]
    assert refused["test"]["message"] == (
        "body: data should NOT have additional properties\n$.debug: not documented, got 1")
    crashed = answered({"trace": "..."}, valid=False, status="fail")
    crashed["real"]["statusCode"] = 500
    assert judged(crashed) == []
    monkeypatch.setenv("FLASK_DREDD_EXACT", "0")
    assert judged(answered({**DOCUMENTED, "debug": 1})) == []
    monkeypatch.setenv("FLASK_DREDD_EXACT", "strict")  # retired: the same as 1
    assert judged(answered({**DOCUMENTED, "debug": 1})) == ["$.debug: not documented, got 1"]
