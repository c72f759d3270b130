"""State drifts (issue #11): each answers exactly as documented but leaves the wrong state.

No response-only check can see these: the status, headers and body are the documented
ones, and only the database (post-conditions) or a later request (follow-up probes)
tells. Each factory wraps the real `eventapi.create_app()` and changes what one route
writes, the way a hurried commit would: after the real view has answered, a hook undoes
or overdoes its write.

    flask --app eventapi dredd drift --catalogue drift.state   # these alone
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, Response, g, request
from sqlalchemy import delete, insert, select, update

from eventapi import create_app
from eventapi.extensions import db
from eventapi.models import Event, LoginSession
from eventapi.timestamps import utcnow
from flask_dredd.authoring.drift import Drift

Write = Callable[[dict[str, Any]], None]  # (the view's arguments) -> writes, then commits


def _after(endpoint: str, status: int, write: Write, *, remember: Write | None = None) -> Flask:
    """The app, with `write` run after `endpoint` answered `status` (and `remember` before
    the view ran, to keep what `write` needs of the state before the request)."""
    app = create_app()

    @app.before_request
    def before() -> None:
        if request.endpoint == endpoint and remember is not None:
            remember(dict(request.view_args or {}))

    @app.after_request
    def after(response: Response) -> Response:
        if request.endpoint == endpoint and response.status_code == status:
            write(dict(request.view_args or {}))
            db.session.commit()
        return response

    return app


def _row_of(model: Any, **key: Any) -> dict[str, Any] | None:
    found = db.session.execute(select(model.__table__).filter_by(**key)).mappings().first()
    return None if found is None else dict(found)


def hard_delete() -> Flask:
    """`DELETE /events/{id}` (no `permanent`) deletes the row instead of trashing it."""

    def write(args: dict[str, Any]) -> None:
        if request.args.get("permanent") != "true":
            db.session.execute(delete(Event).where(Event.id == args["event_id"]))

    return _after("events.delete_event", 204, write)


def permanent_ignored() -> Flask:
    """`DELETE /events/{id}?permanent=true` on a live event only moves it to the trash."""

    def write(args: dict[str, Any]) -> None:
        if request.args.get("permanent") == "true" and g.get("dredd_live") is not None:
            db.session.execute(insert(Event).values(**g.dredd_live, deleted_at=utcnow()))

    def remember(args: dict[str, Any]) -> None:
        found = _row_of(Event, id=args["event_id"])
        g.dredd_live = found if found and found["deleted_at"] is None else None
        if g.dredd_live is not None:
            g.dredd_live.pop("deleted_at")

    return _after("events.delete_event", 204, write, remember=remember)


def restore_not_kept() -> Flask:
    """`POST /events/{id}/restore` answers the restored event, but the row stays trashed."""

    def remember(args: dict[str, Any]) -> None:
        g.dredd_before = _row_of(Event, id=args["event_id"])

    def write(args: dict[str, Any]) -> None:
        deleted_at = (g.get("dredd_before") or {}).get("deleted_at")
        db.session.execute(
            update(Event).where(Event.id == args["event_id"]).values(deleted_at=deleted_at)
        )

    return _after("events.restore_event", 200, write, remember=remember)


def logout_keeps_the_session() -> Flask:
    """`POST /auth/logout` clears the cookies but keeps the session row: the old cookie works."""

    def remember(args: dict[str, Any]) -> None:
        g.dredd_sessions = [dict(r) for r in db.session.execute(
            select(LoginSession.__table__)).mappings()]  # fmt: skip

    def write(args: dict[str, Any]) -> None:
        kept = {r["id"] for r in db.session.execute(select(LoginSession.id)).mappings()}
        for row in g.get("dredd_sessions", []):
            if row["id"] not in kept:
                db.session.execute(insert(LoginSession).values(**row))

    return _after("auth.logout", 204, write, remember=remember)


def ping_does_not_extend() -> Flask:
    """`POST /auth/ping` answers a new expiry but leaves the session's as it was."""
    return _ping_puts_expiry_back(timedelta(0))


def ping_shortens() -> Flask:
    """`POST /auth/ping` moves the session's expiry a minute earlier instead of later."""
    return _ping_puts_expiry_back(-timedelta(minutes=1))


def _ping_puts_expiry_back(shift: timedelta) -> Flask:
    """A ping whose write sets each session's expiry to what it was before, plus `shift`."""

    def remember(args: dict[str, Any]) -> None:
        g.dredd_expiries = {r.id: r.expires_at for r in db.session.execute(
            select(LoginSession.id, LoginSession.expires_at))}  # fmt: skip

    def write(args: dict[str, Any]) -> None:
        for session_id, expires_at in g.get("dredd_expiries", {}).items():
            db.session.execute(
                update(LoginSession).where(LoginSession.id == session_id)
                .values(expires_at=expires_at + shift)
            )  # fmt: skip

    return _after("auth.ping", 200, write, remember=remember)


def refused_update_writes() -> Flask:
    """A `PATCH /events/{id}` refused to a non-owner (403) still renames the event."""

    def write(args: dict[str, Any]) -> None:
        db.session.execute(
            update(Event).where(Event.id == args["event_id"]).values(title="Renamed anyway")
        )

    return _after("events.update_event", 403, write)


def refused_restore_writes() -> Flask:
    """A `POST /events/{id}/restore` refused to a non-owner (404: another's trash is not
    theirs to see) restores the event anyway."""

    def write(args: dict[str, Any]) -> None:
        db.session.execute(
            update(Event).where(Event.id == args["event_id"]).values(deleted_at=None)
        )

    return _after("events.restore_event", 404, write)


def soft_delete_hides_nothing() -> Flask:
    """`DELETE /events/{id}` trashes the row, then a stray commit brings it back live."""

    def write(args: dict[str, Any]) -> None:
        if request.args.get("permanent") != "true":
            db.session.execute(
                update(Event).where(Event.id == args["event_id"]).values(deleted_at=None)
            )

    return _after("events.delete_event", 204, write)


def login_cookie_names_no_session() -> Flask:
    """`POST /auth/session` answers 201 with its cookies, then a stray write re-keys the
    new session row: the cookie the browser got names no session."""

    def write(args: dict[str, Any]) -> None:
        newest = db.session.scalar(select(LoginSession.id).order_by(LoginSession.id.desc()))
        db.session.execute(
            update(LoginSession).where(LoginSession.id == newest).values(key_hash="0" * 64)
        )

    return _after("auth.open_session", 201, write)


STATE = [
    ("hard instead of soft delete", hard_delete),
    ("permanent ignored", permanent_ignored),
    ("restore not committed", restore_not_kept),
    ("logout keeps the session", logout_keeps_the_session),
    ("ping does not extend", ping_does_not_extend),
    ("ping shortens the session", ping_shortens),
    ("refused update writes", refused_update_writes),
    ("refused restore writes", refused_restore_writes),
    ("soft delete not kept", soft_delete_hides_nothing),
    ("login cookie names no session", login_cookie_names_no_session),
]

DRIFTS = [Drift(name, f"drift.state:{make.__name__}()", make.__doc__ or "") for name, make in STATE]
