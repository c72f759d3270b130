"""Bad input on every route: each gets its documented 4xx JSON error, never a 500, and a
refused request leaves every table exactly as it was (no partial write).

Most cases run over the app's own route map, so a new route is covered the day it lands.
"""

import re
import sqlite3
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import Engine, select

from eventapi import create_app
from eventapi.auth.tokens import issue_token
from eventapi.extensions import db
from eventapi.models import User
from eventapi.seed import seed_static_rows
from factories import (
    LoginSessionFactory,
    SpeakerFactory,
    TalkFactory,
    TrackFactory,
    UserFactory,
)
from flask_dredd.factories import reset_sequences

from .conftest import empty_every_table
from .support import bearer, error_of, invalid_fields

ROUTES = sorted(
    (method, rule.rule)
    for rule in create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).url_map.iter_rules()
    for method in rule.methods - {"HEAD", "OPTIONS"}
)
UNSAFE = [(method, rule) for method, rule in ROUTES if method != "GET"]
WITH_IDS = [(method, rule) for method, rule in ROUTES if "<id:" in rule]
# Routes that read a JSON body, with a body they would accept.
JSON_ROUTES = {
    ("POST", "/users"): {"email": "new@example.com", "name": "New", "password": "long-enough"},
    ("PATCH", "/users/1"): {"name": "Renamed"},
    ("POST", "/auth/login"): {"email": "user1@example.com", "password": "correct-horse-battery"},
    ("POST", "/events"): {
        "title": "New",
        "starts_at": "2025-07-01T10:00:00Z",
        "ends_at": "2025-07-01T11:00:00Z",
    },
    ("PATCH", "/events/1"): {"title": "Renamed"},
    ("POST", "/events/1/tracks"): {"name": "New"},
    ("PATCH", "/tracks/1"): {"name": "Renamed"},
    ("POST", "/events/1/talks"): {
        "title": "New",
        "starts_at": "2025-06-01T18:00:00Z",
        "ends_at": "2025-06-01T18:10:00Z",
    },
    ("PATCH", "/talks/1"): {"title": "Renamed"},
    ("POST", "/speakers"): {"name": "New"},
    ("PATCH", "/speakers/1"): {"bio": "New"},
}
REQUIRED = {  # what an empty object lacks, per creating route
    ("POST", "/users"): {"email", "name", "password"},
    ("POST", "/auth/login"): {"email", "password"},
    ("POST", "/events"): {"title", "starts_at", "ends_at"},
    ("POST", "/events/1/tracks"): {"name"},
    ("POST", "/events/1/talks"): {"title", "starts_at", "ends_at"},
    ("POST", "/speakers"): {"name"},
}
SQL = "'; DROP TABLE events; --"


def concrete(rule: str, value: str = "1") -> str:
    return re.sub(r"<[^>]+>", value, rule)


@pytest.fixture(scope="module")
def world_image(shared_app):
    """User 1 owns event 1 with track 1 and talk 1 (given by speaker 1, theirs too): made
    once, kept as a copy of the whole in-memory database."""
    with shared_app.app_context():
        empty_every_table()
        seed_static_rows(db.session)
        reset_sequences()
        user = UserFactory()
        talk = TalkFactory(
            track=TrackFactory(event__owner=user), speakers=[SpeakerFactory(owner=user)]
        )
        assert talk.id == talk.event_id == talk.track_id == 1
        db.session.remove()
        image = sqlite3.connect(":memory:")
        copy_database(source=db.engine, target=image)
    yield image
    image.close()


@pytest.fixture
def world(app, world_image) -> User:
    """The world of `world_image`, copied back into the app's database for this test."""
    db.session.remove()
    copy_database(source=world_image, target=db.engine)
    return db.session.get(User, 1)


def copy_database(source, target) -> None:
    """SQLite's backup API, between an engine's (single, in-memory) connection and another."""
    engine = source if isinstance(source, Engine) else target
    pooled = engine.raw_connection()
    try:
        own = pooled.driver_connection
        if source is engine:
            own.backup(target)
        else:
            source.backup(own)
    finally:
        pooled.close()


def snapshot() -> dict[str, list]:
    """Every row of every table."""
    db.session.expire_all()
    return {
        table.name: sorted(map(tuple, db.session.execute(select(table)).all()), key=repr)
        for table in db.metadata.sorted_tables
    }


def send(client, method, path, **kwargs):
    return client.open(path, method=method, **kwargs)


def test_every_route_is_covered_here():
    assert {route for route in JSON_ROUTES} <= {(m, concrete(r)) for m, r in ROUTES}
    assert len(ROUTES) >= 30


@pytest.mark.parametrize(("method", "rule"), ROUTES)
def test_unknown_query_parameters_are_400_on_every_route(client, user, method, rule):
    before = snapshot()
    response = send(client, method, concrete(rule) + "?bogus=1", headers=bearer(user))
    error = error_of(response, 400, "unknown_parameter")
    assert error["message"].startswith("Unknown query parameter: bogus.")
    assert snapshot() == before


@pytest.mark.parametrize("value", ["abc", "2147483648"])  # 0 and -1: test_errors
@pytest.mark.parametrize(("method", "rule"), WITH_IDS)
def test_ids_that_are_not_ids_are_404(client, user, method, rule, value):
    before = snapshot()
    response = send(client, method, concrete(rule, value), headers=bearer(user), json={})
    error_of(response, 404, "not_found")
    assert snapshot() == before


@pytest.mark.parametrize(("method", "rule"), WITH_IDS)
def test_ids_that_do_not_exist_are_404(client, user, method, rule):
    before = snapshot()
    path = concrete(rule, "999")
    body = JSON_ROUTES.get((method, concrete(rule)), {})
    response = send(client, method, path, headers=bearer(user), json=body)
    error_of(response, 404, "not_found")
    assert snapshot() == before


@pytest.mark.parametrize(("method", "path"), list(JSON_ROUTES))
@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        ('{"title": ', "application/json", 400, "malformed_json"),
        ("[1, 2]", "application/json", 400, "malformed_json"),
        ("", "application/json", 400, "malformed_json"),
        ("\xff\xfe", "application/json", 400, "malformed_json"),
        ('{"title": "x"}', "text/plain", 415, "unsupported_media_type"),
        ("title=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        ('{"title": "x"}', None, 415, "unsupported_media_type"),
    ],
    ids=["truncated", "array", "empty", "not utf-8", "text", "form", "no content type"],
)
def test_bodies_that_are_not_json_objects_are_refused(
    client, world, method, path, data, content_type, status, code
):
    before = snapshot()
    response = send(
        client, method, path, data=data, content_type=content_type, headers=bearer(world)
    )
    error_of(response, status, code)
    assert snapshot() == before


@pytest.mark.parametrize(("method", "path"), list(JSON_ROUTES))
def test_unknown_fields_are_422_and_nothing_is_written(client, world, method, path):
    before = snapshot()
    body = {**JSON_ROUTES[method, path], "id": 42, "owner_id": 2}
    response = send(client, method, path, json=body, headers=bearer(world))
    assert invalid_fields(response) == {"id": ["Unknown field."], "owner_id": ["Unknown field."]}
    assert snapshot() == before


@pytest.mark.parametrize(("method", "path"), list(REQUIRED))
def test_missing_fields_are_422_naming_each(client, world, method, path):
    before = snapshot()
    response = send(client, method, path, json={}, headers=bearer(world))
    assert set(invalid_fields(response)) == REQUIRED[method, path]
    assert snapshot() == before


@pytest.mark.parametrize(("method", "path"), list(JSON_ROUTES))
def test_a_valid_field_beside_a_bad_one_is_not_written(client, world, method, path):
    """PATCH checks every field before it writes any: no partial update."""
    before = snapshot()
    body = {**JSON_ROUTES[method, path], "starts_at": "next Tuesday", "email": 7}
    response = send(client, method, path, json=body, headers=bearer(world))
    assert response.status_code == 422, response.get_json()
    assert snapshot() == before


@pytest.mark.parametrize(("method", "path"), [*JSON_ROUTES, ("POST", "/auth/session")])
def test_oversized_bodies_are_413_json(client, world, method, path):
    before = snapshot()
    body = {**JSON_ROUTES.get((method, path), {}), "description": "x" * 70_000}
    response = send(client, method, path, json=body, headers=bearer(world))
    error = error_of(response, 413, "payload_too_large")
    assert "65536 bytes" in error["message"]
    assert snapshot() == before


def test_an_oversized_form_is_413(client, world):
    response = client.post("/auth/session", data={"email": "a@b.co", "password": "x" * 70_000})
    error_of(response, 413, "payload_too_large")


@pytest.mark.parametrize(
    "path",
    [
        "/events?q=",
        "/users?q=",
        "/speakers?q=",
        "/events/1/tracks?q=",
        "/events/1/talks?q=",
        "/talks/1/speakers?q=",
    ],
)
def test_sql_looking_filters_match_nothing_and_break_nothing(client, world, path):
    before = snapshot()
    response = client.get(path + SQL.replace(" ", "%20").replace(";", "%3B"), headers=bearer(world))
    assert response.status_code == 200
    assert response.get_json()["items"] == []
    assert snapshot() == before


def test_sql_looking_text_is_stored_as_text(client, world):
    response = client.post(
        "/speakers", json={"name": SQL, "bio": 'x" OR 1=1 --'}, headers=bearer(world)
    )
    assert response.status_code == 201
    assert client.get(f"/speakers/{response.get_json()['id']}").get_json()["name"] == SQL
    assert client.get("/events").get_json()["meta"]["total"] == 1  # the table is still there


def test_a_sql_looking_id_filter_is_422(client):
    response = client.get("/events?owner_id=1%20OR%201=1")
    assert invalid_fields(response) == {"owner_id": ["Must be a whole number."]}


def test_a_repeated_parameter_is_422(client):
    assert invalid_fields(client.get("/events?page=1&page=2")) == {"page": ["Give it once."]}


def forged_credentials(user):
    other_key = jwt.encode({"sub": str(user.id), "exp": 4102444800}, "x" * 40, algorithm="HS256")
    unsigned = jwt.encode({"sub": str(user.id), "exp": 4102444800}, None, algorithm="none")
    expired_session = LoginSessionFactory(user=user, key="expired-key", expired=True)
    assert expired_session.id
    return {
        "expired token": (
            {"Authorization": f"Bearer {issue_token(user, timedelta(seconds=-1))}"},
            None,
            "token_expired",
        ),  # noqa: E501
        "token signed with another key": (
            {"Authorization": f"Bearer {other_key}"},
            None,
            "token_invalid",
        ),  # noqa: E501
        "unsigned token": ({"Authorization": f"Bearer {unsigned}"}, None, "token_invalid"),
        "not a token": ({"Authorization": "Bearer ' OR 1=1 --"}, None, "token_invalid"),
        "forged cookie": ({}, "forged-key", "session_invalid"),
        "expired cookie": ({}, "expired-key", "session_expired"),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "expired token",
        "token signed with another key",
        "unsigned token",
        "not a token",
        "forged cookie",
        "expired cookie",
    ],
)
# One unsafe route of each blueprint that needs a login.
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/users/1"),
        ("POST", "/events"),
        ("PATCH", "/tracks/1"),
        ("POST", "/events/1/talks"),
        ("PATCH", "/speakers/1"),
    ],
)
def test_expired_or_forged_credentials_are_401_and_write_nothing(client, world, method, path, kind):
    headers, cookie, code = forged_credentials(world)[kind]
    if cookie:
        client.set_cookie("session", cookie)
    before = snapshot()
    response = send(client, method, path, json=JSON_ROUTES[method, path], headers=headers)
    error_of(response, 401, code)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert snapshot() == before
