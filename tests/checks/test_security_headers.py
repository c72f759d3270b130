"""The check `security-headers`: a CORS grant or a cookie the example does not document
fails (a cookie by its name, never its value); `extra_allowed("header …", reason=…)` is the
opt-out; documented ones are `exact-headers`' to compare."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from flask_dredd import hooks
from flask_dredd.checks.finding import findings_of
from flask_dredd.checks.protocol import discover
from flask_dredd.checks.security_headers import SecurityHeaders
from flask_dredd.declarations import extra_allowed, inexact

from .support import judged_by

NAME = "Events > Event > Retrieve an Event > Example 1"


@pytest.fixture(autouse=True)
def own_registry(monkeypatch: pytest.MonkeyPatch) -> hooks.Registry:
    registry = hooks.Registry()
    monkeypatch.setattr(hooks, "registry", registry)
    monkeypatch.delenv("FLASK_DREDD_EXACT", raising=False)
    return registry


def answered(real: dict[str, str], documented: dict[str, str] | None = None,
             name: str = NAME, **test: Any) -> dict[str, Any]:  # fmt: skip
    """A transaction as Dredd sends it on afterEach, Gavel having passed it."""
    return {
        "name": name,
        "expected": {"statusCode": "200", "body": "{}",
                     "headers": {"Content-Type": "application/json", **(documented or {})}},
        "real": {"statusCode": 200, "body": "{}",
                 "headers": {"content-type": "application/json", **real}},
        "test": {"status": "pass", "valid": True, "message": "", **test},
    }  # fmt: skip


judged = partial(judged_by, SecurityHeaders)


def test_it_is_registered_with_the_other_checks():
    assert SecurityHeaders in discover()


def test_an_undocumented_allow_fails_too():
    assert judged(answered({"allow": "GET, DELETE"})) == [
        'header Allow: not documented, got "GET, DELETE"']
    assert judged(answered({"allow": "GET"}, {"Allow": "GET"})) == []


def test_an_undocumented_cors_grant_fails_and_other_headers_do_not():
    granted = answered({"access-control-allow-origin": "*", "x-request-id": "abc"})
    assert judged(granted) == ['header Access-Control-Allow-Origin: not documented, got "*"']
    assert granted["fail"] == 'header Access-Control-Allow-Origin: not documented, got "*"'
    [finding] = findings_of(granted)
    assert (finding.check, finding.kind, finding.where) == (
        "security-headers", "undocumented header", "header Access-Control-Allow-Origin")


def test_an_undocumented_cookie_fails_by_its_name_and_a_documented_one_is_left_alone():
    cookie = {"set-cookie": "session=s3cr3t; HttpOnly; Path=/"}
    leaked = answered(cookie)
    assert judged(leaked) == ["header Set-Cookie: not documented, got cookie session"]
    assert "s3cr3t" not in str(leaked["findings"])
    documented = answered(cookie, {"Set-Cookie": "session=abc; HttpOnly; Path=/"})
    assert judged(documented) == []
    cors = answered({"access-control-allow-origin": "*"}, {"Access-Control-Allow-Origin": "x"})
    assert judged(cors) == []  # a documented header's value is exact-headers' to compare


def test_extra_allowed_on_a_header_is_noted_with_its_reason():
    extra_allowed("header Access-Control-Allow-Origin", reason="the public read API is CORS-open",
                  only=["Events > Event > Retrieve"])  # fmt: skip
    allowed = answered({"access-control-allow-origin": "*"})
    assert judged(allowed) == [
        "undocumented header access-control-allow-origin allowed: the public read API is "
        "CORS-open"
    ]
    assert "fail" not in allowed
    other = answered({"access-control-allow-origin": "*"}, name="Users > User > Example 1")
    assert judged(other) == ['header Access-Control-Allow-Origin: not documented, got "*"']


def test_other_verdicts_inexact_and_exact_off_are_left_alone(monkeypatch):
    grant = {"access-control-allow-credentials": "true"}
    assert judged(answered(grant, valid=False, status="fail")) == [
        'header Access-Control-Allow-Credentials: not documented, got "true"']
    crashed = answered(grant, valid=False, status="fail")
    crashed["real"]["statusCode"] = 500
    assert judged(crashed) == []
    inexact(NAME, reason="served by a third party")
    assert judged(answered(grant)) == []
    assert judged(answered(grant, name="Other")) == [
        'header Access-Control-Allow-Credentials: not documented, got "true"']
    monkeypatch.setenv("FLASK_DREDD_EXACT", "0")
    assert judged(answered(grant, name="Other")) == []
