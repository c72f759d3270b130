"""What tracks and talks look like on the wire, in both directions."""

from eventapi.errors import ValidationFailed
from eventapi.models import Event, Talk, Track
from eventapi.timestamps import isoformat
from eventapi.validation import Field, aware_datetime, nullable_id, query_int, query_text, text

TRACK_SCHEMA = {
    "name": Field(text(max_length=100)),
    "description": Field(text(min_length=0, max_length=2000), required=False),
}
TRACK_FILTERS = {"q": Field(query_text(max_length=100), required=False)}

TALK_SCHEMA = {
    "title": Field(text(max_length=200)),
    "abstract": Field(text(min_length=0, max_length=5000), required=False),
    "starts_at": Field(aware_datetime),
    "ends_at": Field(aware_datetime),
    "track_id": Field(nullable_id, required=False),
}
TALK_FILTERS = {
    "track_id": Field(query_int(minimum=1), required=False),
    "speaker_id": Field(query_int(minimum=1), required=False),
    "q": Field(query_text(max_length=100), required=False),
}
NAME_FILTER = {"q": Field(query_text(max_length=100), required=False)}


def ensure_fits_event(talk: Talk, event: Event) -> None:
    """A talk ends after it starts, inside its event's time span (checked merged, for PATCH)."""
    problems = {}
    if talk.ends_at <= talk.starts_at:
        problems["ends_at"] = ["Must be later than starts_at."]
    elif talk.starts_at < event.starts_at or talk.ends_at > event.ends_at:
        span = f"{isoformat(event.starts_at)} to {isoformat(event.ends_at)}"
        problems["starts_at"] = [f"The talk must take place during the event ({span})."]
    if problems:
        raise ValidationFailed(problems)


def ensure_track_of(track_id: int | None, event: Event, track: Track | None) -> None:
    if track_id is not None and (track is None or track.event_id != event.id):
        raise ValidationFailed({"track_id": [f"Event {event.id} has no track {track_id}."]})


def track_json(track: Track) -> dict:
    return {
        "id": track.id,
        "event_id": track.event_id,
        "name": track.name,
        "description": track.description,
        "created_at": isoformat(track.created_at),
    }


def talk_json(talk: Talk) -> dict:
    return {
        "id": talk.id,
        "event_id": talk.event_id,
        "track_id": talk.track_id,
        "title": talk.title,
        "abstract": talk.abstract,
        "starts_at": isoformat(talk.starts_at),
        "ends_at": isoformat(talk.ends_at),
        "speaker_ids": sorted(speaker.id for speaker in talk.speakers),
        "created_at": isoformat(talk.created_at),
        "updated_at": isoformat(talk.updated_at),
    }
