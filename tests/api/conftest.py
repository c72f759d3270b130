"""Fixtures for the API tests: an empty in-memory database per test, Flask-tutorial style.

One app and one schema serve the whole session (building them per test would make the
suite several times slower); before each test every table is emptied and the static rows
are seeded again, so ids start at 1. Each test runs inside an app context, so factories
and queries work directly in the test body; requests made with `client` get their own
context and session, like real ones.
"""

import contextvars
import sys
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient

# `factories` lives at the repository root and is not an installed package; pytest's
# `pythonpath = ["."]` setting would make this line unnecessary.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from eventapi import create_app
from eventapi.extensions import db
from eventapi.models import User
from eventapi.seed import seed_static_rows
from factories import UserFactory
from flask_dredd.factories import reset_sequences

from .support import bearer


class OwnContextClient(FlaskClient):
    """Each request runs in a context of its own, as under gunicorn: its own app context,
    `g` and database session, not the test's (Flask would otherwise reuse the app context
    the test holds, so `g` and the session's identity map would outlive a request)."""

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()  # the test's rows reload what the request wrote
        return response


@pytest.fixture(scope="session")
def shared_app():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app.test_client_class = OwnContextClient
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def app(shared_app):
    with shared_app.app_context():
        empty_every_table()
        seed_static_rows(db.session)
        reset_sequences()
        yield shared_app
        db.session.remove()


def empty_every_table() -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def user(app) -> User:
    """User 1, ``user1@example.com``: the caller of `auth_headers`."""
    return UserFactory()


@pytest.fixture
def auth_headers(user) -> dict[str, str]:
    return bearer(user)
