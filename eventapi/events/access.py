"""Finding events the way every route that touches one (or its programme) must.

A trashed event (``deleted_at`` set) is gone for everyone, except for its owner when the
request says ``with_trashed=true``; only the owner may change an event or its children.
"""

from sqlalchemy import ColumnElement, or_

from eventapi.auth.guard import authenticate, current_user
from eventapi.errors import ApiError, forbidden
from eventapi.extensions import db
from eventapi.models import Event

OWNER_ONLY = "Only the event's owner may change or delete it."


def not_found(kind: str, id_: int) -> ApiError:
    return ApiError(404, "not_found", f"{kind} {id_} was not found.")


def visible(with_trashed: bool = False) -> ColumnElement[bool]:
    """Events the caller may see: live ones, plus their own trashed ones if asked."""
    live = Event.deleted_at.is_(None)
    if not with_trashed:
        return live
    return or_(live, Event.owner_id == authenticate().id)


def find_event(event_id: int, *, with_trashed: bool = False) -> Event:
    """A live event, or with `with_trashed` (which needs a login) also the caller's trash."""
    caller = authenticate() if with_trashed else None
    event = db.session.get(Event, event_id)
    if event is None:
        raise not_found("Event", event_id)
    if event.deleted_at is not None and (caller is None or event.owner_id != caller.id):
        raise not_found("Event", event_id)  # someone else's trash is not theirs to see
    return event


def own_event(event_id: int, *, with_trashed: bool = False, message: str = OWNER_ONLY) -> Event:
    """The event, if the caller owns it: 404 if it is not there, 403 if it is not theirs.

    Someone else's trashed event is 404, as `GET` answers it: a 403 would tell the caller
    that an event they cannot see exists.
    """
    event = db.session.get(Event, event_id)
    if event is None or (event.deleted_at is not None and not with_trashed):
        raise not_found("Event", event_id)
    if event.deleted_at is not None and event.owner_id != current_user().id:
        raise not_found("Event", event_id)  # someone else's trash is not theirs to see
    ensure_owner(event, message)
    return event


def ensure_owner(event: Event, message: str = OWNER_ONLY) -> None:
    if event.owner_id != current_user().id:
        raise forbidden(message)
