"""Fixtures for the API tests: a fresh in-memory database per test, Flask-tutorial style.

Each test runs inside an app context, so factories and queries work directly in the test
body; requests made with `client` get their own context and session, like real ones.
"""

import sys
from pathlib import Path

import pytest

# `factories` lives at the repository root and is not an installed package; pytest's
# `pythonpath = ["."]` setting would make this line unnecessary.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from eventapi import create_app
from eventapi.extensions import db
from eventapi.models import User
from eventapi.seed import seed_static_rows
from factories import UserFactory, reset_sequences

from .support import bearer


@pytest.fixture
def app():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        db.create_all()
        seed_static_rows(db.session)
        reset_sequences()
        yield app
        db.session.remove()
        db.drop_all()


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
