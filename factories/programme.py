from datetime import timedelta

import factory

from eventapi.models import Speaker, Talk, Track
from factories.events import EventFactory
from factories.users import UserFactory
from flask_dredd.factories import BaseFactory


class TrackFactory(BaseFactory):
    """``Track <n>`` of a new event (or the one given)."""

    class Meta:
        model = Track

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Track {n}")
    description = ""


class TalkFactory(BaseFactory):
    """``Talk <n>``: the first 30 minutes of its event (the track's, if a track is given)."""

    class Meta:
        model = Talk

    track = None
    event = factory.Maybe(
        "track",
        yes_declaration=factory.SelfAttribute("track.event"),
        no_declaration=factory.SubFactory(EventFactory),
    )
    title = factory.Sequence(lambda n: f"Talk {n}")
    abstract = ""
    starts_at = factory.SelfAttribute("event.starts_at")
    ends_at = factory.LazyAttribute(lambda talk: talk.starts_at + timedelta(minutes=30))


class SpeakerFactory(BaseFactory):
    """``Speaker <n>``, created by a new user (or the `owner` given)."""

    class Meta:
        model = Speaker

    name = factory.Sequence(lambda n: f"Speaker {n}")
    bio = ""
    owner = factory.SubFactory(UserFactory)
