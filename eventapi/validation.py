"""A small schema layer: a schema maps field names to parsers.

A parser turns one raw value into a clean one or raises `ValueError` with a message for
the client. `load` runs a schema over a mapping and collects every problem, so a 422
names all bad fields at once (``{"fields": {"email": ["Not a valid email address."]}}``).
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import request
from werkzeug.routing import BaseConverter

from eventapi.errors import ApiError, ValidationFailed

Parser = Callable[[Any], Any]


@dataclass(frozen=True)
class Field:
    parse: Parser
    required: bool = True


Schema = Mapping[str, Field]


def load(
    schema: Schema, data: Mapping[str, Any], *, partial: bool = False, strict: bool = True
) -> dict[str, Any]:
    """Clean values for the fields present in `data`.

    `partial` (PATCH) makes every field optional; `strict` rejects unknown fields, so a
    typo such as ``"titel"`` is reported instead of silently ignored.
    """
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    if strict:
        for name in data.keys() - schema.keys():
            errors[name] = ["Unknown field."]
    for name, field in schema.items():
        if name not in data:
            if field.required and not partial:
                errors[name] = ["Missing data for required field."]
            continue
        try:
            cleaned[name] = field.parse(data[name])
        except ValueError as exc:
            errors[name] = [str(exc)]
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 415/400 that says what was wrong with it."""
    if not request.is_json:
        raise ApiError(
            415,
            "unsupported_media_type",
            "Send the request body as JSON with 'Content-Type: application/json'.",
        )
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, "malformed_json", "The request body is not valid JSON.")
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", "The request body must be a JSON object.")
    return data


# Parsers for JSON bodies: types are checked strictly, nothing is coerced.


def text(*, min_length: int = 1, max_length: int, strip: bool = True) -> Parser:
    def parse(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError("Must be a string.")
        if strip:
            value = value.strip()
        if len(value) < min_length:
            raise ValueError(
                f"Must be at least {min_length} characters."
                if min_length > 1
                else "Must not be empty."
            )
        if len(value) > max_length:
            raise ValueError(f"Must be at most {max_length} characters.")
        return value

    return parse


EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def email(value: Any) -> str:
    value = text(max_length=254)(value).lower()
    if not EMAIL_PATTERN.match(value):
        raise ValueError("Not a valid email address.")
    return value


def aware_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("Must be an ISO 8601 date-time string.")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("Not an ISO 8601 date-time, e.g. 2025-06-01T09:00:00+00:00.") from None
    if parsed.tzinfo is None:
        raise ValueError("Must include a time zone offset, e.g. +00:00 or Z.")
    try:
        parsed.astimezone(UTC)  # stored in UTC: 9999-12-31T23:00:00-05:00 cannot be
    except OverflowError:
        raise ValueError("Out of range once converted to UTC.") from None
    return parsed


def nullable_id(value: Any) -> int | None:
    """An id in a JSON body, or null; booleans and numbers in strings are refused."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("Must be an id (a whole number) or null.")
    if not 1 <= value <= MAX_ID:
        raise ValueError(f"Must be between 1 and {MAX_ID}.")
    return value


# Parsers for query strings, whose values always arrive as text.


INTEGER_PATTERN = re.compile(r"-?[0-9]{1,18}")
# Ids are 32-bit integer columns: a bigger number would make PostgreSQL raise, not miss.
MAX_ID = 2**31 - 1


def _numbers_up_to(limit: int) -> str:
    """A regex matching exactly the whole numbers from 1 to `limit`, without leading zeros."""
    digits = str(limit)
    shorter = f"[1-9][0-9]{{0,{len(digits) - 2}}}" if len(digits) > 1 else None
    same_length = []
    for i, digit in enumerate(digits):
        lowest = 1 if i == 0 else 0
        if int(digit) > lowest:
            rest = len(digits) - i - 1
            same_length.append(f"{digits[:i]}[{lowest}-{int(digit) - 1}][0-9]{{{rest}}}")
    same_length.append(digits)
    return "|".join(filter(None, [shorter, *same_length]))


class IdConverter(BaseConverter):
    """``<id:user_id>`` in a route: an id that fits the column, anything else is a 404.

    The range is in the regex itself: a converter that refuses a value after matching
    (werkzeug's ``IntegerConverter(max=…)``) makes werkzeug answer 405 instead of 404
    whenever another method of the same path exists.
    """

    regex = f"(?:{_numbers_up_to(MAX_ID)})"
    part_isolating = True

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(int(value))


def query_int(*, minimum: int, maximum: int = MAX_ID) -> Parser:
    def parse(value: str) -> int:
        if not INTEGER_PATTERN.fullmatch(value):
            raise ValueError("Must be a whole number.")
        number = int(value)
        if number < minimum:
            raise ValueError(f"Must be at least {minimum}.")
        if number > maximum:
            raise ValueError(f"Must be at most {maximum}.")
        return number

    return parse


def query_text(*, max_length: int) -> Parser:
    return text(min_length=0, max_length=max_length)


def query_bool(value: str) -> bool:
    if value not in ("true", "false"):
        raise ValueError("Must be true or false.")
    return value == "true"
