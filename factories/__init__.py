"""factory-boy factories for EventAPI's models, shared by the contract hooks and tests."""

from factories.auth import sign_in, sign_in_browser, sign_in_expired, with_login_csrf
from factories.base import BaseFactory, reset_sequences
from factories.events import EventFactory
from factories.programme import SpeakerFactory, TalkFactory, TrackFactory
from factories.sessions import LoginSessionFactory
from factories.users import DEFAULT_PASSWORD, UserFactory

__all__ = [
    "DEFAULT_PASSWORD",
    "BaseFactory",
    "EventFactory",
    "LoginSessionFactory",
    "SpeakerFactory",
    "TalkFactory",
    "TrackFactory",
    "UserFactory",
    "reset_sequences",
    "sign_in",
    "sign_in_browser",
    "sign_in_expired",
    "with_login_csrf",
]
