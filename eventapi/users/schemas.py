"""What a user looks like on the wire, in both directions."""

from eventapi.models import User
from eventapi.timestamps import isoformat
from eventapi.validation import Field, email, query_text, text

CREATE_SCHEMA = {
    "email": Field(email),
    "name": Field(text(max_length=100)),
    "password": Field(text(min_length=8, max_length=128, strip=False)),
}
UPDATE_SCHEMA = CREATE_SCHEMA  # PATCH loads it with partial=True
FILTER_SCHEMA = {"q": Field(query_text(max_length=100), required=False)}


def user_json(user: User) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role.name,
        "created_at": isoformat(user.created_at),
    }
