"""Bearer tokens: HS256 JWTs signed with the app's ``SECRET_KEY``.

Needs only an app context with the API's config, no request and no routes, which is
what lets the contract hooks mint tokens from their bare app.
"""

from datetime import timedelta

import jwt
from flask import current_app

from eventapi.errors import unauthorized
from eventapi.extensions import db
from eventapi.models import User
from eventapi.timestamps import utcnow


def issue_token(user: User, ttl: timedelta | None = None) -> str:
    """A signed token for `user`; a negative `ttl` gives an already expired one."""
    if ttl is None:
        ttl = timedelta(seconds=current_app.config["JWT_TTL_SECONDS"])
    now = utcnow()
    claims = {"sub": str(user.id), "iat": now, "exp": now + ttl}
    return jwt.encode(
        claims, current_app.config["SECRET_KEY"], algorithm=current_app.config["JWT_ALGORITHM"]
    )


def user_from_token(token: str) -> User:
    """The user a valid token names, or a 401 that says why the token was refused."""
    try:
        claims = jwt.decode(
            token,
            current_app.config["SECRET_KEY"],
            algorithms=[current_app.config["JWT_ALGORITHM"]],
            options={"require": ["sub", "exp"]},
        )
    except jwt.ExpiredSignatureError:
        raise unauthorized("token_expired", "The token has expired; log in again.") from None
    except jwt.InvalidTokenError:
        raise unauthorized("token_invalid", "The token is not valid.") from None
    user = db.session.get(User, int(claims["sub"])) if claims["sub"].isdigit() else None
    if user is None:
        raise unauthorized("token_invalid", "The token's user no longer exists.")
    return user
