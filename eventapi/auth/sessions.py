"""Server-side sessions for browser clients, kept in the database (`LoginSession`).

The cookie carries a random key; the table keeps only its SHA-256, the user, the CSRF
token and when the session expires. Nothing lives in one worker's memory, so every
gunicorn worker (or host) answers for every session.

`DatabaseSessionInterface` makes this Flask's ``session``: the session of a request is
one of four states (`SessionState`), and its ``csrf_token`` key is the row's CSRF token,
which is where Flask-SeaSurf reads and writes it. Only a live session is ever stored:
anonymous clients get no row and no cookie.

Needs only an app context (no request) to start a session, which lets test fixtures and
the contract hooks create sessions the way a login does.

Expired rows are the app's to purge: once expired for SESSION_EXPIRED_RETENTION_SECONDS,
every login purges them, whoever's they are, and so does reading a session, at most once
per SESSION_PURGE_INTERVAL_SECONDS in each process.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime, timedelta
from enum import Enum

from flask import Flask, Request, Response, current_app
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete, select
from werkzeug.datastructures import CallbackDict

from eventapi.extensions import db
from eventapi.models import LoginSession, User
from eventapi.timestamps import utcnow


class SessionState(Enum):
    NONE = "none"  # no session cookie
    LIVE = "live"  # a cookie naming an unexpired session
    EXPIRED = "expired"  # a cookie naming a session past its expiry
    INVALID = "invalid"  # a cookie naming no session: forged, or logged out


def new_session_key() -> str:
    return secrets.token_urlsafe(32)


def new_csrf_token() -> str:
    return secrets.token_hex()  # what Flask-SeaSurf generates


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def lifetime() -> timedelta:
    return timedelta(seconds=current_app.config["SESSION_LIFETIME_SECONDS"])


def start_session(user: User, *, key: str | None = None, expires_at: datetime | None = None):
    """A new session row for `user` (not committed) and the key its cookie carries."""
    key = key or new_session_key()
    row = LoginSession(
        key_hash=hash_key(key),
        user=user,
        csrf_token=new_csrf_token(),
        expires_at=expires_at or utcnow() + lifetime(),
    )
    db.session.add(row)
    return row, key


def purge_expired() -> None:
    """Forget every user's sessions that expired over SESSION_EXPIRED_RETENTION_SECONDS ago.

    In the caller's transaction. Until then an expired session's cookie is answered
    ``session_expired`` (log in again), not ``session_invalid``.
    """
    retention = timedelta(seconds=current_app.config["SESSION_EXPIRED_RETENTION_SECONDS"])
    db.session.execute(delete(LoginSession).where(LoginSession.expires_at <= utcnow() - retention))


# When this process may purge next on a session read (time.monotonic()).
_next_purge_at = 0.0


def purge_expired_now_and_then() -> None:
    """`purge_expired`, committed, at most once per SESSION_PURGE_INTERVAL_SECONDS per process.

    So the rows of users who never log in again do not pile up.
    """
    global _next_purge_at
    now = time.monotonic()
    if now < _next_purge_at:
        return
    _next_purge_at = now + current_app.config["SESSION_PURGE_INTERVAL_SECONDS"]
    purge_expired()
    db.session.commit()


class ServerSession(CallbackDict, SessionMixin):
    """Flask's ``session`` for one request: the login session's row, if any."""

    def __init__(self, state: SessionState, row: LoginSession | None = None) -> None:
        self.state = state
        self.row = row
        self.new_key: str | None = None  # set by `begin`: the response sets the cookie
        self.ended = False  # set by `end`: the response deletes the cookie
        initial = {}
        if row is not None:
            initial = {"user_id": row.user_id, _csrf_key(): row.csrf_token}
        super().__init__(initial, on_update=self._write_through)
        self.modified = False

    @property
    def live(self) -> bool:
        return self.state is SessionState.LIVE

    def begin(self, row: LoginSession, key: str) -> None:
        """Make a just-started session this request's: its cookie goes out on the response."""
        self.state, self.row, self.new_key, self.ended = SessionState.LIVE, row, key, False
        self.update(user_id=row.user_id, **{_csrf_key(): row.csrf_token})

    def end(self) -> None:
        """Delete the row (the caller commits); the response deletes the cookie."""
        if self.row is not None:
            db.session.delete(self.row)
        self.state, self.row, self.ended = SessionState.INVALID, None, True
        self.clear()

    def _write_through(self, _self) -> None:
        self.modified = True
        if self.row is not None and self.get(_csrf_key()):
            self.row.csrf_token = self[_csrf_key()]


def _csrf_key() -> str:
    return current_app.config["CSRF_COOKIE_NAME"]


class DatabaseSessionInterface(SessionInterface):
    def open_session(self, app: Flask, request: Request) -> ServerSession:
        key = request.cookies.get(self.get_cookie_name(app))
        if not key:
            return ServerSession(SessionState.NONE)
        purge_expired_now_and_then()
        row = db.session.scalar(select(LoginSession).filter_by(key_hash=hash_key(key)))
        if row is None:
            return ServerSession(SessionState.INVALID)
        if row.expires_at <= utcnow():
            return ServerSession(SessionState.EXPIRED)
        return ServerSession(SessionState.LIVE, row)

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        name = self.get_cookie_name(app)
        cookie = {
            "domain": self.get_cookie_domain(app),
            "path": self.get_cookie_path(app),
            "secure": self.get_cookie_secure(app),
            "httponly": self.get_cookie_httponly(app),
            "samesite": self.get_cookie_samesite(app),
        }
        if session.state is not SessionState.NONE:
            response.vary.add("Cookie")
        if session.ended:
            response.delete_cookie(name, **cookie)
        elif session.new_key is not None:
            # A browser-session cookie: the row's expires_at is the one lifetime.
            response.set_cookie(name, session.new_key, **cookie)
