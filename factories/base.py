"""The one base class every factory shares.

Rows go through ``eventapi.extensions.db.session``, the session of whichever app context
is current (the hooks' bare app, or a test's app), and are committed at once so the API
server, another process, can see them.
"""

import factory
from factory.alchemy import SQLAlchemyModelFactory

from eventapi.extensions import db


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731  (resolved per create)
        sqlalchemy_session_persistence = "commit"

    @classmethod
    def _setup_next_sequence(cls):
        # Start at 1 like the tables' ids: after a reset, user1@example.com has id 1.
        return 1


def reset_sequences() -> None:
    """Restart every factory's sequence; call it whenever the database is reset."""
    for subclass in _all_subclasses(BaseFactory):
        subclass.reset_sequence()


def _all_subclasses(cls: type) -> list[type[factory.Factory]]:
    found = []
    for subclass in cls.__subclasses__():
        found += [subclass, *_all_subclasses(subclass)]
    return found
