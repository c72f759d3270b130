"""EventAPI with one deliberate drift from its documentation each.

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

from eventapi import create_app
from flask_dredd.drift import Drift
from flask_dredd.routes import rule_shape

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
