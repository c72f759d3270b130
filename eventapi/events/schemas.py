"""What an event looks like on the wire, in both directions."""

from eventapi.errors import ValidationFailed
from eventapi.models import Event
from eventapi.timestamps import isoformat
from eventapi.validation import Field, aware_datetime, query_bool, query_int, query_text, text

CREATE_SCHEMA = {
    "title": Field(text(max_length=200)),
    "description": Field(text(min_length=0, max_length=5000), required=False),
    "starts_at": Field(aware_datetime),
    "ends_at": Field(aware_datetime),
}
UPDATE_SCHEMA = CREATE_SCHEMA  # PATCH loads it with partial=True

FILTER_SCHEMA = {
    "owner_id": Field(query_int(minimum=1), required=False),
    "starts_after": Field(aware_datetime, required=False),
    "q": Field(query_text(max_length=100), required=False),
    "with_trashed": Field(query_bool, required=False),
}
TRASHED_SCHEMA = {"with_trashed": Field(query_bool, required=False)}
PERMANENT_SCHEMA = {"permanent": Field(query_bool, required=False)}


def ensure_ends_after_start(event: Event) -> None:
    """The one rule that spans two fields; checked on the merged values for PATCH."""
    if event.ends_at <= event.starts_at:
        raise ValidationFailed({"ends_at": ["Must be later than starts_at."]})


def event_json(event: Event) -> dict:
    return {
        "id": event.id,
        "title": event.title,
        "description": event.description,
        "starts_at": isoformat(event.starts_at),
        "ends_at": isoformat(event.ends_at),
        "owner_id": event.owner_id,
        "created_at": isoformat(event.created_at),
        "updated_at": isoformat(event.updated_at),
        "deleted_at": isoformat(event.deleted_at) if event.deleted_at else None,
    }
