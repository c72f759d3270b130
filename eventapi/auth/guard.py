"""`login_required`: the decorator that puts the caller in `g.current_user`.

Two kinds of clients: token clients send ``Authorization: Bearer <token>`` (from
``POST /auth/login``); browser clients send the session cookie (from ``POST
/auth/session``), and their unsafe requests a CSRF token too (`eventapi.auth.csrf`).
A request with an Authorization header is judged by its token alone.
"""

from functools import wraps

from flask import g, request, session

from eventapi.auth.sessions import SessionState
from eventapi.auth.tokens import user_from_token
from eventapi.errors import unauthorized
from eventapi.extensions import db
from eventapi.models import User

NOT_LOGGED_IN = (
    "Send 'Authorization: Bearer <token>' (POST /auth/login) "
    "or the session cookie (POST /auth/session)."
)


def authenticate() -> User:
    """The caller, or the 401 that says what was wrong with their credentials."""
    if "Authorization" in request.headers:
        scheme, _, token = request.headers["Authorization"].partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized("token_missing", NOT_LOGGED_IN)
        return user_from_token(token.strip())
    return user_from_session()


def user_from_session() -> User:
    state = getattr(session, "state", SessionState.NONE)
    if state is SessionState.EXPIRED:
        raise unauthorized("session_expired", "The session has expired; log in again.")
    if state is SessionState.INVALID:
        raise unauthorized("session_invalid", "The session cookie is not valid; log in again.")
    if state is SessionState.NONE:
        raise unauthorized("token_missing", NOT_LOGGED_IN)
    return db.session.get(User, session["user_id"])


def require_session() -> User:
    """For the session's own routes: a bearer token does not count, a cookie must."""
    if getattr(session, "state", SessionState.NONE) is SessionState.NONE:
        raise unauthorized("session_missing", "No session cookie: log in with POST /auth/session.")
    return user_from_session()


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.current_user = authenticate()
        return view(*args, **kwargs)

    return wrapper


def current_user() -> User:
    return g.current_user
