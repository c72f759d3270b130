"""CSRF protection with Flask-SeaSurf, for cookie sessions only.

A browser sends cookies on its own, so a request riding on a session cookie must also
prove it came from our page: its unsafe requests (POST, PUT, PATCH, DELETE) carry the
session's CSRF token in the ``X-CSRFToken`` header. A bearer token is never sent by a
browser on its own, so token-authenticated requests are exempt; so are requests without
a live session (they are anonymous, or get a 401 from the guard), since there is nothing
to forge.

SeaSurf runs in "include" mode with no included views: it never checks by itself. We call
its `validate()` here, so that a failure is our JSON 403 ``csrf_failed``, and SeaSurf sends
the CSRF cookie only to live sessions.
"""

from flask import Flask, current_app, request, session
from werkzeug.exceptions import Forbidden

from eventapi.errors import ApiError
from eventapi.extensions import csrf

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def has_bearer() -> bool:
    return "Authorization" in request.headers


def uses_session() -> bool:
    """This request is authenticated by a live session cookie, not a bearer token."""
    return not has_bearer() and getattr(session, "live", False)


def check_csrf() -> None:
    if request.method not in UNSAFE_METHODS or not uses_session():
        return
    try:
        csrf.validate()
    except Forbidden:
        header = current_app.config["CSRF_HEADER_NAME"]
        raise ApiError(
            403,
            "csrf_failed",
            f"Send this session's CSRF token in the {header} header; GET /auth/session tells it.",
        ) from None


def init_csrf(app: Flask) -> None:
    csrf.init_app(app)
    csrf.disable_cookie(lambda response: not getattr(session, "live", False))
    app.before_request(check_csrf)
