"""CSRF: cookie clients prove each unsafe request with the session's token; token clients
need none; a refused request writes nothing."""

import pytest

from factories import EventFactory, LoginSessionFactory, UserFactory

from .support import bearer, browser_login, csrf, error_of, row_counts

NEW_EVENT = {
    "title": "Lightning Talks",
    "starts_at": "2025-06-01T18:00:00Z",
    "ends_at": "2025-06-01T20:00:00Z",
}


def test_a_cookie_client_creates_with_the_token(client, user):
    token = browser_login(client, user)
    response = client.post("/events", json=NEW_EVENT, headers=csrf(token))
    assert response.status_code == 201
    assert response.get_json()["owner_id"] == user.id


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/events", NEW_EVENT),
        ("patch", "/events/1", {"title": "Forged"}),
        ("delete", "/events/1", None),
        ("delete", "/events/1?permanent=true", None),
        ("post", "/events/1/tracks", {"name": "Forged"}),
        ("post", "/speakers", {"name": "Forged"}),
        ("patch", "/users/1", {"name": "Forged"}),
        ("post", "/auth/ping", None),
        ("post", "/auth/logout", None),
    ],
)
@pytest.mark.parametrize("sent", ["no token", "another session's token", "an empty token"])
def test_a_cookie_client_without_its_token_is_403_and_writes_nothing(
    client, user, method, path, body, sent
):
    EventFactory(owner=user)
    browser_login(client, user)
    headers = {
        "no token": {},
        "another session's token": csrf(LoginSessionFactory().csrf_token),
        "an empty token": csrf(""),
    }[sent]
    before = row_counts()

    response = getattr(client, method)(path, json=body, headers=headers)

    error_of(response, 403, "csrf_failed")
    assert row_counts() == before


def test_the_token_in_a_form_field_is_accepted(client, user):
    token = browser_login(client, user)
    response = client.post("/auth/ping", data={"csrf_token": token})
    assert response.status_code == 200


def test_safe_methods_need_no_token(client, user):
    browser_login(client, user)
    assert client.get("/users").status_code == 200
    assert client.get("/auth/session").status_code == 200


def test_token_clients_need_no_csrf_token(client, user):
    response = client.post("/events", json=NEW_EVENT, headers=bearer(user))
    assert response.status_code == 201


def test_a_bearer_token_wins_over_a_cookie_without_csrf(client, user):
    other = UserFactory()
    browser_login(client, other)  # the browser is logged in as someone else
    response = client.post("/events", json=NEW_EVENT, headers=bearer(user))
    assert response.status_code == 201
    assert response.get_json()["owner_id"] == user.id


def test_anonymous_unsafe_requests_need_no_token(client):
    body = {"email": "ada@example.com", "name": "Ada", "password": "correct-horse"}
    assert client.post("/users", json=body).status_code == 201


def test_an_expired_session_is_401_not_403(client, user):
    LoginSessionFactory(user=user, key="old", expired=True)
    client.set_cookie("session", "old")
    before = row_counts()
    error_of(client.post("/events", json=NEW_EVENT), 401, "session_expired")
    assert row_counts() == before


def test_a_forged_session_with_a_token_is_401(client, user):
    client.set_cookie("session", "forged")
    response = client.post("/events", json=NEW_EVENT, headers=csrf("0" * 64))
    error_of(response, 401, "session_invalid")


def test_the_csrf_cookie_is_sent_only_to_live_sessions(client, user):
    assert client.get("/events").headers.getlist("Set-Cookie") == []
    client.set_cookie("session", "forged")
    assert client.get("/events").headers.getlist("Set-Cookie") == []
