"""EventAPI with one deliberate drift from its documentation each.

Eight broad drifts (below: each changes every object, or every 201, at once) and the
narrow ones of `drift/narrow.py`, each touching one field, one route, one header or one
rule.

Every factory wraps the real `eventapi.create_app()` and changes one thing, the way a
hurried commit would. `flask dredd drift --catalogue drift.catalogue` (`make drift`)
serves each under gunicorn, runs the whole contract against it and checks its routes;
every drift must be caught by Dredd, by `flask dredd check`, or by both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response
from werkzeug.routing import Map

from drift import narrow, policy, state
from eventapi import create_app
from flask_dredd.authoring.drift import Drift
from flask_dredd.contract.routes import rule_shape

JsonChange = Callable[[dict[str, Any]], dict[str, Any]]


def _each_object(value: Any, change: JsonChange) -> Any:
    """`value` with `change` applied to every JSON object that has an `id`, at any depth."""
    if isinstance(value, list):
        return [_each_object(item, change) for item in value]
    if isinstance(value, dict):
        value = {key: _each_object(item, change) for key, item in value.items()}
        return change(value) if "id" in value else value
    return value


def _rewriting_json(change: JsonChange) -> Flask:
    app = create_app()

    @app.after_request
    def rewrite(response: Response) -> Response:
        if response.is_json:
            response.set_data(app.json.dumps(_each_object(response.get_json(), change)))
        return response

    return app


def renamed_field() -> Flask:
    """Every `id` comes out as `ident`."""
    return _rewriting_json(lambda obj: {("ident" if k == "id" else k): v for k, v in obj.items()})


def removed_field() -> Flask:
    """Events lose their `owner_id`."""
    return _rewriting_json(lambda obj: {k: v for k, v in obj.items() if k != "owner_id"})


def changed_type() -> Flask:
    """Ids become strings: `"1"` instead of `1`."""
    return _rewriting_json(lambda obj: {**obj, "id": str(obj["id"])})


def extra_field() -> Flask:
    """Every object with an id gains an undocumented `internal_notes`."""
    return _rewriting_json(lambda obj: {**obj, "internal_notes": ""})


def changed_status() -> Flask:
    """Creation answers 200 instead of the documented 201."""
    app = create_app()

    @app.after_request
    def downgrade(response: Response) -> Response:
        if response.status_code == 201:
            response.status_code = 200
        return response

    return app


def changed_header() -> Flask:
    """Creation names the new resource in `Content-Location` instead of `Location`."""
    app = create_app()

    @app.after_request
    def rename(response: Response) -> Response:
        if "Location" in response.headers:
            response.headers["Content-Location"] = response.headers.pop("Location")
        return response

    return app


def removed_route() -> Flask:
    """`DELETE /events/{id}` is gone (the rule and its view)."""
    app = create_app()
    gone = [
        rule
        for rule in app.url_map.iter_rules()
        if rule_shape(rule.rule) == "/events/{}" and "DELETE" in (rule.methods or ())
    ]
    if len(gone) != 1 or gone[0].methods - {"DELETE", "HEAD", "OPTIONS"}:  # type: ignore[operator]
        raise LookupError("removed_route: no rule serving DELETE /events/<event_id> alone")
    old = app.url_map
    app.url_map = Map(
        [rule.empty() for rule in old.iter_rules() if rule is not gone[0]],
        strict_slashes=old.strict_slashes,
        merge_slashes=old.merge_slashes,
        converters=old.converters,
        host_matching=old.host_matching,
    )
    app.view_functions.pop(gone[0].endpoint)
    return app


def new_route() -> Flask:
    """An undocumented `GET /events/{id}/attendees`."""
    app = create_app()

    @app.get("/events/<int:event_id>/attendees")
    def list_attendees(event_id: int) -> dict[str, Any]:
        return {"items": [], "meta": {"page": 1, "per_page": 20, "total": 0, "pages": 0}}

    return app


#: One field, one route, one header or one rule each (drift/narrow.py).
NARROW = [
    ("timestamp without offset", narrow.event_timestamps_without_offset),
    ("time in another offset", narrow.talk_times_in_local_offset),
    ("0 instead of null", narrow.talk_track_zero_for_none),
    ("empty string instead of null", narrow.live_event_deleted_at_empty),
    ("enum value for some rows", narrow.even_users_are_admins),
    ("meta.total of the page", narrow.users_total_counts_the_page),
    ("page size ignored", narrow.users_page_size_ignored),
    ("list order", narrow.events_in_order_of_id),
    ("filter ignored: starts_after", narrow.events_starts_after_ignored),
    ("filter ignored: users q", narrow.users_search_ignored),
    ("filter ignored: tracks q", narrow.tracks_search_ignored),
    ("filter ignored: speaker_id", narrow.talks_speaker_filter_ignored),
    ("filter ignored: event_id", narrow.speakers_event_filter_ignored),
    ("another owner's rows", narrow.everyones_trash),
    ("error code renamed: session", narrow.session_expired_renamed),
    ("error code renamed: email", narrow.email_taken_renamed),
    ("422 field problem reworded", narrow.ends_at_problem_reworded),
    ("422 field left out", narrow.unknown_fields_not_reported),
    ("Location value", narrow.speaker_location_names_the_list),
    ("cookie flag: HttpOnly", narrow.session_cookie_not_httponly),
    ("cookie flag: Secure", narrow.session_cookie_secure),
    ("cookie flag: SameSite", narrow.session_cookie_samesite_strict),
    ("Content-Type parameter", narrow.speakers_json_with_charset),
    ("WWW-Authenticate scheme", narrow.expired_token_basic_challenge),
    ("undocumented secret key", narrow.user_password_hash_shown),
    ("undocumented key", narrow.event_internal_note_shown),
    ("undocumented CORS grant", narrow.events_open_to_every_origin),
]

DRIFTS = [
    Drift("renamed field", "drift.catalogue:renamed_field()", renamed_field.__doc__ or ""),
    Drift("removed field", "drift.catalogue:removed_field()", removed_field.__doc__ or ""),
    Drift("changed type", "drift.catalogue:changed_type()", changed_type.__doc__ or ""),
    Drift("extra undocumented field", "drift.catalogue:extra_field()", extra_field.__doc__ or ""),
    Drift("changed status code", "drift.catalogue:changed_status()", changed_status.__doc__ or ""),
    Drift("changed header", "drift.catalogue:changed_header()", changed_header.__doc__ or ""),
    Drift("removed route", "drift.catalogue:removed_route()", removed_route.__doc__ or ""),
    Drift("new undocumented route", "drift.catalogue:new_route()", new_route.__doc__ or ""),
]
DRIFTS += [
    Drift(name, f"drift.narrow:{make.__name__}()", make.__doc__ or "") for name, make in NARROW
]
DRIFTS += state.DRIFTS  # issue #11: right answers, wrong state (drift/state.py)
DRIFTS += policy.DRIFTS  # issue #11: a rule broken on one route (drift/policy.py)
