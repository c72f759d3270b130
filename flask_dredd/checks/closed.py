"""Check `closed`: a response key the documentation does not declare is a finding.

Responses are closed by default. A key of the real JSON body is declared when the
example shows it at the same place or the body's JSON Schema (Dredd's, from the MSON)
lists it in `properties`; each item of an array is judged against the example's item
(`flask_dredd.exact.body.undocumented_keys`). Each other key is a failing finding
``$.debug: not documented, got true``.

The opt-out is `extra_allowed(path, reason=…, only=[…])` (`flask_dredd.declarations`):
undocumented keys at or below a matching path are allowed, and the transaction gets a
note of kind ``opt-out`` with the reason. Paths declared `inexact` or volatile with
`matchers.ANY` document no value, so keys below them are allowed too, and so is a
transaction declared `inexact(name, reason=…)` as a whole (its own note says so).

A key whose name matches the `secret-keys` setting (FLASK_DREDD_SECRET_KEYS, by default
``password|secret|hash|token``, case-insensitive) fails whenever it is undocumented,
under any opt-out and inside an undocumented object too: ``$.password_hash: undocumented
secret`` (its value is never shown).

Every response of the documented status with a JSON body is judged, also one Gavel
failed already (where the MSON is `fixed-type`, Gavel refuses the extra key too, but its
message does not say which): the finding names it. `FLASK_DREDD_EXACT=0` turns it off.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence

from flask_dredd.checks.finding import Finding, note
from flask_dredd.checks.protocol import Check, Context, register
from flask_dredd.declarations import ExtraAllowed, allowances
from flask_dredd.exact.body import parse_json, parse_schema, shown, undocumented_keys
from flask_dredd.exact.paths import Path, render, under
from flask_dredd.exact.transaction import mode, real_body, rules_for
from flask_dredd.matchers import ANY

SECRET_KEYS_ENV = "FLASK_DREDD_SECRET_KEYS"
SECRET_KEYS = "password|secret|hash|token"


def secret_keys(environ: Mapping[str, str] = os.environ) -> re.Pattern[str]:
    """The setting `secret-keys`, compiled; ValueError naming the fix when it is no regex."""
    text = environ.get(SECRET_KEYS_ENV, "").strip() or SECRET_KEYS
    try:
        return re.compile(text, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(
            f"{SECRET_KEYS_ENV}={text!r} is not a regular expression ({exc}): write one such "
            f"as {SECRET_KEYS!r}"
        ) from None


def is_secret(path: Path, secrets: re.Pattern[str]) -> bool:
    key = path[-1] if path else None
    return isinstance(key, str) and secrets.search(key) is not None


@register
class Closed(Check):
    name, order = "closed", 22

    def __init__(self) -> None:
        self.secrets = re.compile(SECRET_KEYS, re.IGNORECASE)

    def enabled(self) -> bool:
        return mode() != "off"

    def arm(self, transactions: Sequence[object]) -> None:
        self.secrets = secret_keys()

    def check(self, context: Context) -> list[Finding]:
        if not context.documented_status:
            return []
        documented = parse_json(context.expected.get("body"))
        actual = parse_json(real_body(context.real))
        if documented is None or actual is None:
            return []
        schema = parse_schema(context.expected.get("bodySchema"))
        rules = rules_for(context.name)
        undocumented_values = [*rules.body.inexact,
                               *(p for p, m in rules.body.volatile if m is ANY)]  # fmt: skip
        allowed = [a for a in allowances(context.name) if a.pattern is not None]
        found: list[Finding] = []
        used: dict[str, ExtraAllowed] = {}
        for key in undocumented_keys(documented, actual, schema):
            where = render(key.path)
            if is_secret(key.path, self.secrets):
                found.append(Finding(self.name, "undocumented secret",
                                     f"{where}: undocumented secret", where=where))  # fmt: skip
                continue
            if not key.top or rules.inexact_reason is not None:
                continue
            if under(undocumented_values, key.path):
                continue
            allowance = next((a for a in allowed if under([a.pattern], key.path)), None)
            if allowance is not None:
                used.setdefault(allowance.where, allowance)
                continue
            got = shown(key.value)
            found.append(Finding(self.name, "undocumented key",
                                 f"{where}: not documented, got {got}", where=where,
                                 actual=got))  # fmt: skip
        return [*(note(self.name, "opt-out", a.describe()) for a in used.values()), *found]
