from flask import url_for
from sqlalchemy import or_, select

from eventapi.auth.guard import current_user, login_required
from eventapi.errors import ApiError
from eventapi.events import bp
from eventapi.events.access import find_event, own_event, visible
from eventapi.events.schemas import (
    CREATE_SCHEMA,
    FILTER_SCHEMA,
    PERMANENT_SCHEMA,
    TRASHED_SCHEMA,
    UPDATE_SCHEMA,
    ensure_ends_after_start,
    event_json,
)
from eventapi.extensions import db
from eventapi.models import Event
from eventapi.pagination import paginate
from eventapi.query import contains, query, query_params
from eventapi.timestamps import utcnow
from eventapi.validation import json_body, load


@bp.get("")
@query(FILTER_SCHEMA, paginated=True)
def list_events():
    params = query_params()
    query_ = select(Event).where(visible(params.get("with_trashed", False)))
    if "owner_id" in params:
        query_ = query_.where(Event.owner_id == params["owner_id"])
    if "starts_after" in params:
        query_ = query_.where(Event.starts_at > params["starts_after"])
    if params.get("q"):
        pattern = contains(params["q"])
        in_title = Event.title.ilike(pattern, escape="\\")
        in_description = Event.description.ilike(pattern, escape="\\")
        query_ = query_.where(or_(in_title, in_description))
    return paginate(query_.order_by(Event.starts_at, Event.id), params, event_json)


@bp.post("")
@login_required
def create_event():
    fields = load(CREATE_SCHEMA, json_body())
    event = Event(owner=current_user(), **fields)
    ensure_ends_after_start(event)
    db.session.add(event)
    db.session.commit()
    return event_json(event), 201, {"Location": url_for("events.get_event", event_id=event.id)}


@bp.get("/<id:event_id>")
@query(TRASHED_SCHEMA)
def get_event(event_id: int):
    with_trashed = query_params().get("with_trashed", False)
    return event_json(find_event(event_id, with_trashed=with_trashed))


@bp.patch("/<id:event_id>")
@login_required
def update_event(event_id: int):
    event = own_event(event_id)
    for name, value in load(UPDATE_SCHEMA, json_body(), partial=True).items():
        setattr(event, name, value)
    ensure_ends_after_start(event)
    db.session.commit()
    return event_json(event)


@bp.delete("/<id:event_id>")
@login_required
@query(PERMANENT_SCHEMA)
def delete_event(event_id: int):
    """Move the event to the trash, or with ``permanent=true`` delete it and its programme."""
    permanent = query_params().get("permanent", False)
    event = own_event(event_id, with_trashed=permanent)
    if permanent:
        db.session.delete(event)
    else:
        event.deleted_at = utcnow()
    db.session.commit()
    return "", 204


@bp.post("/<id:event_id>/restore")
@login_required
def restore_event(event_id: int):
    event = own_event(event_id, with_trashed=True)
    if event.deleted_at is None:
        raise ApiError(409, "not_trashed", f"Event {event_id} is not in the trash.")
    event.deleted_at = None
    db.session.commit()
    return event_json(event)
