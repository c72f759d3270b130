"""A documented body against the real one: JSON value by value, anything else as text.

JSON: every value the example shows must come back equal (`true` is not `1`, `0` is not
`null`); arrays keep their length and order; objects keep their keys. Keys the documentation
does not declare (neither the example nor the body's JSON Schema, which Dredd makes from
the MSON) are found by `undocumented_keys`, which the check `closed` judges. At a path matching
a volatile pattern the value must satisfy its matcher instead (null documented: null
required); at an inexact path nothing is compared (Gavel's shape check stays).

Text: equal after trailing whitespace is dropped from each line and from the end.

Each difference is one line, `<path>: documented <value>, got <value>`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_dredd.exact.paths import Path, PathPattern, render
from flask_dredd.matchers import ANY, Matcher

#: Characters of a value shown in a message before it is cut.
SHOWN = 60
_MISSING = object()


@dataclass(frozen=True)
class BodyRules:
    volatile: Sequence[tuple[PathPattern, Matcher]] = ()
    inexact: Sequence[PathPattern] = ()


@dataclass
class _Walk:
    rules: BodyRules
    differences: list[str] = field(default_factory=list)


def shown(value: object) -> str:
    """A JSON value as a message shows it: compact JSON, cut after SHOWN characters."""
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    kinds: dict[type, str] = {dict: "object", list: "array", str: "string"}
    return kinds.get(type(value), "null")


def compare_json(
    documented: object, actual: object, rules: BodyRules, schema: object = None
) -> list[str]:
    """The differences between two decoded JSON values, root path `$`."""
    walk = _Walk(rules)
    _compare(walk, documented, actual, (), schema)
    return walk.differences


def _compare(walk: _Walk, documented: object, actual: object, path: Path, schema: object) -> None:
    rules = walk.rules
    if any(pattern.matches(path) for pattern in rules.inexact):
        return
    for pattern, matcher in rules.volatile:
        if pattern.matches(path):
            _check_volatile(walk, documented, actual, path, matcher)
            return
    where = render(path)
    if isinstance(documented, dict):
        if not isinstance(actual, dict):
            walk.differences.append(f"{where}: documented an object, got {shown(actual)}")
            return
        schemas = _object_schemas(schema)
        for key, value in documented.items():
            got = actual.get(key, _MISSING)
            if got is _MISSING:
                walk.differences.append(
                    f"{render((*path, key))}: documented {shown(value)}, got no such key"
                )
                continue
            _compare(walk, value, got, (*path, key), _property_schema(schemas, key))
        return
    if isinstance(documented, list):
        if not isinstance(actual, list):
            walk.differences.append(f"{where}: documented an array, got {shown(actual)}")
            return
        if len(documented) != len(actual):
            walk.differences.append(
                f"{where}: documented {_items(len(documented))}, got {len(actual)}"
            )
        for index, (value, got) in enumerate(zip(documented, actual, strict=False)):
            _compare(walk, value, got, (*path, index), _item_schema(schema, index))
        return
    if _kind(documented) != _kind(actual) or documented != actual:
        walk.differences.append(f"{where}: documented {shown(documented)}, got {shown(actual)}")


def _items(count: int) -> str:
    return "1 item" if count == 1 else f"{count} items"


def _check_volatile(
    walk: _Walk, documented: object, actual: object, path: Path, matcher: Matcher
) -> None:
    where = render(path)
    if matcher is ANY:
        return
    if documented is None:
        if actual is not None:
            walk.differences.append(f"{where}: documented null, got {shown(actual)}")
        return
    if not matcher.matches(documented):
        walk.differences.append(
            f"{where}: documented {shown(documented)}, which is not a {matcher.name} "
            "(volatile): fix the example"
        )
    elif not matcher.matches(actual):
        walk.differences.append(f"{where}: documented a {matcher.name}, got {shown(actual)}")


# ---------------------------------------------------------------- undocumented keys


@dataclass(frozen=True)
class Undocumented:
    """A key of the real body that the documentation does not declare."""

    path: Path
    value: object
    top: bool  # False for a key inside an undocumented key's value


def undocumented_keys(
    documented: object, actual: object, schema: object = None
) -> list[Undocumented]:
    """Every key of `actual` that neither the example nor the schema declares.

    A key is declared when the example's object at the same place has it, or when one of
    the schema's object alternatives lists it in `properties`. Each item of a real array
    is judged against the example's item at its index, or, past the example's items,
    against the keys of all of them together (and against the schema's `items`). Below an
    undocumented key every key is undocumented too (`top` False): a secret nested in it
    is still found. A real object where the documentation has neither an object nor
    properties is a type change (exact-body's), not judged here.
    """
    found: list[Undocumented] = []
    _undocumented(documented, actual, (), schema, found, declared=True)
    return found


def _undocumented(documented: object, actual: object, path: Path, schema: object,
                  found: list[Undocumented], *, declared: bool) -> None:  # fmt: skip
    if isinstance(actual, dict):
        schemas = _object_schemas(schema) if declared else []
        properties = {k for s in schemas if isinstance(s.get("properties"), dict)
                      for k in s["properties"]}  # fmt: skip
        example = documented if isinstance(documented, dict) else None
        if declared and example is None and not properties:
            return
        for key, value in actual.items():
            known = declared and ((example is not None and key in example) or key in properties)
            if not known:
                found.append(Undocumented((*path, key), value, top=declared))
            below = example.get(key) if example is not None else None
            _undocumented(below, value, (*path, key), _property_schema(schemas, key), found,
                          declared=known)  # fmt: skip
    elif isinstance(actual, list):
        items = documented if isinstance(documented, list) else []
        merged = _merged(items)
        for index, value in enumerate(actual):
            item = items[index] if index < len(items) else merged
            _undocumented(item, value, (*path, index), _item_schema(schema, index), found,
                          declared=declared)  # fmt: skip


def _merged(items: list[object]) -> object:
    """The example's items as one: an object with every key any of them shows."""
    objects = [item for item in items if isinstance(item, dict)]
    if not objects:
        return items[0] if items else None
    merged: dict[str, object] = {}
    for item in objects:
        for key, value in item.items():
            merged.setdefault(key, value)
    return merged


# ---------------------------------------------------------------- the JSON Schema's say
# Only what declares keys: the schema Dredd gets from MSON (draft 4/7: properties,
# items, anyOf/oneOf/allOf).


def _object_schemas(schema: object) -> list[dict[str, Any]]:
    """The object schemas that `schema` allows at this point (alternatives flattened)."""
    found: list[dict[str, Any]] = []
    _collect(schema, found, 0)
    return [s for s in found if s.get("type") in (None, "object") or "properties" in s]


def _collect(schema: object, found: list[dict[str, Any]], depth: int) -> None:
    if not isinstance(schema, dict) or depth > 8:
        return
    found.append(schema)
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key) or []:
            _collect(branch, found, depth + 1)


def _property_schema(schemas: list[dict[str, Any]], key: str) -> object:
    for schema in schemas:
        properties = schema.get("properties")
        if isinstance(properties, dict) and key in properties:
            return properties[key]
    return None


def _item_schema(schema: object, index: int) -> object:
    for candidate in [schema, *(b for k in ("anyOf", "oneOf") for b in _branches(schema, k))]:
        if isinstance(candidate, dict) and "items" in candidate:
            items = candidate["items"]
            if isinstance(items, list):
                return items[index] if index < len(items) else None
            return items
    return None


def _branches(schema: object, key: str) -> list[object]:
    return list(schema.get(key) or []) if isinstance(schema, dict) else []


# ---------------------------------------------------------------- text bodies


def compare_text(documented: str, actual: str) -> list[str]:
    """The first differing line of two text bodies, trailing whitespace ignored."""
    old = [line.rstrip() for line in documented.rstrip().splitlines()]
    new = [line.rstrip() for line in actual.rstrip().splitlines()]
    if old == new:
        return []
    for number, (a, b) in enumerate(zip(old, new, strict=False), start=1):
        if a != b:
            return [f"body line {number}: documented {shown(a)}, got {shown(b)}"]
    if len(old) > len(new):
        return [f"body line {len(new) + 1}: documented {shown(old[len(new)])}, got no such line"]
    return [f"body line {len(old) + 1}: documented no such line, got {shown(new[len(old)])}"]


def is_json_type(content_type: str | None) -> bool:
    media = (content_type or "").split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def compare_body(
    documented: str,
    actual: str,
    rules: BodyRules,
    *,
    content_type: str | None = None,
    schema: object = None,
) -> list[str]:
    """A documented body against the real one; no body documented, nothing compared.

    JSON when the documented Content-Type says so or the example is a JSON object or
    array; then a real body that is not JSON is one difference.
    """
    if not documented or not documented.strip():
        return []
    try:
        expected: object = json.loads(documented)
        looks_json = isinstance(expected, (dict, list)) or is_json_type(content_type)
    except ValueError:
        looks_json = False
    if not looks_json:
        return compare_text(documented, actual or "")
    try:
        got = json.loads(actual or "")
    except ValueError:
        text = (actual or "").strip()
        return [f"body: documented JSON, got {shown(text) if text else 'no body'}"]
    return compare_json(expected, got, rules, schema)


def parse_json(text: object) -> Any:
    """A body's JSON value; None when there is no body or it is not JSON."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def parse_schema(schema: object) -> object:
    """Dredd hands the body schema over as text; None when there is none or it is unreadable."""
    if isinstance(schema, str):
        try:
            return json.loads(schema)
        except ValueError:
            return None
    return schema if isinstance(schema, dict) else None
