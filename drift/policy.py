"""Policy drifts (issue #11): a rule the API states once, broken on one route only.

The documentation shows each refusal on one or two routes; these drifts break it on a
route that has no example of its own, so only a negative transaction derived from the
policy (`[[tool.flask-dredd.policy]]` in pyproject.toml) or an example added for the
purpose can catch them. Each factory wraps the real `eventapi.create_app()`.

    flask --app eventapi dredd drift --catalogue drift.policy   # these alone
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, g, request
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict

from eventapi import create_app, query
from eventapi.auth import csrf
from eventapi.auth.guard import login_required
from eventapi.errors import ApiError
from eventapi.extensions import db
from eventapi.models import LoginSession, Talk, User
from eventapi.programme import routes as programme
from flask_dredd.authoring.drift import Drift


def _csrf_skipped(endpoint: str, method: str) -> Flask:
    """The app, with the CSRF check left out for `method` on `endpoint` alone."""
    app = create_app()
    checks = app.before_request_funcs[None]
    position = checks.index(csrf.check_csrf)

    def check_csrf_but_one() -> None:
        if request.endpoint == endpoint and request.method == method:
            return
        csrf.check_csrf()

    checks[position] = check_csrf_but_one
    return app


def _anonymous_allowed(endpoint: str) -> Flask:
    """The app, with `endpoint` serving a request without credentials as the first user
    (a debugging shortcut left in)."""
    app = create_app()
    guarded = app.view_functions[endpoint]
    inner: Callable[..., Any] = guarded.__wrapped__  # login_required's functools.wraps

    def view(**arguments: Any) -> Any:
        if "Authorization" in request.headers or "Cookie" in request.headers:
            return guarded(**arguments)
        g.current_user = db.session.scalar(select(User).order_by(User.id).limit(1))
        return inner(**arguments)

    app.view_functions[endpoint] = view
    return app


def csrf_dropped_for_event_patch() -> Flask:
    """`PATCH /events/{id}` from a browser no longer needs the CSRF header."""
    return _csrf_skipped("events.update_event", "PATCH")


def csrf_dropped_for_track_create() -> Flask:
    """`POST /events/{id}/tracks` from a browser no longer needs the CSRF header."""
    return _csrf_skipped("programme.create_track", "POST")


def csrf_dropped_for_speaker_create() -> Flask:
    """`POST /speakers` from a browser no longer needs the CSRF header."""
    return _csrf_skipped("speakers.create_speaker", "POST")


def user_readable_anonymously() -> Flask:
    """`GET /users/{id}` answers without credentials."""
    return _anonymous_allowed("users.get_user")


def track_deletable_anonymously() -> Flask:
    """`DELETE /tracks/{id}` deletes without credentials."""
    return _anonymous_allowed("programme.delete_track")


def speaker_deletable_anonymously() -> Flask:
    """`DELETE /speakers/{id}` deletes without credentials."""
    return _anonymous_allowed("speakers.delete_speaker")


def logout_without_a_session() -> Flask:
    """`POST /auth/logout` without a session cookie answers 204 instead of 401."""
    app = create_app()
    real = app.view_functions["auth.logout"]

    def logout() -> Any:
        if "Cookie" not in request.headers:
            return Response(status=204)
        return real()

    app.view_functions["auth.logout"] = logout
    return app


def login_reveals_unknown_emails() -> Flask:
    """`POST /auth/login` with an unknown email says so, unlike a wrong password."""
    app = create_app()

    @app.after_request
    def reveal(response: Response) -> Response:
        body = request.get_json(silent=True) if request.endpoint == "auth.login" else None
        if response.status_code == 401 and isinstance(body, dict):
            known = db.session.scalar(select(User.id).filter_by(email=body.get("email")))
            if known is None:
                response.set_data(app.json.dumps({"error": {
                    "status": 401, "code": "unknown_email",
                    "message": "No account has this email.",
                }}))  # fmt: skip
        return response

    return app


def speaker_unlinkable_by_anyone() -> Flask:
    """`DELETE /talks/{id}/speakers/{speaker_id}` lost its owner check: any signed-in user
    takes a speaker off someone else's talk (found, not owned)."""
    app = create_app()

    @login_required
    def unlink_speaker(talk_id: int, speaker_id: int) -> Any:
        talk = programme.find_child(Talk, "Talk", talk_id)  # was own_child
        speaker = next((s for s in talk.speakers if s.id == speaker_id), None)
        if speaker is None:
            raise ApiError(404, "not_found", f"Speaker {speaker_id} does not give talk {talk_id}.")
        talk.speakers.remove(speaker)
        db.session.commit()
        return "", 204

    app.view_functions["programme.unlink_speaker"] = unlink_speaker
    return app


def speakers_list_accepts_unknown_parameters() -> Flask:
    """`GET /speakers` ignores a query parameter it does not know instead of refusing it."""
    app = create_app()
    checks = app.before_request_funcs[None]
    position = checks.index(query.parse_query)

    def parse_query_leniently() -> None:
        if request.endpoint == "speakers.list_speakers":
            view = current_app.view_functions[request.endpoint]
            known = query.accepted(view)
            kept = [(k, v) for k, v in request.args.items(multi=True) if k in known]
            request.args = ImmutableMultiDict(kept)  # type: ignore[misc]
        query.parse_query()

    checks[position] = parse_query_leniently
    return app


def unknown_track_update_fails() -> Flask:
    """`PATCH /tracks/{id}` with an id no track has answers 500 instead of 404."""
    app = create_app()

    @app.after_request
    def crash(response: Response) -> Response:
        if request.endpoint == "programme.update_track" and response.status_code == 404:
            response.status_code = 500
            response.set_data(app.json.dumps({"error": {
                "status": 500, "code": "internal_error", "message": "Something went wrong.",
            }}))  # fmt: skip
        return response

    return app


def csrf_of_another_session_for_event_patch() -> Flask:
    """`PATCH /events/{id}` from a browser accepts the CSRF token of any live session, not
    only its own."""
    app = create_app()
    checks = app.before_request_funcs[None]
    position = checks.index(csrf.check_csrf)

    def check_csrf_any_session() -> None:
        token = request.headers.get(app.config["CSRF_HEADER_NAME"])
        if request.endpoint == "events.update_event" and request.method == "PATCH" and token:
            known = db.session.scalar(select(LoginSession.id).filter_by(csrf_token=token))
            if known is not None:
                return
        csrf.check_csrf()

    checks[position] = check_csrf_any_session
    return app


POLICY = [
    ("CSRF dropped: PATCH event", csrf_dropped_for_event_patch),
    ("CSRF dropped: POST track", csrf_dropped_for_track_create),
    ("CSRF dropped: POST speaker", csrf_dropped_for_speaker_create),
    ("no credentials accepted: GET user", user_readable_anonymously),
    ("no credentials accepted: DELETE track", track_deletable_anonymously),
    ("no credentials accepted: DELETE speaker", speaker_deletable_anonymously),
    ("logout without a session", logout_without_a_session),
    ("login reveals unknown emails", login_reveals_unknown_emails),
    ("owner check removed: DELETE talk speaker", speaker_unlinkable_by_anyone),
    ("unknown parameter accepted: GET speakers", speakers_list_accepts_unknown_parameters),
    ("unknown id 500: PATCH track", unknown_track_update_fails),
    ("another session's CSRF token accepted: PATCH event", csrf_of_another_session_for_event_patch),
]

DRIFTS = [
    Drift(name, f"drift.policy:{make.__name__}()", make.__doc__ or "") for name, make in POLICY
]
