"""JSON laid out for an example body people read and review as a diff.

The blueprint writes short JSON on one line, with the separators of `json.dumps`
(`{"error": {"status": 404, "code": "not_found", ...}}`). `layout` keeps that form for
whatever fits in the width and breaks anything longer one member per line, indented by
4, so a list of rows reads one field per line and a changed value is a one-line diff.
Key order is the server's; non-ASCII text stays readable.
"""

from __future__ import annotations

import json
from typing import Any

INDENT = "    "
WIDTH = 88  # the content's width; the blueprint indents example bodies 12 more columns


def one_line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def layout(value: Any, width: int = WIDTH) -> list[str]:
    """`value` as lines: one line when it fits in `width`, else one member per line."""
    return _lines(value, "", "", "", width)


def _lines(value: Any, indent: str, label: str, suffix: str, width: int) -> list[str]:
    """`value` under `indent`, its first line after `label` (a key), its last before `suffix`."""
    flat = indent + label + one_line(value) + suffix
    if not isinstance(value, dict | list) or not value or len(flat) <= width:
        return [flat]
    members: list[tuple[str, Any]] = (
        [(one_line(key) + ": ", item) for key, item in value.items()]
        if isinstance(value, dict)
        else [("", item) for item in value]
    )
    opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
    out = [indent + label + opening]
    for position, (key, item) in enumerate(members):
        comma = "," if position < len(members) - 1 else ""
        out += _lines(item, indent + INDENT, key, comma, width)
    out.append(indent + closing + suffix)
    return out
