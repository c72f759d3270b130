"""factory-boy factories for EventAPI's models, shared by the contract hooks and tests.

They build on the engine's `flask_dredd.factories.BaseFactory` (commit persistence,
sequences from 1, restarted after every reset).
"""

from factories.auth import sign_in, sign_in_browser, sign_in_expired, with_login_csrf
from factories.events import EventFactory
from factories.programme import SpeakerFactory, TalkFactory, TrackFactory
from factories.sessions import LoginSessionFactory
from factories.users import DEFAULT_PASSWORD, UserFactory

__all__ = [
    "DEFAULT_PASSWORD",
    "EventFactory",
    "LoginSessionFactory",
    "SpeakerFactory",
    "TalkFactory",
    "TrackFactory",
    "UserFactory",
    "sign_in",
    "sign_in_browser",
    "sign_in_expired",
    "with_login_csrf",
]
