from flask import request, url_for
from sqlalchemy import or_, select

from eventapi.auth.guard import current_user, token_required
from eventapi.errors import forbidden
from eventapi.events import bp
from eventapi.events.schemas import (
    CREATE_SCHEMA,
    FILTER_SCHEMA,
    UPDATE_SCHEMA,
    ensure_ends_after_start,
    event_json,
)
from eventapi.extensions import db
from eventapi.models import Event
from eventapi.pagination import page_fields, paginate
from eventapi.validation import json_body, load


def get_event_or_404(event_id: int) -> Event:
    return db.get_or_404(Event, event_id, description=f"Event {event_id} was not found.")


def get_own_event(event_id: int) -> Event:
    event = get_event_or_404(event_id)
    if event.owner_id != current_user().id:
        raise forbidden("Only the event's owner may change or delete it.")
    return event


def contains(text: str) -> str:
    """A LIKE pattern matching `text` literally, wildcards included."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@bp.get("")
def list_events():
    params = load(FILTER_SCHEMA | page_fields(), request.args, strict=False)
    query = select(Event).order_by(Event.starts_at, Event.id)
    if "owner_id" in params:
        query = query.where(Event.owner_id == params["owner_id"])
    if "starts_after" in params:
        query = query.where(Event.starts_at > params["starts_after"])
    if params.get("q"):
        pattern = contains(params["q"])
        in_title = Event.title.ilike(pattern, escape="\\")
        in_description = Event.description.ilike(pattern, escape="\\")
        query = query.where(or_(in_title, in_description))
    return paginate(query, params, event_json)


@bp.post("")
@token_required
def create_event():
    fields = load(CREATE_SCHEMA, json_body())
    event = Event(owner=current_user(), **fields)
    ensure_ends_after_start(event)
    db.session.add(event)
    db.session.commit()
    return event_json(event), 201, {"Location": url_for("events.get_event", event_id=event.id)}


@bp.get("/<id:event_id>")
def get_event(event_id: int):
    return event_json(get_event_or_404(event_id))


@bp.patch("/<id:event_id>")
@token_required
def update_event(event_id: int):
    event = get_own_event(event_id)
    for name, value in load(UPDATE_SCHEMA, json_body(), partial=True).items():
        setattr(event, name, value)
    ensure_ends_after_start(event)
    db.session.commit()
    return event_json(event)


@bp.delete("/<id:event_id>")
@token_required
def delete_event(event_id: int):
    db.session.delete(get_own_event(event_id))
    db.session.commit()
    return "", 204
