"""One example's documented response, rewritten from the response the app really gave.

`rewrite_response` returns the new lines of one `+ Response` (see
`flask_dredd.contract.apib_text` for the layout) and notes for the author:

- the status, and the media type in parentheses from the real `Content-Type`;
- each header the example documents gets the real value (a `Set-Cookie` line the real
  cookie of the same name); a documented header the app no longer sends is removed,
  with a note. Headers the example does not document are not added: the author chose
  which headers are part of the contract;
- the body: the real JSON, laid out as the file lays out JSON (`flask_dredd.contract.json_layout`;
  a body that was on one line stays on one line), with every volatile value replaced by
  its matcher's placeholder. A value a volatile rule covers but its matcher refuses is
  written as it is, with a note: the run will fail on it, as it should. A body that
  says the same as the example's (same JSON) keeps the example's text;
- Attributes and Schema sections, and every line outside this response, are untouched.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

from flask_dredd.contract.apib_text import (
    ResponseText,
    Section,
    header_lines,
    render_section,
    response_heading,
    section_content,
)
from flask_dredd.contract.json_layout import layout, one_line

JsonPath = tuple[str | int, ...]


class Matcher(Protocol):
    name: str
    placeholder: object

    def matches(self, value: object) -> bool: ...


class Volatile(Protocol):
    """What the project declared volatile: a matcher for a body path or a header."""

    def body_matcher(self, transaction: str, path: JsonPath) -> Matcher | None: ...

    def header_matcher(
        self, transaction: str, header: str, cookie: str | None
    ) -> Matcher | None: ...


def rewrite_response(
    lines: list[str],
    response: ResponseText,
    real: Mapping[str, Any],
    volatile: Volatile,
    transaction: str,
) -> tuple[list[str], list[str]]:
    """The response's new lines (its whole region) and notes for the author."""
    notes: list[str] = []
    headers = _lower_keys(real.get("headers") or {})
    content_type = _first(headers.get("content-type"))
    status = int(real["statusCode"])
    if status != response.status:
        notes.append(f"status: documented {response.status}, now {status}")
    blocks: list[list[str]] = []
    body_written = False
    for section in response.sections:
        if section.keyword == "Headers":
            content = _headers(lines, section, headers, volatile, transaction, notes)
            blocks += [render_section("Headers", content)] if content else []
        elif section.keyword == "Body":
            blocks += _body(lines, section, real.get("body"), content_type, volatile,
                            transaction, notes)  # fmt: skip
            body_written = True
        else:
            if section.keyword == "Schema" and not body_written:
                blocks += _body(lines, None, real.get("body"), content_type, volatile,
                                transaction, notes)  # fmt: skip
                body_written = True
            blocks.append(lines[section.start : section.end])
    if not body_written:
        blocks += _body(lines, None, real.get("body"), content_type, volatile, transaction, notes)
    region = lines[response.start : response.end]
    trailing = len(region) - len(_without_trailing_blanks(region))
    # A response without a body has no media type to document (Flask still labels an
    # empty 204 text/html), unless the example already shows one.
    has_body = bool(str(real.get("body") or "").strip())
    media_type = content_type if has_body or response.media_type else None
    if media_type != response.media_type:
        notes.append(f"media type: documented {response.media_type}, now {media_type}")
    new = [response_heading(status, media_type), ""]
    for block in blocks:
        new += [*_without_trailing_blanks(block), ""]
    return [*_without_trailing_blanks(new), *[""] * trailing], notes


def _headers(
    lines: list[str],
    section: Section,
    real: Mapping[str, Any],
    volatile: Volatile,
    transaction: str,
    notes: list[str],
) -> list[str]:
    content = []
    for name, documented in header_lines(lines, section):
        value = _header_value(name, documented, real, volatile, transaction)
        if value is None:
            notes.append(f"header {name}: the response has none; removed from the example")
            continue
        content.append(f"{name}: {value}")
    return content


def _header_value(
    name: str, documented: str, real: Mapping[str, Any], volatile: Volatile, transaction: str
) -> str | None:
    values = real.get(name.lower())
    if values is None:
        return None
    if name.lower() != "set-cookie":
        value = ", ".join(values) if isinstance(values, list) else str(values)
        if same_header_value(name, documented, value):
            return documented
        return _volatile(volatile.header_matcher(transaction, name, None), value, documented)
    # One line per cookie: the real Set-Cookie of the cookie this line documents.
    cookie, _, documented_rest = documented.partition("=")
    cookie = cookie.strip()
    for candidate in values if isinstance(values, list) else [values]:
        real_name, _, rest = str(candidate).partition("=")
        if real_name.strip() == cookie:
            value, semicolon, attributes = rest.partition(";")
            matcher = volatile.header_matcher(transaction, name, cookie)
            value = _volatile(matcher, value, documented_rest.partition(";")[0])
            return f"{cookie}={value}{semicolon}{attributes}"
    return None


def same_header_value(name: str, documented: str, real: str) -> bool:
    """Whether the comparison takes `real` for `documented`: then the example's text stays
    (a Location is a URL path, Vary and Cache-Control are sets, WWW-Authenticate a scheme)."""
    kind = name.lower()
    if kind == "location":
        return urlsplit(documented)[2:4] == urlsplit(real)[2:4]  # path and query
    if kind in ("vary", "cache-control"):
        return _token_set(documented) == _token_set(real)
    if kind == "www-authenticate":
        return [w.lower() for w in documented.split()[:1]] == [w.lower() for w in real.split()[:1]]
    return documented == real


def _token_set(value: str) -> set[str]:
    return {part.strip().lower() for part in value.split(",") if part.strip()}


def _volatile(matcher: Matcher | None, value: str, documented: str) -> str:
    """A volatile header value as the example shows it: the documented value if the
    matcher accepts that too (no needless diff), else the placeholder."""
    if matcher is None or not matcher.matches(value):
        return value
    return documented if matcher.matches(documented) else str(matcher.placeholder)


def _body(
    lines: list[str],
    section: Section | None,
    body: Any,
    content_type: str | None,
    volatile: Volatile,
    transaction: str,
    notes: list[str],
) -> list[list[str]]:
    """The Body section's blocks: none for an empty body, else one."""
    text = body if isinstance(body, str) else ("" if body is None else json.dumps(body))
    old = section_content(lines, section) if section else []
    if not text.strip():
        if old:
            notes.append("body: the response has none; removed from the example")
        return []
    value: Any = None
    is_json = "json" in (content_type or "")
    if is_json:
        try:
            value = json.loads(text)
        except ValueError:
            is_json = False
            notes.append("body: said to be JSON but does not parse; written as it came")
    if is_json:
        documented = _parsed(old)
        value = _placeholders(value, (), volatile, transaction, notes, documented)
        unchanged = bool(old) and documented == value
        content = [one_line(value)] if len(old) == 1 else layout(value)
    else:
        content = text.splitlines()
        unchanged = content == old
    if section is not None and unchanged:
        return [_section_lines(lines, section)]
    return [render_section("Body", content, bare=section is not None and section.bare)]


def _placeholders(
    value: Any,
    path: JsonPath,
    volatile: Volatile,
    transaction: str,
    notes: list[str],
    documented: Any = None,
) -> Any:
    """`value` with every volatile leaf replaced by its matcher's placeholder, or by the
    value the example documents at the same path when the matcher accepts that one.
    Keys keep the example's order (JSON objects have none; a diff does), new keys last."""
    if isinstance(value, dict):
        old = documented if isinstance(documented, dict) else {}
        keys = [k for k in old if k in value] + [k for k in value if k not in old]
        return {k: _placeholders(value[k], (*path, k), volatile, transaction, notes, old.get(k))
                for k in keys}  # fmt: skip
    if isinstance(value, list):
        earlier = documented if isinstance(documented, list) else []
        return [_placeholders(v, (*path, i), volatile, transaction, notes,
                              earlier[i] if i < len(earlier) else None)
                for i, v in enumerate(value)]  # fmt: skip
    matcher = volatile.body_matcher(transaction, path)
    if matcher is None or value is None:  # null stays null: a nullable field is exact
        return value
    if matcher.matches(value):
        return documented if matcher.matches(documented) else matcher.placeholder
    notes.append(
        f"{json_path(path)}: {value!r} is volatile but does not match {matcher.name}; "
        "written as it is (the run will fail on it)"
    )
    return value


def json_path(path: JsonPath) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _section_lines(lines: list[str], section: Section) -> list[str]:
    # A bare body's section starts at the response line, which is written anew.
    return lines[section.start + 1 if section.bare else section.start : section.end]


def _parsed(lines: list[str]) -> Any:
    try:
        return json.loads("\n".join(lines)) if lines else None
    except ValueError:
        return None


def _lower_keys(headers: Mapping[str, Any]) -> dict[str, Any]:
    return {str(key).lower(): value for key, value in headers.items()}


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        return str(value[0]) if value else None
    return None if value is None else str(value)


def _without_trailing_blanks(block: list[str]) -> list[str]:
    end = len(block)
    while end and not block[end - 1].strip():
        end -= 1
    return block[:end]
