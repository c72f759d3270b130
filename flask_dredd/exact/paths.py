"""JSON path patterns for volatile and inexact declarations, and the paths of a JSON value.

A concrete path is a tuple of keys and indexes, written `$.items[0].id` in messages. A
pattern is written the same way with two wildcards:

    $              the root
    .key  ["key"]  a key of an object (the bracket form for keys with other characters)
    .*             any key
    [3]            an index of an array
    [*]            any index
    ..key          `key` at any depth below (`$..created_at`)

A pattern matches a path when it describes the whole path, not a part of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator

from flask_dredd.errors import FlaskDreddError

Path = tuple[str | int, ...]

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_STEP = re.compile(
    r"""\.\.(?P<deep>[A-Za-z_][A-Za-z0-9_-]*|\*)
      | \.(?P<key>[A-Za-z_][A-Za-z0-9_-]*|\*)
      | \[(?P<index>\d+|\*)\]
      | \[(?P<quoted>"(?:[^"\\]|\\.)*"|'[^']*')\]""",
    re.VERBOSE,
)

# Steps: ("key", k), ("any_key",), ("index", n), ("any_index",), ("deep", k or None).
Step = tuple[str, str | int | None]


class PatternError(FlaskDreddError, ValueError):
    """A path pattern that cannot be read; the message shows the form expected."""


class PathPattern:
    """A compiled path pattern; `matches(path)` tells whether it describes `path`."""

    __slots__ = ("text", "steps")

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or not text.startswith("$"):
            raise PatternError(
                f"{text!r} is not a path pattern: it starts with $, e.g. "
                '"$.items[*].id", "$..created_at", "$.meta.total"'
            )
        self.text = text
        self.steps = _parse(text)

    def __repr__(self) -> str:
        return f"PathPattern({self.text!r})"

    def __str__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PathPattern) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def matches(self, path: Path) -> bool:
        return _match(self.steps, 0, path, 0)


def _parse(text: str) -> tuple[Step, ...]:
    steps: list[Step] = []
    position = 1
    while position < len(text):
        found = _STEP.match(text, position)
        if found is None:
            raise PatternError(
                f"{text!r} is not a path pattern: cannot read {text[position:]!r} "
                f'(at character {position + 1}); steps are .key, ["key"], .*, [N], [*], ..key'
            )
        if found.group("deep") is not None:
            deep = found.group("deep")
            steps.append(("deep", None if deep == "*" else deep))
        elif found.group("key") is not None:
            key = found.group("key")
            steps.append(("any_key", None) if key == "*" else ("key", key))
        elif found.group("index") is not None:
            index = found.group("index")
            steps.append(("any_index", None) if index == "*" else ("index", int(index)))
        else:
            quoted = found.group("quoted")
            key = json.loads(quoted) if quoted.startswith('"') else quoted[1:-1]
            steps.append(("key", key))
        position = found.end()
    return tuple(steps)


def _match(steps: tuple[Step, ...], i: int, path: Path, j: int) -> bool:
    if i == len(steps):
        return j == len(path)
    kind, value = steps[i]
    if kind == "deep":
        # `..key`: skip any number of steps, then `key` (or any key for `..*`).
        for k in range(j, len(path)):
            part = path[k]
            named = isinstance(part, str) and (value is None or part == value)
            if named and _match(steps, i + 1, path, k + 1):
                return True
        return False
    if j == len(path):
        return False
    part = path[j]
    if kind == "key":
        ok = isinstance(part, str) and part == value
    elif kind == "any_key":
        ok = isinstance(part, str)
    elif kind == "index":
        ok = isinstance(part, int) and part == value
    else:  # any_index
        ok = isinstance(part, int)
    return ok and _match(steps, i + 1, path, j + 1)


def render(path: Path) -> str:
    """`$.items[0].id`; keys that are not plain names in brackets: `$["a b"]`."""
    parts = ["$"]
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif _PLAIN_KEY.fullmatch(part):
            parts.append(f".{part}")
        else:
            parts.append(f"[{json.dumps(part, ensure_ascii=False)}]")
    return "".join(parts)


def walk(value: object, path: Path = ()) -> Iterator[tuple[Path, object]]:
    """Every node of a decoded JSON value with its path, the root first."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, (*path, index))


def first_match(patterns: tuple[PathPattern, ...] | list[PathPattern], path: Path) -> int:
    """The index of the first pattern that matches `path`, or -1."""
    for index, pattern in enumerate(patterns):
        if pattern.matches(path):
            return index
    return -1


def under(patterns: Iterable[PathPattern | None], path: Path) -> bool:
    """Whether `path` or a path above it matches one of `patterns` (None matches nothing)."""
    return any(p is not None and p.matches(path[:depth])
               for p in patterns for depth in range(len(path) + 1))  # fmt: skip
