"""Signing a transaction's request in as a user: a token client or a browser client."""

import secrets
from datetime import timedelta

from flask import current_app

from eventapi.auth.login_csrf import PRESESSION_COOKIE, bound_token
from eventapi.auth.sessions import new_session_key
from eventapi.auth.tokens import issue_token
from eventapi.models import LoginSession, User
from factories.sessions import LoginSessionFactory
from factories.users import UserFactory
from flask_dredd.transactions import (
    Transaction,
    request_headers,
    set_bearer,
    set_body,
    set_cookie,
    set_header,
    sign_in_with_cookies,
)

#: What the blueprint shows where a browser's login CSRF token goes (GET /auth/csrf).
LOGIN_CSRF_PLACEHOLDER = "<login csrf token>"


def sign_in(transaction: Transaction, user: User | None = None) -> User:
    """Send the request with a valid token for `user` (a new user if none is given)."""
    user = user or UserFactory()
    set_bearer(transaction, issue_token(user))
    return user


def sign_in_expired(transaction: Transaction, user: User | None = None) -> User:
    """Send the request with a token for `user` that expired a minute ago."""
    user = user or UserFactory()
    set_bearer(transaction, issue_token(user, ttl=timedelta(minutes=-1)))
    return user


def sign_in_browser(
    transaction: Transaction,
    user: User | None = None,
    *,
    expired: bool = False,
    csrf: bool | str = True,
) -> LoginSession:
    """Send the request as `user`'s browser: a server-side session row, its cookie and its
    CSRF cookie, and the X-CSRFToken header its page script adds.

    `csrf`: True sends the session's own token, False none, a string that token instead
    (e.g. another session's). `expired=True` makes a session that ended a minute ago.
    """
    key = new_session_key()
    session = LoginSessionFactory(user=user or UserFactory(), key=key, expired=expired)
    config = current_app.config
    token = session.csrf_token if csrf is True else (csrf or None)
    sign_in_with_cookies(
        transaction,
        {config["SESSION_COOKIE_NAME"]: key, config["CSRF_COOKIE_NAME"]: session.csrf_token},
        csrf_token=token,
        csrf_header=config["CSRF_HEADER_NAME"],
    )
    return session


def with_login_csrf(transaction: Transaction) -> str:
    """Send the login as a browser that fetched GET /auth/csrf: a fresh pre-session in its
    cookie, the token bound to it in the csrf_token cookie, and the token wherever the
    blueprint echoes it (header or form field).

    Both live only in the browser (no row to create); the token is bound to the
    pre-session by the app's secret, which the hooks' app shares with the server.
    """
    presession = secrets.token_hex(32)  # what GET /auth/csrf hands out
    token = bound_token(presession)
    config = current_app.config
    set_cookie(transaction, PRESESSION_COOKIE, presession)
    set_cookie(transaction, config["CSRF_COOKIE_NAME"], token)
    header = config["CSRF_HEADER_NAME"]
    if any(name.lower() == header.lower() for name in request_headers(transaction)):
        set_header(transaction, header, token)
    body = transaction.get("request", {}).get("body") or ""
    if LOGIN_CSRF_PLACEHOLDER in body:
        set_body(transaction, body.replace(LOGIN_CSRF_PLACEHOLDER, token))
    return token
