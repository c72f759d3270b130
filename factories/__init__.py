"""factory-boy factories for EventAPI's models, shared by the contract hooks and tests."""

from factories.auth import sign_in, sign_in_expired
from factories.base import BaseFactory, reset_sequences
from factories.events import EventFactory
from factories.users import DEFAULT_PASSWORD, UserFactory

__all__ = [
    "DEFAULT_PASSWORD",
    "BaseFactory",
    "EventFactory",
    "UserFactory",
    "reset_sequences",
    "sign_in",
    "sign_in_expired",
]
