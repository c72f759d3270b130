from flask import url_for
from sqlalchemy import select

from eventapi.auth.guard import current_user, login_required
from eventapi.errors import forbidden
from eventapi.events.access import not_found
from eventapi.extensions import db
from eventapi.models import Event, Speaker, Talk
from eventapi.pagination import paginate
from eventapi.query import contains, query, query_params
from eventapi.speakers import bp
from eventapi.speakers.schemas import SPEAKER_FILTERS, SPEAKER_SCHEMA, speaker_json
from eventapi.validation import json_body, load


def find_speaker(speaker_id: int) -> Speaker:
    speaker = db.session.get(Speaker, speaker_id)
    if speaker is None:
        raise not_found("Speaker", speaker_id)
    return speaker


def own_speaker(speaker_id: int) -> Speaker:
    speaker = find_speaker(speaker_id)
    if speaker.owner_id != current_user().id:
        raise forbidden("Only the speaker's creator may change or delete it.")
    return speaker


@bp.get("")
@query(SPEAKER_FILTERS, paginated=True)
def list_speakers():
    params = query_params()
    query_ = select(Speaker)
    if params.get("q"):
        query_ = query_.where(Speaker.name.ilike(contains(params["q"]), escape="\\"))
    if "event_id" in params:  # speakers with a talk at this (live) event
        at_event = Talk.event.has((Event.id == params["event_id"]) & Event.deleted_at.is_(None))
        query_ = query_.where(Speaker.talks.any(at_event))
    return paginate(query_.order_by(Speaker.name, Speaker.id), params, speaker_json)


@bp.post("")
@login_required
def create_speaker():
    speaker = Speaker(owner=current_user(), **load(SPEAKER_SCHEMA, json_body()))
    db.session.add(speaker)
    db.session.commit()
    location = url_for("speakers.get_speaker", speaker_id=speaker.id)
    return speaker_json(speaker), 201, {"Location": location}


@bp.get("/<id:speaker_id>")
def get_speaker(speaker_id: int):
    return speaker_json(find_speaker(speaker_id))


@bp.patch("/<id:speaker_id>")
@login_required
def update_speaker(speaker_id: int):
    speaker = own_speaker(speaker_id)
    for name, value in load(SPEAKER_SCHEMA, json_body(), partial=True).items():
        setattr(speaker, name, value)
    db.session.commit()
    return speaker_json(speaker)


@bp.delete("/<id:speaker_id>")
@login_required
def delete_speaker(speaker_id: int):
    """The speaker is taken off every talk they gave."""
    db.session.delete(own_speaker(speaker_id))
    db.session.commit()
    return "", 204
