"""Login CSRF: a browser's login must echo the csrf_token cookie that GET /auth/csrf sets.

Without it a hostile page could post its own credentials and log the victim's browser
into the attacker's account. A refused login opens no session and sets no cookie.
"""

import pytest
from sqlalchemy import select

from eventapi.extensions import db
from eventapi.models import LoginSession
from factories import DEFAULT_PASSWORD, UserFactory

from .support import (
    browser_login,
    cookie_attributes,
    csrf,
    error_of,
    login_csrf,
    row_counts,
    set_cookies,
)


@pytest.fixture
def ada(app):
    return UserFactory(email="ada@example.com")


ADA = {"email": "ada@example.com", "password": DEFAULT_PASSWORD}


def test_the_login_token_comes_in_a_script_readable_lax_cookie_and_the_body(client):
    response = client.get("/auth/csrf")
    assert response.status_code == 200
    token = response.get_json()["csrf_token"]
    assert len(token) >= 32
    cookies = set_cookies(response)
    assert set(cookies) == {"csrf_token", "login_presession"}  # no session: none logged in yet
    assert cookies["csrf_token"].startswith(f"csrf_token={token};")
    assert cookie_attributes(cookies["csrf_token"]) >= {"path=/", "samesite=lax"}
    assert "httponly" not in cookie_attributes(cookies["csrf_token"])
    # The pre-session the token is bound to: the server's alone, no script reads it.
    assert cookie_attributes(cookies["login_presession"]) >= {"path=/", "samesite=lax", "httponly"}
    assert row_counts()["login_sessions"] == 0
    assert client.get("/auth/csrf").get_json()["csrf_token"] != token  # a fresh one each time


def no_cookie_no_token(client) -> dict[str, str]:
    return {}


def the_cookie_only(client) -> dict[str, str]:
    login_csrf(client)  # what a forged cross-site post carries: the browser's cookie
    return {}


def a_token_but_no_cookie(client) -> dict[str, str]:
    return csrf("f" * 64)


def a_token_that_is_not_the_cookies(client) -> dict[str, str]:
    login_csrf(client)
    return csrf("f" * 64)


def a_short_token_equal_to_its_cookie(client) -> dict[str, str]:
    client.set_cookie("csrf_token", "abc")
    return csrf("abc")


def a_cookie_planted_by_a_sibling_domain(client) -> dict[str, str]:
    # A page on another subdomain sets a csrf_token cookie of its choosing for the parent
    # domain and echoes it: an unsigned double submit took it.
    login_csrf(client)  # the victim's browser has a pre-session of its own
    client.set_cookie("csrf_token", "a" * 64)
    return csrf("a" * 64)


def a_real_token_of_the_attackers_own_browser(client) -> dict[str, str]:
    # A token the server did hand out, but to the attacker's browser, planted in the
    # victim's: bound to the attacker's pre-session, not to the victim's.
    attacker = client.application.test_client()
    token = attacker.get("/auth/csrf").get_json()["csrf_token"]
    login_csrf(client)
    client.set_cookie("csrf_token", token)
    return csrf(token)


def a_pre_session_without_its_token(client) -> dict[str, str]:
    client.set_cookie("login_presession", "b" * 64)  # planted too, with no token bound to it
    client.set_cookie("csrf_token", "a" * 64)
    return csrf("a" * 64)


@pytest.mark.parametrize("body", ["json", "form"])
@pytest.mark.parametrize(
    "sent",
    [
        no_cookie_no_token,
        the_cookie_only,
        a_token_but_no_cookie,
        a_token_that_is_not_the_cookies,
        a_short_token_equal_to_its_cookie,
        a_cookie_planted_by_a_sibling_domain,
        a_real_token_of_the_attackers_own_browser,
        a_pre_session_without_its_token,
    ],
)
def test_a_login_that_does_not_echo_its_cookie_is_403_and_logs_nobody_in(client, ada, body, sent):
    headers = sent(client)
    payload = {"json": ADA} if body == "json" else {"data": ADA}

    response = client.post("/auth/session", headers=headers, **payload)

    error = error_of(response, 403, "csrf_failed")
    assert "GET /auth/csrf" in error["message"]
    assert "session=" not in response.headers.get("Set-Cookie", "")
    assert db.session.scalars(select(LoginSession)).all() == []


def test_a_form_may_echo_the_token_in_a_field(client, ada):
    token = client.get("/auth/csrf").get_json()["csrf_token"]
    response = client.post("/auth/session", data={**ADA, "csrf_token": token})
    assert response.status_code == 201  # the field is not taken for an unknown credential
    assert client.get_cookie("session") is not None


def test_after_login_the_cookie_holds_the_sessions_own_token(client, ada):
    token = browser_login(client, ada)
    assert client.get_cookie("csrf_token").value == token
    # A page that asks again while logged in gets that token, not one that breaks the session.
    assert client.get("/auth/csrf").get_json()["csrf_token"] == token
    assert client.post("/auth/ping", headers=csrf(token)).status_code == 200
