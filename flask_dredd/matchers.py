"""Matchers for values that cannot be fixed in a documented example: timestamps, tokens, ids.

Exact comparison (`flask_dredd.exact`) compares every value an example shows, except at
the paths and headers declared volatile (`flask_dredd.declarations.volatile`), where the
value must satisfy a matcher instead:

    from flask_dredd import matchers
    volatile("$..created_at", matchers.DATETIME_UTC)

Built in: `DATETIME` (ISO-8601 date and time, with any offset or none), `DATETIME_UTC`
(the offset required and UTC: `Z` or `+00:00`), `DATE`, `UUID`, `JWT`, `token(length)`
(an opaque URL-safe token of exactly that length), `ANY` (any value at all, null
included), and `regex(name, pattern, placeholder)` for a project's own formats.

Each matcher has a `name` (shown in failure messages) and a `placeholder`: a fixed value
that satisfies it, which `flask dredd record` writes into examples in place of the real,
changing one.

Standard library only: matchers run inside the hooks handler.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime


class Matcher:
    """A named test for one kind of value, with a placeholder that passes it."""

    __slots__ = ("name", "placeholder", "_test")

    def __init__(self, name: str, placeholder: object, test: Callable[[object], bool]) -> None:
        self.name = name
        self.placeholder = placeholder
        self._test = test
        if not self.matches(placeholder):  # a matcher must accept its own placeholder
            raise ValueError(f"matcher {name}: placeholder {placeholder!r} does not match it")

    def matches(self, value: object) -> bool:
        """Whether `value` (a decoded JSON value or a header's text) is of this kind."""
        try:
            return bool(self._test(value))
        except (ValueError, TypeError, OverflowError):
            return False

    def __repr__(self) -> str:
        return f"<matcher {self.name}>"

    def __str__(self) -> str:
        return self.name


_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?P<offset>Z|[+-]\d{2}:?\d{2})?"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_URL_SAFE = re.compile(r"[A-Za-z0-9_-]*")
_JWT = re.compile(r"(?P<header>[A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def _full_match(pattern: re.Pattern[str], value: object) -> re.Match[str] | None:
    return pattern.fullmatch(value) if isinstance(value, str) else None


def _iso_datetime(value: object, *, utc: bool) -> bool:
    match = _full_match(_DATETIME, value)
    if match is None:
        return False
    offset = match.group("offset")
    if utc and offset not in ("Z", "+00:00", "+0000"):
        return False
    # The pattern admits 2026-13-45; the parser does not. Python 3.11 reads `Z` itself.
    datetime.fromisoformat(match.string.replace(" ", "T", 1))
    return True


def _iso_date(value: object) -> bool:
    return (
        isinstance(value, str) and bool(_DATE.fullmatch(value)) and bool(date.fromisoformat(value))
    )


def _uuid(value: object) -> bool:
    return isinstance(value, str) and bool(_UUID.fullmatch(value)) and bool(uuid.UUID(value))


def _jwt(value: object) -> bool:
    """Three base64url segments whose first decodes to a JSON object naming `alg`."""
    match = _full_match(_JWT, value)
    if match is None:
        return False
    segment = match.group("header")
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    return isinstance(header, dict) and "alg" in header


def _b64(data: dict[str, object]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


DATETIME = Matcher("DATETIME", "2026-01-01T09:00:00", lambda value: _iso_datetime(value, utc=False))
DATETIME_UTC = Matcher(
    "DATETIME_UTC", "2026-01-01T09:00:00+00:00", lambda value: _iso_datetime(value, utc=True)
)
DATE = Matcher("DATE", "2026-01-01", _iso_date)
UUID = Matcher("UUID", "00000000-0000-4000-8000-000000000000", _uuid)
JWT = Matcher(
    "JWT",
    f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64({'sub': '1'})}.placeholder-signature",
    _jwt,
)
ANY = Matcher("ANY", "…", lambda value: True)


def token(length: int) -> Matcher:
    """An opaque URL-safe token (`A-Z a-z 0-9 - _`) of exactly `length` characters."""
    if not isinstance(length, int) or isinstance(length, bool) or length < 1:
        raise ValueError(f"token(length) needs a positive whole length, got {length!r}")
    placeholder = ("placeholder-token-" * (length // 18 + 1))[:length]
    return Matcher(
        f"token({length})",
        placeholder,
        lambda value: (
            isinstance(value, str) and len(value) == length and bool(_URL_SAFE.fullmatch(value))
        ),
    )


def regex(name: str, pattern: str, placeholder: str) -> Matcher:
    """A project's own format: strings that match `pattern` entirely."""
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ValueError(
            f"matcher {name}: {pattern!r} is not a regular expression: {exc}"
        ) from None
    return Matcher(
        name, placeholder, lambda value: isinstance(value, str) and bool(compiled.fullmatch(value))
    )
