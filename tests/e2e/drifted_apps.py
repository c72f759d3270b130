"""The reference API with one deliberate drift from its documentation each.

Served by gunicorn in the drift tests (``--app-spec tests.e2e.drifted_apps:…``): the
contract run must fail against every one of them.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response

from eventapi import create_app


def _rename_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {("ident" if k == "id" else k): _rename_ids(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename_ids(v) for v in value]
    return value


def renamed_field() -> Flask:
    """Every `id` in a JSON response comes out as `ident`."""
    app = create_app()

    @app.after_request
    def rename(response: Response) -> Response:
        if response.is_json:
            response.set_data(app.json.dumps(_rename_ids(response.get_json())))
        return response

    return app


def changed_status() -> Flask:
    """Creation answers 200 instead of the documented 201."""
    app = create_app()

    @app.after_request
    def downgrade(response: Response) -> Response:
        if response.status_code == 201:
            response.status_code = 200
        return response

    return app
