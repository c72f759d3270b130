"""Page-number pagination for list routes: ``?page=2&per_page=20``.

A list answers ``{"items": [...], "meta": {"page", "per_page", "total", "pages"}}``; a page
past the end is an empty list, while a page or page size out of bounds is a 422.
"""

from collections.abc import Callable
from typing import Any

from flask import current_app
from sqlalchemy import Select

from eventapi.extensions import db
from eventapi.validation import Field, query_int


def page_fields() -> dict[str, Field]:
    """Schema fields for ``page`` and ``per_page``, to merge into a list route's query schema."""
    maximum = current_app.config["MAX_PER_PAGE"]
    return {
        "page": Field(query_int(minimum=1), required=False),
        "per_page": Field(query_int(minimum=1, maximum=maximum), required=False),
    }


def paginate(query: Select, params: dict[str, Any], to_json: Callable[[Any], dict]) -> dict:
    page = params.get("page", 1)
    per_page = params.get("per_page", current_app.config["DEFAULT_PER_PAGE"])
    result = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return {
        "items": [to_json(item) for item in result.items],
        "meta": {"page": page, "per_page": per_page, "total": result.total, "pages": result.pages},
    }
