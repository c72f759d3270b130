"""Login CSRF: a browser's login must prove it came from our page, before any session exists.

SeaSurf's token belongs to a session, so it cannot protect the login that creates one.
Unprotected, a hostile page could post *its* credentials to ``POST /auth/session`` and
log the victim's browser into the attacker's account (login CSRF); SameSite=Lax alone
does not stop a top-level form post.

Double submit, bound to a pre-session: ``GET /auth/csrf`` puts a random pre-session id in
the ``login_presession`` cookie (HttpOnly: no script reads it) and the token, an HMAC of
that id under the app's secret, in the ``csrf_token`` cookie and the body; the login must
echo the ``csrf_token`` cookie's value in the ``X-CSRFToken`` header or a ``csrf_token``
form field, and that value must be the one bound to the browser's pre-session. Another
site can make the browser send the cookies, but can neither read them nor set the
header. An unsigned double submit fell to a sibling domain that plants a ``csrf_token``
cookie of its choosing (cookies are shared across subdomains) and echoes it: a planted
token is now refused, being bound to no pre-session of this browser. A browser already
logged in holds its session's token in that same cookie (SeaSurf's), which a new login
echoes the same way, checked against the live session's. Token (bearer) logins at
``POST /auth/login`` set no cookie and need none of this.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import Response, current_app, request, session

from eventapi.errors import ApiError

#: What a login token must at least be long: tokens are 64 hex digits, ``token_hex(32)``,
#: the same shape as a session's SeaSurf token, so a client tells neither apart.
MIN_TOKEN_LENGTH = 32
FORM_FIELD = "csrf_token"
#: The HttpOnly cookie naming the browser's pre-session, which its login token is bound to.
PRESESSION_COOKIE = "login_presession"


def bound_token(presession: str) -> str:
    """The login token of pre-session ``presession``: 64 hex digits no one else can make."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"login-csrf:" + presession.encode(), hashlib.sha256).hexdigest()


def login_token() -> tuple[str, str | None]:
    """The token a login form must echo, and the new pre-session it is bound to (None when
    the token is the live session's)."""
    if getattr(session, "live", False):
        return session.row.csrf_token, None
    presession = secrets.token_hex(32)
    return bound_token(presession), presession


def set_presession_cookie(response: Response, presession: str) -> None:
    config = current_app.config
    response.set_cookie(
        PRESESSION_COOKIE,
        presession,
        secure=config["CSRF_COOKIE_SECURE"],
        httponly=True,  # only the server needs it
        samesite=config["CSRF_COOKIE_SAMESITE"],
    )


def _bound_to_this_browser(token: str) -> bool:
    """The token is the live session's, or the one bound to the browser's pre-session."""
    if getattr(session, "live", False) and hmac.compare_digest(
        token.encode(), session.row.csrf_token.encode()
    ):
        return True
    presession = request.cookies.get(PRESESSION_COOKIE, "")
    return len(presession) >= MIN_TOKEN_LENGTH and hmac.compare_digest(
        token.encode(), bound_token(presession).encode()
    )


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
    echoed = len(cookie) >= MIN_TOKEN_LENGTH and hmac.compare_digest(
        cookie.encode(), submitted.encode()
    )
    if not echoed or not _bound_to_this_browser(cookie):
        raise ApiError(
            403,
            "csrf_failed",
            f"Send the csrf_token cookie's value in the {config['CSRF_HEADER_NAME']} header "
            f"or a {FORM_FIELD} form field; GET /auth/csrf sets the cookie.",
        )
