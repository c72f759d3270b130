"""Query strings, checked the same way on every route.

A view declares the parameters it accepts with `@query(schema, paginated=...)`; before
the view runs, `parse_query` refuses any other parameter with a 400 naming it
(``unknown_parameter``: a typo such as ``?ownerid=1`` must not silently return
everything), refuses a parameter given twice or with a bad value with a 422, and leaves
the clean values in `query_params()`. A route that declares nothing accepts nothing.
"""

from typing import Any

from flask import Flask, current_app, g, request

from eventapi.errors import ApiError, ValidationFailed
from eventapi.pagination import page_fields
from eventapi.validation import Schema, load

SCHEMA_ATTRIBUTE = "query_schema"
PAGINATED_ATTRIBUTE = "query_paginated"


def query(schema: Schema | None = None, *, paginated: bool = False):
    def declare(view):
        setattr(view, SCHEMA_ATTRIBUTE, dict(schema or {}))
        setattr(view, PAGINATED_ATTRIBUTE, paginated)
        return view

    return declare


def accepted(view) -> Schema:
    schema = dict(getattr(view, SCHEMA_ATTRIBUTE, {}))
    if getattr(view, PAGINATED_ATTRIBUTE, False):
        schema |= page_fields()
    return schema


def parse_query() -> None:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if view is None:
        return
    schema = accepted(view)
    unknown = sorted(set(request.args) - schema.keys())
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        known = ", ".join(sorted(schema))
        hint = f"This route accepts: {known}." if known else "This route takes none."
        raise ApiError(
            400,
            "unknown_parameter",
            f"Unknown query parameter{plural}: {', '.join(unknown)}. {hint}",
        )
    repeated = {
        name: ["Give it once."] for name in request.args if len(request.args.getlist(name)) > 1
    }
    if repeated:
        raise ValidationFailed(repeated)
    g.query = load(schema, request.args.to_dict())


def contains(text: str) -> str:
    """A LIKE pattern matching `text` literally, wildcards included (use escape="\\")."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def query_params() -> dict[str, Any]:
    return g.get("query", {})


def init_query(app: Flask) -> None:
    app.before_request(parse_query)
