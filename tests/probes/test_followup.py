"""Follow-up probes (the check `follow-up`): the documented request is sent with the
trigger's credentials, and an answer that differs from its example fails the trigger
under a heading naming the probe."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from flask_dredd import hooks
from flask_dredd.checks.engine import Engine
from flask_dredd.checks.finding import findings_of
from flask_dredd.checks.followups import FollowUps
from flask_dredd.probes import followup
from flask_dredd.probes.followup import follow_up

#: The engine with this check alone: `arm` once per run, `judge` after each transaction.
ENGINE = Engine([FollowUps])

SHOW = "Auth > Session > Show the Session > Example 4"
LOGOUT = "Auth > Logout > Log Out > Example 1"
EXPIRED = {"error": {"code": "session_invalid"}}


class Server:
    """A stand-in API: answers 401 unless the cookie is in `live`; records what it got."""

    def __init__(self) -> None:
        self.live: set[str] = set()
        self.seen: list[dict[str, str]] = []

    def answer(self, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.seen.append(headers)
        if headers.get("Cookie") in self.live:
            return 200, {"user_id": 1}
        return 401, EXPIRED


@pytest.fixture(autouse=True)
def own_registry(monkeypatch: pytest.MonkeyPatch) -> hooks.Registry:
    registry = hooks.Registry()
    monkeypatch.setattr(hooks, "registry", registry)
    return registry


@pytest.fixture
def api() -> Iterator[tuple[Server, int]]:
    server = Server()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            status, body = server.answer(dict(self.headers.items()))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield server, httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def documented() -> list[dict[str, Any]]:
    return [
        {
            "name": SHOW,
            "request": {"method": "GET", "uri": "/auth/session",
                        "headers": {"Cookie": "session=<placeholder>"}, "body": ""},
            "expected": {"statusCode": "401", "headers": {"Content-Type": "application/json"},
                         "body": json.dumps(EXPIRED)},
        },
        {"name": LOGOUT, "request": {"method": "POST", "uri": "/auth/logout"}, "expected": {}},
    ]  # fmt: skip


def trigger(port: int) -> dict[str, Any]:
    return {
        "name": LOGOUT, "host": "127.0.0.1", "port": port, "protocol": "http:",
        "request": {"method": "POST", "uri": "/auth/logout",
                    "headers": {"Cookie": "session=old", "X-CSRFToken": "t"}},
        "real": {"statusCode": 204, "headers": {}, "body": ""},
        "test": {"valid": True, "status": "pass"},
    }  # fmt: skip


def test_the_old_cookie_refused_after_logout_passes(api: tuple[Server, int]) -> None:
    server, port = api
    follow_up(LOGOUT, SHOW)
    ENGINE.arm(documented())
    transaction = trigger(port)
    ENGINE.judge(transaction)
    assert "fail" not in transaction
    assert server.seen[-1]["Cookie"] == "session=old"  # the trigger's, not the placeholder


def test_a_logout_that_keeps_the_session_fails_the_trigger(api: tuple[Server, int]) -> None:
    server, port = api
    server.live.add("session=old")
    follow_up(LOGOUT, SHOW)
    ENGINE.arm(documented())
    transaction = trigger(port)
    ENGINE.judge(transaction)
    lines = transaction["fail"].splitlines()
    assert lines[0].startswith(
        f"follow-up {SHOW!r}, with this transaction's Cookie, Authorization ("
    )
    probe = followup.follow_ups()[0]
    assert probe.file == __file__
    assert lines[0].endswith(f"{probe.file}:{probe.line}): status: documented 401, got 200")
    assert "  $.error: documented" in transaction["fail"]
    assert transaction["test"] == {"valid": False, "status": "fail", "message": transaction["fail"]}


def test_without_carry_the_documented_request_goes_as_written(api: tuple[Server, int]) -> None:
    server, port = api
    follow_up(LOGOUT, SHOW, carry=())
    ENGINE.arm(documented())
    ENGINE.judge(trigger(port))
    assert server.seen[-1]["Cookie"] == "session=<placeholder>"


def test_a_follow_up_whose_answer_this_blueprint_lacks_is_noted_not_passed(
    api: tuple[Server, int],
) -> None:
    """A draft or partial blueprint: nothing to compare with, so the follow-up is not
    asked, and its record notes so (shown after the run; `check --strict` fails)."""
    follow_up(LOGOUT, "Auth > Session > Show the Sesion")
    ENGINE.arm(documented())
    transaction = trigger(api[1])
    ENGINE.judge(transaction)
    assert not transaction.get("fail")
    [note] = findings_of(transaction)
    assert (note.check, note.kind, note.fails) == ("follow-up", "vacuous", False)
    assert note.message.startswith("follow-up 'Auth > Session > Show the Sesion' not asked")


def test_misuse_is_refused() -> None:
    with pytest.raises(ValueError, match="asks the transaction that triggers it"):
        follow_up(LOGOUT, LOGOUT)
    with pytest.raises(TypeError, match=r"carry=\['Cookie'\]"):
        follow_up(LOGOUT, SHOW, carry="Cookie")


LOGIN = "Auth > Session > Open a Session > Example 1"
SHOW_LIVE = "Auth > Session > Show the Session > Example 1"


def login(port: int, set_cookie: list[str]) -> dict[str, Any]:
    return {
        "name": LOGIN, "host": "127.0.0.1", "port": port, "protocol": "http:",
        "request": {"method": "POST", "uri": "/auth/session",
                    "headers": {"Cookie": "csrf_token=login-token"}},
        "real": {"statusCode": 201, "headers": {"set-cookie": set_cookie}, "body": ""},
        "test": {"valid": True, "status": "pass"},
    }  # fmt: skip


def shown_live() -> dict[str, Any]:
    return {
        "name": SHOW_LIVE,
        "request": {"method": "GET", "uri": "/auth/session",
                    "headers": {"Cookie": "session=<session key>"}, "body": ""},
        "expected": {"statusCode": "200", "headers": {"Content-Type": "application/json"},
                     "body": json.dumps({"user_id": 1})},
    }  # fmt: skip


def test_a_new_logins_cookie_is_sent_back_and_must_name_the_session(
    api: tuple[Server, int],
) -> None:
    server, port = api
    server.live.add("session=new; csrf_token=fresh")
    follow_up(LOGIN, SHOW_LIVE, carry=(), cookies_set=True)
    ENGINE.arm([shown_live()])
    cookies = ["session=new; HttpOnly; Path=/", "csrf_token=fresh; Path=/"]
    transaction = login(port, cookies)
    ENGINE.judge(transaction)
    assert "fail" not in transaction
    assert server.seen[-1]["Cookie"] == "session=new; csrf_token=fresh"
    # A login whose cookie names no session (the row never kept) fails the login.
    server.live.clear()
    broken = login(port, cookies)
    ENGINE.judge(broken)
    assert ", with the cookies this transaction's answer set (" in broken["fail"]
    assert "status: documented 200, got 401" in broken["fail"]
    # An answer that set no cookie gave the browser nothing to come back with.
    nothing = login(port, [])
    ENGINE.judge(nothing)
    assert "the answer set no cookie to send back (no Set-Cookie header)" in nothing["fail"]


def test_set_cookies_reads_each_cookie_and_leaves_out_the_deleted() -> None:
    real = {"real": {"headers": {"Set-Cookie": "a=1; Path=/", "set-cookie": [
        "session=k; HttpOnly", "old=; Max-Age=0; Path=/"]}}}  # fmt: skip
    assert followup.set_cookies(real) == {"a": "1", "session": "k"}
