"""Check `security-headers`: security-relevant response headers, documented or not.

`exact-headers` compares the headers an example documents; a header it does not document
is never looked at, so a response that gains a CORS grant or a cookie passes. This check
looks at the real response's headers of the families that grant something to a client:

- `Access-Control-*` (a CORS grant: `Access-Control-Allow-Origin: *`);
- `Set-Cookie` (a cookie the client did not ask for);
- `Allow` (the methods a resource accepts: a 405 or an OPTIONS that grants more).

A header of these families that the example does not document (no header of that name)
is a failing finding ``header Access-Control-Allow-Origin: not documented, got "*"``; a
cookie is shown by its name only (``got cookie session``), never its value. The opt-out
is `extra_allowed("header Access-Control-Allow-Origin", reason=…, only=[…])`, noted with
its reason. Every response of the documented status is judged, also one Gavel failed
already; `inexact(name, reason=…)` and `FLASK_DREDD_EXACT=0` turn it off.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from flask_dredd.checks.finding import Finding, note
from flask_dredd.checks.protocol import Check, Context, register
from flask_dredd.declarations import allowances
from flask_dredd.exact.headers import Cookie
from flask_dredd.exact.transaction import mode, rules_for

#: Lower-case names, or prefixes ending in "-", of the headers judged when undocumented.
FAMILIES = ("access-control-", "set-cookie", "allow")


def security_relevant(name: str) -> bool:
    lower = name.lower()
    return any(lower.startswith(f) if f.endswith("-") else lower == f for f in FAMILIES)


def displayed(name: str) -> str:
    """`access-control-allow-origin` → `Access-Control-Allow-Origin`."""
    return "-".join(part.capitalize() for part in name.split("-"))


@register
class SecurityHeaders(Check):
    name, order = "security-headers", 12

    def enabled(self) -> bool:
        return mode() != "off"

    def check(self, context: Context) -> list[Finding]:
        if not context.documented_status or rules_for(context.name).inexact_reason is not None:
            return []
        documented = {str(k).lower() for k in _headers(context.expected)}
        allowed = {a.header: a for a in allowances(context.name) if a.header is not None}
        found: list[Finding] = []
        for name, value in _headers(context.real).items():
            lower = str(name).lower()
            if not security_relevant(lower) or lower in documented:
                continue
            if lower in allowed:
                found.insert(0, note(self.name, "opt-out", allowed[lower].describe()))
                continue
            where = f"header {displayed(lower)}"
            got = _shown(lower, value)
            found.append(Finding(self.name, "undocumented header",
                                 f"{where}: not documented, got {got}", where=where,
                                 actual=got))  # fmt: skip
        return found


def _headers(message: Mapping[str, object]) -> Mapping[str, object]:
    headers = message.get("headers")
    return headers if isinstance(headers, Mapping) else {}


def _shown(name: str, value: object) -> str:
    values = value if isinstance(value, list) else [value]
    if name == "set-cookie":
        names = ", ".join(Cookie(str(v)).name or "?" for v in values)
        return f"cookie {names}"
    return ", ".join(json.dumps(str(v)) for v in values)
