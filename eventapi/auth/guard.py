"""`token_required`: the decorator that puts the caller in `g.current_user`."""

from functools import wraps

from flask import g, request

from eventapi.auth.tokens import user_from_token
from eventapi.errors import unauthorized
from eventapi.models import User


def token_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized(
                "token_missing", "Send 'Authorization: Bearer <token>'; get one from /auth/login."
            )
        g.current_user = user_from_token(token.strip())
        return view(*args, **kwargs)

    return wrapper


def current_user() -> User:
    return g.current_user
