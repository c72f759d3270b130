"""What a speaker looks like on the wire, in both directions."""

from eventapi.models import Speaker
from eventapi.timestamps import isoformat
from eventapi.validation import Field, query_int, query_text, text

SPEAKER_SCHEMA = {
    "name": Field(text(max_length=100)),
    "bio": Field(text(min_length=0, max_length=2000), required=False),
}
SPEAKER_FILTERS = {
    "q": Field(query_text(max_length=100), required=False),
    "event_id": Field(query_int(minimum=1), required=False),
}


def speaker_json(speaker: Speaker) -> dict:
    return {
        "id": speaker.id,
        "name": speaker.name,
        "bio": speaker.bio,
        "owner_id": speaker.owner_id,
        "created_at": isoformat(speaker.created_at),
    }
