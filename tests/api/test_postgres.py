"""The same API on PostgreSQL: time zones, filters and bad input that SQLite forgives."""

import os

import psycopg2
import pytest
from sqlalchemy.engine import make_url

from eventapi import create_app
from eventapi.config import with_postgres_driver
from eventapi.extensions import db
from eventapi.seed import seed_static_rows
from factories import EventFactory, UserFactory
from flask_dredd.factories import reset_sequences

from .support import bearer, error_of, invalid_fields

URL = with_postgres_driver(
    os.environ.get(
        "EVENTAPI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/eventapi_api_test"
    )
)

pytestmark = pytest.mark.postgres


def ensure_database(url: str) -> None:
    parsed = make_url(url)
    server = dict(dbname="postgres", user=parsed.username, host=parsed.host, port=parsed.port,
                  password=parsed.password, connect_timeout=3)  # fmt: skip
    try:
        connection = psycopg2.connect(**{k: v for k, v in server.items() if v is not None})
    except psycopg2.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable: {exc}".splitlines()[0])
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,))
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{parsed.database}"')
    connection.close()


@pytest.fixture(scope="module")
def pg_app():
    ensure_database(URL)
    app = create_app({"SQLALCHEMY_DATABASE_URI": URL})
    with app.app_context():
        db.drop_all()
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()


@pytest.fixture
def client(pg_app):
    with pg_app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        seed_static_rows(db.session)
        reset_sequences()
        yield pg_app.test_client()
        db.session.remove()


def test_offsets_are_stored_and_answered_in_utc(client):
    user = UserFactory()
    body = {
        "title": "Talk",
        "starts_at": "2025-06-01T20:00:00+02:00",
        "ends_at": "2025-06-01T19:00Z",
    }
    response = client.post("/events", json=body, headers=bearer(user))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["starts_at"] == "2025-06-01T18:00:00+00:00"


def test_filters_on_postgres(client):
    ada = UserFactory()
    EventFactory(owner=ada, title="100% Talks")
    EventFactory(owner=ada, title="1000 talks")
    EventFactory(title="100% Talks elsewhere")
    query = f"/events?owner_id={ada.id}&q=100%25&starts_after=2025-01-01T00:00:00%2B02:00"
    body = client.get(query).get_json()
    assert [event["title"] for event in body["items"]] == ["100% Talks"]


def test_a_taken_email_is_409_on_postgres(client):
    UserFactory(email="ada@example.com")
    body = {"email": "ada@example.com", "name": "Ada", "password": "correct-horse"}
    error_of(client.post("/users", json=body), 409, "email_taken")


@pytest.mark.parametrize(
    "path",
    ["/events/99999999999", "/users/2147483648"],
)
def test_huge_ids_are_404_not_500(client, path):
    user = UserFactory()
    error_of(client.get(path, headers=bearer(user)), 404, "not_found")


def test_huge_filter_values_are_422_not_500(client):
    response = client.get("/events?owner_id=99999999999&page=99999999999")
    assert set(invalid_fields(response)) == {"owner_id", "page"}
