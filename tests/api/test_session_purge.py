"""Expired session rows are the app's to purge: at any login, and as sessions are read.

A session that expired recently is kept (its cookie is still told ``session_expired``); one
that expired over SESSION_EXPIRED_RETENTION_SECONDS ago is purged, whoever it belongs to.
"""

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from eventapi.auth import sessions
from eventapi.extensions import db
from eventapi.models import LoginSession
from eventapi.timestamps import utcnow
from factories import LoginSessionFactory, UserFactory

from .support import browser_login


def long_expired(**kwargs) -> LoginSession:
    retention = current_app.config["SESSION_EXPIRED_RETENTION_SECONDS"]
    return LoginSessionFactory(expires_at=utcnow() - timedelta(seconds=retention + 60), **kwargs)


def remaining() -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(LoginSession.id)).all())


@pytest.fixture
def purge_due(monkeypatch):
    """As if this process had not purged for a while."""
    monkeypatch.setattr(sessions, "_next_purge_at", 0.0)


def test_any_login_purges_every_users_long_expired_sessions(client, purge_due):
    strangers = [long_expired().id, long_expired().id]  # users who never come back
    recent = LoginSessionFactory(expired=True).id  # expired a minute ago: kept for now
    live = LoginSessionFactory().id
    browser_login(client, UserFactory())
    assert not remaining() & set(strangers)
    assert {recent, live} <= remaining()


def test_reading_a_session_purges_them_at_most_once_per_interval(client, app, purge_due):
    user = UserFactory()
    browser_login(client, user)
    first = long_expired().id
    app.config["SESSION_PURGE_INTERVAL_SECONDS"] = 300
    try:
        sessions._next_purge_at = 0.0
        assert client.get("/auth/session").status_code == 200  # a read: purge is due
        assert first not in remaining()
        second = long_expired().id
        assert client.get("/auth/session").status_code == 200  # within the interval
        assert second in remaining()
    finally:
        app.config["SESSION_PURGE_INTERVAL_SECONDS"] = 5 * 60
