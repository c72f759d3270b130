"""The factory-boy base every project factory shares (``flask-dredd[factories]``).

    from flask_dredd.factories import BaseFactory

    class UserFactory(BaseFactory):
        class Meta:
            model = User
        email = factory.Sequence(lambda n: f"user{n}@example.com")

- Rows are committed at once: the server, another process, must see them.
- They go through the hooks' session (the one `flask_dredd.install` bound), or, outside
  the hooks, the Flask-SQLAlchemy session of the current app context (a test's app).
- Sequences start at 1, like the tables' ids, and the wiring restarts them after every
  reset: the first user a fixture makes is ``user1@example.com`` with id 1.

Imported only by projects that use factories, so factory-boy is an optional extra.
"""

from __future__ import annotations

try:
    import factory
    from factory.alchemy import SQLAlchemyModelFactory
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "flask_dredd.factories needs factory-boy: pip install 'flask-dredd[factories]'"
    ) from exc

from flask_dredd.wiring import current_session


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = current_session  # resolved on every create
        sqlalchemy_session_persistence = "commit"

    @classmethod
    def _setup_next_sequence(cls) -> int:
        return 1


def reset_sequences() -> None:
    """Restart every factory's sequence; the wiring calls it after each reset."""
    for subclass in _all_subclasses(BaseFactory):
        subclass.reset_sequence()


def _all_subclasses(cls: type) -> list[type[factory.Factory]]:
    found: list[type[factory.Factory]] = []
    subclass: type
    for subclass in cls.__subclasses__():
        found += [subclass, *_all_subclasses(subclass)]
    return found


__all__ = ["BaseFactory", "reset_sequences"]

