"""Signing a transaction's request in as a user, with the API's own tokens."""

from datetime import timedelta

from eventapi.auth.tokens import issue_token
from eventapi.models import User
from factories.users import UserFactory
from flask_dredd.transactions import Transaction, set_bearer


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
