"""flask_dredd.transactions: editing a Dredd transaction's request headers."""

from flask_dredd.transactions import (
    remove_header,
    set_bearer,
    set_body,
    set_cookie,
    set_header,
    sign_in_with_cookies,
)


def transaction(**headers):
    return {"name": "Group > Resource > Action", "request": {"headers": dict(headers)}}


def test_set_bearer_replaces_the_placeholder_whatever_its_spelling():
    tx = transaction(authorization="Bearer <token>", Accept="application/json")
    set_bearer(tx, "abc.def.ghi")
    assert tx["request"]["headers"] == {
        "Accept": "application/json",
        "Authorization": "Bearer abc.def.ghi",
    }


def test_set_header_adds_headers_to_a_request_without_any():
    tx = {"request": {"method": "GET", "uri": "/events"}}
    set_header(tx, "X-Request-Id", "42")
    assert tx["request"]["headers"] == {"X-Request-Id": "42"}


def test_remove_header_drops_every_spelling():
    tx = transaction(**{"Content-Type": "text/plain", "content-type": "x"})
    remove_header(tx, "CONTENT-TYPE")
    assert tx["request"]["headers"] == {}


def test_set_cookie_keeps_other_cookies_and_replaces_its_own():
    tx = transaction(Cookie="theme=dark; session=old")
    set_cookie(tx, "session", "new")
    assert tx["request"]["headers"] == {"Cookie": "theme=dark; session=new"}


def test_sign_in_with_cookies_sends_cookies_and_the_csrf_header_not_a_bearer():
    tx = transaction(Authorization="Bearer <token>", Cookie="session=<key>; theme=dark")
    sign_in_with_cookies(tx, {"session": "k", "csrf_token": "t"}, csrf_token="t")
    assert tx["request"]["headers"] == {
        "Cookie": "theme=dark; session=k; csrf_token=t",
        "X-CSRFToken": "t",
    }


def test_sign_in_with_cookies_without_a_token_drops_the_blueprints_header():
    tx = transaction(**{"x-csrftoken": "<csrf token>"})
    sign_in_with_cookies(tx, {"session": "k"}, csrf_token=None)
    assert tx["request"]["headers"] == {"Cookie": "session=k"}


def test_set_body_replaces_the_body_and_drops_a_stale_content_length():
    tx = transaction(**{"Content-Length": "12"})
    tx["request"]["body"] = '{"a": 1}'
    set_body(tx, "x" * 100)
    assert tx["request"]["body"] == "x" * 100
    assert tx["request"]["headers"] == {}
