"""The headers an example documents against the real ones, each by its own rule.

Only documented headers are compared; a name is matched case-insensitively.

- `Location`: as a URL path (and query) with the example's, relative or absolute: the
  server's scheme and host are the run's own;
- `Content-Type`: exactly, type and parameters (names and the charset's value in any
  case, parameters in any order);
- `WWW-Authenticate`: the set of challenge schemes (`Bearer`), not their parameters;
- `Set-Cookie`: the documented cookie, found by name among the real ones, attribute by
  attribute: HttpOnly, Secure, SameSite, Path, and Max-Age and Expires as present or
  absent; its value exactly, or through the volatile table (`volatile_header(…,
  cookie=…)`). Dredd keeps one documented Set-Cookie per response (the last);
- `Vary`, `Cache-Control`: as sets of comma-separated entries;
- any other header: its value exactly (surrounding whitespace aside).

A header declared volatile (`volatile_header("ETag", matchers.ANY)`) is checked by its
matcher instead; where the example shows an empty value, empty is still required.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from flask_dredd.matchers import ANY, Matcher

#: (header name in lower case, matcher, cookie name for Set-Cookie or None)
VolatileHeaderRule = tuple[str, Matcher, str | None]


def real_headers(headers: object) -> dict[str, list[str]]:
    """Dredd's `real.headers` (lower-case names; Set-Cookie a list) as name → values."""
    found: dict[str, list[str]] = {}
    if isinstance(headers, Mapping):
        for name, value in headers.items():
            values = value if isinstance(value, list) else [value]
            found.setdefault(str(name).lower(), []).extend(str(v) for v in values)
    return found


def compare_headers(
    documented: Mapping[str, str], actual: object, volatile: Sequence[VolatileHeaderRule] = ()
) -> list[str]:
    real = real_headers(actual)
    differences: list[str] = []
    for name, value in documented.items():
        lower = name.lower()
        expected = str(value).strip()
        got = real.get(lower)
        if lower == "set-cookie":
            differences += _set_cookie(name, expected, got or [], volatile)
            continue
        if got is None:
            differences.append(f"header {name}: documented {expected}, got none")
            continue
        joined = ", ".join(v.strip() for v in got)
        matcher = next((m for h, m, c in volatile if h == lower and c is None), None)
        if matcher is not None:
            differences += _volatile(name, expected, joined, matcher)
        elif lower in RULES:
            differences += RULES[lower](name, expected, joined)
        elif expected != joined:
            differences.append(f"header {name}: documented {expected}, got {joined}")
    return differences


def _volatile(name: str, expected: str, got: str, matcher: Matcher) -> list[str]:
    if matcher is ANY:
        return []
    if not expected:
        return [] if not got else [f"header {name}: documented an empty value, got {got}"]
    if not matcher.matches(expected):
        return [f"header {name}: documented {expected}, which is not a {matcher.name} (volatile)"]
    if not matcher.matches(got):
        return [f"header {name}: documented a {matcher.name}, got {got}"]
    return []


def _location(name: str, expected: str, got: str) -> list[str]:
    def path(url: str) -> str:
        parts = urlsplit(url)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    if path(expected) != path(got):
        return [f"header {name}: documented {path(expected)}, got {path(got)}"]
    return []


def _media_type(value: str) -> tuple[str, frozenset[tuple[str, str]]]:
    kind, *parameters = value.split(";")
    found = set()
    for parameter in parameters:
        key, _, setting = parameter.partition("=")
        key, setting = key.strip().lower(), setting.strip().strip('"')
        if key:
            found.add((key, setting.lower() if key == "charset" else setting))
    return kind.strip().lower(), frozenset(found)


def _content_type(name: str, expected: str, got: str) -> list[str]:
    if _media_type(expected) != _media_type(got):
        return [f"header {name}: documented {expected}, got {got}"]
    return []


def _schemes(value: str) -> list[str]:
    """The challenge schemes of a WWW-Authenticate value: `Bearer realm="x", Basic` → 2."""
    schemes = []
    for part in value.split(","):
        token = part.strip().split(" ", 1)[0]
        if token and "=" not in token and '"' not in token:
            schemes.append(token)
    return schemes


def _www_authenticate(name: str, expected: str, got: str) -> list[str]:
    documented, real = _schemes(expected), _schemes(got)
    if {s.lower() for s in documented} != {s.lower() for s in real}:
        shown = ", ".join(real) or "no scheme"
        return [f"header {name}: documented scheme {', '.join(documented)}, got {shown}"]
    return []


def _entries(value: str) -> set[str]:
    """`no-cache, Max-Age=60` → {"no-cache", "max-age=60"}: names in lower case, values kept."""
    found = set()
    for entry in value.split(","):
        key, sep, setting = entry.strip().partition("=")
        if key.strip():
            found.add(f"{key.strip().lower()}={setting.strip()}" if sep else key.strip().lower())
    return found


def _as_set(name: str, expected: str, got: str) -> list[str]:
    if _entries(expected) != _entries(got):
        return [f"header {name}: documented {expected}, got {got}"]
    return []


RULES = {
    "location": _location,
    "content-type": _content_type,
    "www-authenticate": _www_authenticate,
    "vary": _as_set,
    "cache-control": _as_set,
}


# ---------------------------------------------------------------- Set-Cookie


class Cookie:
    __slots__ = ("name", "value", "attributes")

    def __init__(self, text: str) -> None:
        pair, *attributes = text.split(";")
        name, _, value = pair.partition("=")
        self.name, self.value = name.strip(), value.strip()
        self.attributes: dict[str, str | None] = {}
        for attribute in attributes:
            key, sep, setting = attribute.strip().partition("=")
            if key:
                self.attributes[key.lower()] = setting.strip() if sep else None

    def has(self, attribute: str) -> bool:
        return attribute.lower() in self.attributes

    def shown(self, attribute: str) -> str:
        """`SameSite=Lax`, `HttpOnly`, or `none` when absent."""
        if not self.has(attribute):
            return "none"
        setting = self.attributes[attribute.lower()]
        return attribute if setting is None else f"{attribute}={setting}"


def _set_cookie(
    name: str, expected: str, got: list[str], volatile: Sequence[VolatileHeaderRule]
) -> list[str]:
    documented = Cookie(expected)
    where = f"header {name} {documented.name}"
    real = next((c for c in map(Cookie, got) if c.name == documented.name), None)
    if real is None:
        names = ", ".join(Cookie(text).name for text in got) or "no Set-Cookie"
        return [f"{where}: documented, got no such cookie (got {names})"]
    differences = []
    for attribute, compare_value in _COOKIE_ATTRIBUTES:
        if not _same_attribute(documented, real, attribute, compare_value):
            shown = documented.shown(attribute) if compare_value else attribute
            wanted = shown if documented.has(attribute) else f"no {attribute}"
            differences.append(f"{where}: documented {wanted}, got {real.shown(attribute)}")
    matcher = next((m for h, m, c in volatile if h == "set-cookie" and c == documented.name), None)
    return differences + [f"{where}: {text}" for text in _cookie_value(documented, real, matcher)]


#: The attributes compared, and whether their value counts (else present or absent).
_COOKIE_ATTRIBUTES = (
    ("HttpOnly", False), ("Secure", False), ("SameSite", True), ("Path", True),
    ("Max-Age", False), ("Expires", False),
)  # fmt: skip


def _same_attribute(documented: Cookie, real: Cookie, attribute: str, compare_value: bool) -> bool:
    if documented.has(attribute) != real.has(attribute):
        return False
    if not compare_value:
        return True
    want = documented.attributes.get(attribute.lower()) or ""
    have = real.attributes.get(attribute.lower()) or ""
    # SameSite's values are case-insensitive tokens; a Path is a case-sensitive path.
    return want.lower() == have.lower() if attribute == "SameSite" else want == have


def _cookie_value(documented: Cookie, real: Cookie, matcher: Matcher | None) -> list[str]:
    if matcher is ANY:
        return []
    if matcher is not None and documented.value:
        if not matcher.matches(documented.value):
            return [
                f"documented value {documented.value}, which is not a {matcher.name} (volatile)"
            ]
        if not matcher.matches(real.value):
            return [f"documented a {matcher.name} value, got {real.value}"]
        return []
    if documented.value != real.value:
        return [f"documented value {documented.value or '(empty)'}, got {real.value or '(empty)'}"]
    return []
