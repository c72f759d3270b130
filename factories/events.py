from datetime import UTC, datetime, timedelta

import factory

from eventapi.models import Event
from eventapi.timestamps import utcnow
from factories.users import UserFactory
from flask_dredd.factories import BaseFactory

FIRST_START = datetime(2025, 6, 1, 18, 0, tzinfo=UTC)


class EventFactory(BaseFactory):
    """``Event <n>``, starting on day n after 1 June 2025 at 18:00 UTC, for two hours.

    ``trashed=True``: soft-deleted a moment ago.
    """

    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Event {n}")
    description = ""
    starts_at = factory.Sequence(lambda n: FIRST_START + timedelta(days=n - 1))
    ends_at = factory.LazyAttribute(lambda event: event.starts_at + timedelta(hours=2))
    owner = factory.SubFactory(UserFactory)
    deleted_at = None

    class Params:
        trashed = factory.Trait(deleted_at=factory.LazyFunction(utcnow))
