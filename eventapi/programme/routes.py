from flask import url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from eventapi.auth.guard import login_required
from eventapi.errors import ApiError
from eventapi.events.access import ensure_owner, find_event, not_found, own_event
from eventapi.extensions import db
from eventapi.models import Event, Speaker, Talk, Track, talk_speakers
from eventapi.pagination import paginate
from eventapi.programme import bp
from eventapi.programme.schemas import (
    NAME_FILTER,
    TALK_FILTERS,
    TALK_SCHEMA,
    TRACK_FILTERS,
    TRACK_SCHEMA,
    ensure_fits_event,
    ensure_track_of,
    talk_json,
    track_json,
)
from eventapi.query import contains, query, query_params
from eventapi.speakers.schemas import speaker_json
from eventapi.validation import json_body, load

PROGRAMME_OWNER_ONLY = "Only the event's owner may change its programme."


def find_child(model, kind: str, id_: int):
    """A track or talk of a live event: one of a trashed event is gone with it."""
    child = db.session.get(model, id_)
    if child is None or child.event.deleted_at is not None:
        raise not_found(kind, id_)
    return child


def own_child(model, kind: str, id_: int):
    child = find_child(model, kind, id_)
    ensure_owner(child.event, PROGRAMME_OWNER_ONLY)
    return child


# Tracks


@bp.get("/events/<id:event_id>/tracks")
@query(TRACK_FILTERS, paginated=True)
def list_tracks(event_id: int):
    event = find_event(event_id)
    params = query_params()
    query_ = select(Track).where(Track.event_id == event.id)
    if params.get("q"):
        query_ = query_.where(Track.name.ilike(contains(params["q"]), escape="\\"))
    return paginate(query_.order_by(Track.id), params, track_json)


@bp.post("/events/<id:event_id>/tracks")
@login_required
def create_track(event_id: int):
    event = own_event(event_id, message=PROGRAMME_OWNER_ONLY)
    track = Track(event=event, **load(TRACK_SCHEMA, json_body()))
    db.session.add(track)
    db.session.commit()
    location = url_for("programme.get_track", track_id=track.id)
    return track_json(track), 201, {"Location": location}


@bp.get("/tracks/<id:track_id>")
def get_track(track_id: int):
    return track_json(find_child(Track, "Track", track_id))


@bp.patch("/tracks/<id:track_id>")
@login_required
def update_track(track_id: int):
    track = own_child(Track, "Track", track_id)
    for name, value in load(TRACK_SCHEMA, json_body(), partial=True).items():
        setattr(track, name, value)
    db.session.commit()
    return track_json(track)


@bp.delete("/tracks/<id:track_id>")
@login_required
def delete_track(track_id: int):
    """Its talks stay in the programme, in no track."""
    db.session.delete(own_child(Track, "Track", track_id))
    db.session.commit()
    return "", 204


# Talks


def apply_talk_fields(talk: Talk, event: Event, fields: dict) -> None:
    if "track_id" in fields:
        track_id = fields.pop("track_id")
        track = db.session.get(Track, track_id) if track_id is not None else None
        ensure_track_of(track_id, event, track)
        talk.track = track
    for name, value in fields.items():
        setattr(talk, name, value)
    ensure_fits_event(talk, event)


@bp.get("/events/<id:event_id>/talks")
@query(TALK_FILTERS, paginated=True)
def list_talks(event_id: int):
    event = find_event(event_id)
    params = query_params()
    query_ = select(Talk).where(Talk.event_id == event.id).options(selectinload(Talk.speakers))
    if "track_id" in params:
        query_ = query_.where(Talk.track_id == params["track_id"])
    if "speaker_id" in params:
        query_ = query_.where(Talk.speakers.any(Speaker.id == params["speaker_id"]))
    if params.get("q"):
        query_ = query_.where(Talk.title.ilike(contains(params["q"]), escape="\\"))
    return paginate(query_.order_by(Talk.starts_at, Talk.id), params, talk_json)


@bp.post("/events/<id:event_id>/talks")
@login_required
def create_talk(event_id: int):
    event = own_event(event_id, message=PROGRAMME_OWNER_ONLY)
    talk = Talk()
    apply_talk_fields(talk, event, load(TALK_SCHEMA, json_body()))
    talk.event = event  # only now: a talk that failed its checks never joins the session
    db.session.add(talk)
    db.session.commit()
    return talk_json(talk), 201, {"Location": url_for("programme.get_talk", talk_id=talk.id)}


@bp.get("/talks/<id:talk_id>")
def get_talk(talk_id: int):
    return talk_json(find_child(Talk, "Talk", talk_id))


@bp.patch("/talks/<id:talk_id>")
@login_required
def update_talk(talk_id: int):
    talk = own_child(Talk, "Talk", talk_id)
    with db.session.no_autoflush:  # nothing is written until every field is checked
        apply_talk_fields(talk, talk.event, load(TALK_SCHEMA, json_body(), partial=True))
    db.session.commit()
    return talk_json(talk)


@bp.delete("/talks/<id:talk_id>")
@login_required
def delete_talk(talk_id: int):
    db.session.delete(own_child(Talk, "Talk", talk_id))
    db.session.commit()
    return "", 204


# Who gives a talk


@bp.get("/talks/<id:talk_id>/speakers")
@query(NAME_FILTER, paginated=True)
def list_talk_speakers(talk_id: int):
    talk = find_child(Talk, "Talk", talk_id)
    params = query_params()
    query_ = select(Speaker).join(talk_speakers).where(talk_speakers.c.talk_id == talk.id)
    if params.get("q"):
        query_ = query_.where(Speaker.name.ilike(contains(params["q"]), escape="\\"))
    return paginate(query_.order_by(Speaker.name, Speaker.id), params, speaker_json)


@bp.put("/talks/<id:talk_id>/speakers/<id:speaker_id>")
@login_required
def link_speaker(talk_id: int, speaker_id: int):
    """Idempotent: linking a speaker who already gives the talk changes nothing."""
    talk = own_child(Talk, "Talk", talk_id)
    speaker = db.session.get(Speaker, speaker_id)
    if speaker is None:
        raise not_found("Speaker", speaker_id)
    if speaker not in talk.speakers:
        talk.speakers.append(speaker)
        try:
            db.session.commit()
        except IntegrityError:  # another worker linked them first: the same outcome
            db.session.rollback()
    return "", 204


@bp.delete("/talks/<id:talk_id>/speakers/<id:speaker_id>")
@login_required
def unlink_speaker(talk_id: int, speaker_id: int):
    talk = own_child(Talk, "Talk", talk_id)
    speaker = next((s for s in talk.speakers if s.id == speaker_id), None)
    if speaker is None:
        raise ApiError(404, "not_found", f"Speaker {speaker_id} does not give talk {talk_id}.")
    talk.speakers.remove(speaker)
    db.session.commit()
    return "", 204
