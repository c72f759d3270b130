"""Narrow drifts: each changes one field, one route, one header or one rule of EventAPI.

These are the drifts a reviewer worries about, because the broad ones (drift.catalogue)
are caught by any schema: a timestamp that loses its offset on one resource, a 0 where
null was documented, a filter one route forgets, another owner's rows in a list, an
error code renamed, a cookie flag dropped. Each factory wraps the real
`eventapi.create_app()` and changes one thing in the way a hurried commit would: a
setting, a hook on one endpoint, or the JSON of one endpoint's answers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, request

from eventapi import create_app

Json = Any
Change = Callable[[Json], Json]


def _answers_of(endpoint: str, change: Change, status: int | None = None) -> Flask:
    """The app, with `change` applied to the JSON answers of `endpoint` with `status`
    (None: its successful answers only; its errors stay as they are)."""
    app = create_app()

    @app.after_request
    def rewrite(response: Response) -> Response:
        wanted = response.status_code < 300 if status is None else response.status_code == status
        if request.endpoint == endpoint and wanted and response.is_json:
            response.set_data(app.json.dumps(change(response.get_json())))
        return response

    return app


def _forgetting(endpoint: str, parameter: str) -> Flask:
    """The app, with `endpoint` reading its query but then ignoring `parameter`."""
    app = create_app()

    @app.before_request  # registered after the API's own, so it runs after the query parse
    def forget() -> None:
        if request.endpoint == endpoint:
            g.get("query", {}).pop(parameter, None)

    return app


def _items(change: Change) -> Change:
    """A change of every item of a list answer."""
    return lambda page: {**page, "items": [change(item) for item in page["items"]]}


def _error_code(old: str, new: str) -> Flask:
    app = create_app()

    @app.after_request
    def rename(response: Response) -> Response:
        body = response.get_json(silent=True) if response.is_json else None
        if isinstance(body, dict) and body.get("error", {}).get("code") == old:
            body["error"]["code"] = new
            response.set_data(app.json.dumps(body))
        return response

    return app


def _setting(name: str, value: object) -> Flask:
    app = create_app()
    app.config[name] = value
    return app


# ------------------------------------------------------------------ a field's format


def event_timestamps_without_offset() -> Flask:
    """An event's `created_at` loses its UTC offset (`2026-01-01T09:00:00`)."""
    return _answers_of("events.get_event", lambda e: {**e, "created_at": e["created_at"][:-6]})


def talk_times_in_local_offset() -> Flask:
    """A talk's `starts_at` is given at +02:00: the same instant, not the documented form."""

    def local(talk: Json) -> Json:
        utc = talk["starts_at"]  # 2025-06-01T18:00:00+00:00, before 22:00
        return {**talk, "starts_at": f"{utc[:11]}{int(utc[11:13]) + 2:02d}{utc[13:19]}+02:00"}

    return _answers_of("programme.get_talk", local)


# ------------------------------------------------------------------ nullable sentinels


def talk_track_zero_for_none() -> Flask:
    """A talk in no track says `"track_id": 0` instead of null."""
    return _answers_of("programme.create_talk", lambda t: {**t, "track_id": t["track_id"] or 0})


def live_event_deleted_at_empty() -> Flask:
    """A live event says `"deleted_at": ""` instead of null."""
    return _answers_of("events.get_event", lambda e: {**e, "deleted_at": e["deleted_at"] or ""})


# ------------------------------------------------------------------ enum for some rows


def even_users_are_admins() -> Flask:
    """Users with an even id come out with the (valid) role `admin`."""
    promote = _items(lambda u: {**u, "role": "admin" if u["id"] % 2 == 0 else u["role"]})
    return _answers_of("users.list_users", promote)


# ------------------------------------------------------------------ one list's meta and order


def users_total_counts_the_page() -> Flask:
    """The users list's `meta.total` counts the page, not every match."""
    return _answers_of(
        "users.list_users", lambda p: {**p, "meta": {**p["meta"], "total": len(p["items"])}}
    )


def users_page_size_ignored() -> Flask:
    """The users list ignores `per_page` (always 20)."""
    return _forgetting("users.list_users", "per_page")


def events_in_order_of_id() -> Flask:
    """The events list comes in order of id, not of start."""
    return _answers_of(
        "events.list_events", lambda p: {**p, "items": sorted(p["items"], key=lambda e: e["id"])}
    )


# ------------------------------------------------------------------ filters ignored


def events_starts_after_ignored() -> Flask:
    """The events list ignores `starts_after`."""
    return _forgetting("events.list_events", "starts_after")


def users_search_ignored() -> Flask:
    """The users list ignores `q`."""
    return _forgetting("users.list_users", "q")


def tracks_search_ignored() -> Flask:
    """An event's tracks ignore `q`."""
    return _forgetting("programme.list_tracks", "q")


def talks_speaker_filter_ignored() -> Flask:
    """An event's talks ignore `speaker_id`."""
    return _forgetting("programme.list_talks", "speaker_id")


def speakers_event_filter_ignored() -> Flask:
    """The speakers list ignores `event_id`."""
    return _forgetting("speakers.list_speakers", "event_id")


# ------------------------------------------------------------------ ownership


def everyones_trash() -> Flask:
    """`?with_trashed=true` shows every user's trashed events, not only the caller's."""
    import eventapi.events.access as access
    import eventapi.events.routes as routes
    from eventapi.models import Event

    app = create_app()

    def everyones(with_trashed: bool = False):  # type: ignore[no-untyped-def]
        if not with_trashed:
            return Event.deleted_at.is_(None)
        access.authenticate()  # still only for a signed-in caller: just the owner rule goes
        return Event.id.is_not(None)

    # The list route's one ownership rule, replaced where the route looks it up. It is a
    # module global: fine in the gunicorn process that serves only this app, and inert in
    # `flask dredd drift`'s own process, which only reads the app's routes.
    routes.visible = everyones  # type: ignore[assignment]
    return app


# ------------------------------------------------------------------ error codes and 422s


def session_expired_renamed() -> Flask:
    """An expired session's 401 says `session_timeout` instead of `session_expired`."""
    return _error_code("session_expired", "session_timeout")


def email_taken_renamed() -> Flask:
    """A taken email's 409 says `conflict` instead of `email_taken`."""
    return _error_code("email_taken", "conflict")


def ends_at_problem_reworded() -> Flask:
    """An event ending before it starts: the 422 names the problem in other words."""

    def reword(body: Json) -> Json:
        body["error"]["fields"]["ends_at"] = ["Must be after the start."]
        return body

    return _answers_of("events.create_event", reword, status=422)


def unknown_fields_not_reported() -> Flask:
    """Signing up with an unknown field: the 422 no longer lists it among `fields`."""

    def forget(body: Json) -> Json:
        body["error"]["fields"].pop("nickname", None)
        return body

    return _answers_of("users.create_user", forget, status=422)


# ------------------------------------------------------------------ headers


def speaker_location_names_the_list() -> Flask:
    """A new speaker's `Location` names the list (`/speakers`), not the new speaker."""
    app = create_app()

    @app.after_request
    def relocate(response: Response) -> Response:
        if request.endpoint == "speakers.create_speaker" and "Location" in response.headers:
            response.headers["Location"] = "/speakers"
        return response

    return app


def session_cookie_not_httponly() -> Flask:
    """The session cookie is readable by page scripts (no HttpOnly)."""
    return _setting("SESSION_COOKIE_HTTPONLY", False)


def session_cookie_secure() -> Flask:
    """The session cookie is marked Secure where the contract's setting says it is not."""
    return _setting("SESSION_COOKIE_SECURE", True)


def session_cookie_samesite_strict() -> Flask:
    """The session cookie is SameSite=Strict instead of Lax."""
    return _setting("SESSION_COOKIE_SAMESITE", "Strict")


def speakers_json_with_charset() -> Flask:
    """A speaker's JSON says `application/json; charset=utf-8`."""
    app = create_app()

    @app.after_request
    def label(response: Response) -> Response:
        if request.endpoint == "speakers.get_speaker" and response.is_json:
            response.headers["Content-Type"] = "application/json; charset=utf-8"
        return response

    return app


def expired_token_basic_challenge() -> Flask:
    """An expired token's 401 challenges with `WWW-Authenticate: Basic`."""
    app = create_app()

    @app.after_request
    def challenge(response: Response) -> Response:
        body = response.get_json(silent=True) if response.is_json else None
        if isinstance(body, dict) and body.get("error", {}).get("code") == "token_expired":
            response.headers["WWW-Authenticate"] = 'Basic realm="eventapi"'
        return response

    return app


def user_password_hash_shown() -> Flask:
    """A user's answer also carries the password hash the documentation never shows."""
    return _answers_of("users.get_user", lambda u: {**u, "password_hash": "pbkdf2:sha256:x$y"})


def event_internal_note_shown() -> Flask:
    """An event's answer gains a key the documentation does not declare."""
    return _answers_of("events.get_event", lambda e: {**e, "internal_note": "VIP guest list"})


def events_open_to_every_origin() -> Flask:
    """Every answer grants CORS to any origin (`Access-Control-Allow-Origin: *`)."""
    app = create_app()

    @app.after_request
    def grant(response: Response) -> Response:
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    return app
