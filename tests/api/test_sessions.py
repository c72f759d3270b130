"""Browser clients: server-side sessions in the database, their cookies and lifetime."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from eventapi import create_app
from eventapi.auth.sessions import hash_key
from eventapi.extensions import db
from eventapi.models import LoginSession
from eventapi.timestamps import utcnow
from factories import DEFAULT_PASSWORD, LoginSessionFactory, UserFactory

from .support import (
    browser_login,
    cookie_attributes,
    csrf,
    error_of,
    invalid_fields,
    login_csrf,
    row_counts,
    set_cookies,
)

ADA = {"email": "ada@example.com", "password": DEFAULT_PASSWORD}


@pytest.fixture
def ada(app):
    return UserFactory(email="ada@example.com")


def test_json_login_opens_a_session_stored_as_a_hash(client, ada):
    response = client.post("/auth/session", json=ADA, headers=login_csrf(client))

    assert response.status_code == 201
    body = response.get_json()
    key = client.get_cookie("session").value
    row = db.session.scalar(select(LoginSession))
    assert row.key_hash == hash_key(key) != key  # the table never holds a usable key
    assert body["user_id"] == ada.id
    assert body["csrf_token"] == row.csrf_token == client.get_cookie("csrf_token").value
    assert 1790 <= body["expires_in"] <= 1800


def test_form_login_works_like_json(client, ada):
    response = client.post("/auth/session", data=ADA, headers=login_csrf(client))
    assert response.status_code == 201
    assert client.get_cookie("session") is not None


def test_wrong_password_opens_nothing_and_sets_no_cookie(client, ada):
    response = client.post(
        "/auth/session",
        data={**ADA, "password": "nope-nope-nope"},
        headers=login_csrf(client),
    )
    error_of(response, 401, "invalid_credentials")
    assert response.headers.getlist("Set-Cookie") == []
    assert row_counts()["login_sessions"] == 0


def test_login_body_must_be_json_or_a_form(client, ada):
    response = client.post("/auth/session", data="ada", content_type="text/plain")
    error_of(response, 415, "unsupported_media_type")


def test_login_validates_the_form_fields(client):
    response = client.post(
        "/auth/session", data={"email": "ada", "remember": "yes"}, headers=login_csrf(client)
    )
    assert invalid_fields(response) == {
        "email": ["Not a valid email address."],
        "password": ["Missing data for required field."],
        "remember": ["Unknown field."],
    }


def test_session_cookie_is_httponly_and_lax_and_the_csrf_cookie_is_lax(client, ada):
    cookies = set_cookies(client.post("/auth/session", json=ADA, headers=login_csrf(client)))

    session = cookie_attributes(cookies["session"])
    assert {"httponly", "samesite=lax", "path=/"} <= session
    assert "secure" not in session  # plain HTTP outside production
    token = cookie_attributes(cookies["csrf_token"])
    assert {"samesite=lax", "path=/"} <= token
    assert "httponly" not in token  # the page's script reads it to send X-CSRFToken


def test_production_cookies_are_secure(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-of-some-length")
    app = create_app("production")
    with app.app_context():
        db.create_all()
        from eventapi.seed import seed_static_rows

        seed_static_rows(db.session)
        UserFactory(email="ada@example.com")
        client = app.test_client()
        https = "https://api.example.com"
        login_token = client.get("/auth/csrf", base_url=https)
        assert {"secure", "samesite=lax"} <= cookie_attributes(
            set_cookies(login_token)["csrf_token"]
        )
        token = login_token.get_json()["csrf_token"]
        response = client.post("/auth/session", json=ADA, headers=csrf(token), base_url=https)
        db.session.remove()
    cookies = set_cookies(response)
    for name in ("session", "csrf_token"):
        assert {"secure", "samesite=lax"} <= cookie_attributes(cookies[name]), name
    assert "httponly" in cookie_attributes(cookies["session"])


def test_get_session_tells_expiry_and_token(client, ada):
    token = browser_login(client, ada)
    body = client.get("/auth/session").get_json()
    assert body["csrf_token"] == token
    assert body["user_id"] == ada.id
    assert body["expires_at"].endswith("+00:00")


def test_ping_extends_the_session(client, ada):
    token = browser_login(client, ada)
    row = db.session.scalar(select(LoginSession))
    row.expires_at = utcnow() + timedelta(minutes=1)
    db.session.commit()

    response = client.post("/auth/ping", headers=csrf(token))

    assert response.status_code == 200
    assert response.get_json()["expires_in"] >= 1790
    assert db.session.get(LoginSession, row.id).expires_at > utcnow() + timedelta(minutes=29)


def test_logout_deletes_the_row_and_both_cookies(client, ada):
    token = browser_login(client, ada)

    response = client.post("/auth/logout", headers=csrf(token))

    assert response.status_code == 204
    cookies = set_cookies(response)
    assert "max-age=0" in cookie_attributes(cookies["session"])
    assert "max-age=0" in cookie_attributes(cookies["csrf_token"])
    assert row_counts()["login_sessions"] == 0
    error_of(client.get("/auth/session"), 401, "session_missing")


def test_a_logged_out_cookie_replayed_is_invalid(client, ada):
    token = browser_login(client, ada)
    key = client.get_cookie("session").value
    client.post("/auth/logout", headers=csrf(token))
    client.set_cookie("session", key)
    error_of(client.get("/auth/session"), 401, "session_invalid")


def test_logging_in_again_replaces_the_session(client, ada):
    token = browser_login(client, ada)
    response = client.post("/auth/session", json=ADA, headers=csrf(token))
    assert response.status_code == 201
    assert response.get_json()["csrf_token"] != token
    assert row_counts()["login_sessions"] == 1


def test_an_expired_session_is_401_session_expired(client, ada):
    LoginSessionFactory(user=ada, key="old-key", expired=True)
    client.set_cookie("session", "old-key")
    for response in (client.get("/auth/session"), client.get("/users")):
        error_of(response, 401, "session_expired")
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_session_ends_exactly_at_its_expiry(client, ada):
    row = LoginSessionFactory(user=ada, key="k")
    client.set_cookie("session", "k")
    assert client.get("/auth/session").status_code == 200
    row.expires_at = utcnow() - timedelta(microseconds=1)
    db.session.commit()
    error_of(client.get("/auth/session"), 401, "session_expired")


def test_a_forged_cookie_is_401_session_invalid(client, ada):
    LoginSessionFactory(user=ada)
    client.set_cookie("session", "made-up")
    error_of(client.get("/users"), 401, "session_invalid")


def test_the_session_routes_need_a_cookie_not_a_token(client, auth_headers):
    error_of(client.get("/auth/session", headers=auth_headers), 401, "session_missing")
    error_of(client.post("/auth/ping", headers=auth_headers), 401, "session_missing")


def test_a_session_works_on_every_worker(tmp_path, ada):
    """Two apps on one database stand for two gunicorn workers: a session opened on one
    is valid on the other, and its logout is seen by both."""
    url = f"sqlite:///{tmp_path / 'shared_test.db'}"
    first, second = (create_app({"SQLALCHEMY_DATABASE_URI": url}) for _ in range(2))
    with first.app_context():
        db.create_all()
        from eventapi.seed import seed_static_rows

        seed_static_rows(db.session)
        UserFactory(email="ada@example.com")
        db.session.remove()
    browser_a, browser_b = first.test_client(), second.test_client()
    token = browser_login(browser_a, ada)
    browser_b.set_cookie("session", browser_a.get_cookie("session").value)

    assert browser_b.get("/auth/session").get_json()["csrf_token"] == token
    assert browser_b.post("/auth/logout", headers=csrf(token)).status_code == 204
    error_of(browser_a.get("/auth/session"), 401, "session_invalid")
