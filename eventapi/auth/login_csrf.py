"""Login CSRF: a browser's login must prove it came from our page, before any session exists.

SeaSurf's token belongs to a session, so it cannot protect the login that creates one.
Unprotected, a hostile page could post *its* credentials to ``POST /auth/session`` and
log the victim's browser into the attacker's account (login CSRF); SameSite=Lax alone
does not stop a top-level form post.

Double submit: ``GET /auth/csrf`` puts a random token in the ``csrf_token`` cookie (and
the body), and the login must echo that cookie's value in the ``X-CSRFToken`` header or a
``csrf_token`` form field. Another site can make the browser send the cookie, but can
neither read it nor set the header. A browser already logged in holds its session's
token in that same cookie (SeaSurf's), which a new login echoes the same way. Token
(bearer) logins at ``POST /auth/login`` set no cookie and need none of this.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Response, current_app, request, session

from eventapi.errors import ApiError

#: What a login token must at least be long: tokens are 64 hex digits, ``token_hex(32)``,
#: the same shape as a session's SeaSurf token, so a client tells neither apart.
MIN_TOKEN_LENGTH = 32
FORM_FIELD = "csrf_token"


def login_token() -> str:
    """The token a login form must echo: the live session's, else a fresh random one."""
    if getattr(session, "live", False):
        return session.row.csrf_token
    return secrets.token_hex(32)


def set_login_token_cookie(response: Response, token: str) -> None:
    config = current_app.config
    response.set_cookie(
        config["CSRF_COOKIE_NAME"],
        token,
        secure=config["CSRF_COOKIE_SECURE"],
        httponly=config["CSRF_COOKIE_HTTPONLY"],  # False: the page's script reads it
        samesite=config["CSRF_COOKIE_SAMESITE"],
    )


def check_login_csrf(form: dict) -> None:
    """Refuse a browser login that does not echo its ``csrf_token`` cookie (403 csrf_failed).

    Removes the token's form field from ``form``, so the credentials' own validation
    never sees it.
    """
    config = current_app.config
    submitted = form.pop(FORM_FIELD, None)
    if not isinstance(submitted, str) or not submitted:
        submitted = request.headers.get(config["CSRF_HEADER_NAME"], "")
    cookie = request.cookies.get(config["CSRF_COOKIE_NAME"], "")
    if len(cookie) < MIN_TOKEN_LENGTH or not hmac.compare_digest(
        cookie.encode(), submitted.encode()
    ):
        raise ApiError(
            403,
            "csrf_failed",
            f"Send the csrf_token cookie's value in the {config['CSRF_HEADER_NAME']} header "
            f"or a {FORM_FIELD} form field; GET /auth/csrf sets the cookie.",
        )
