"""Check `exact-headers`: each header the example documents, against the real one.

Only documented headers are compared, each by its own rule (`flask_dredd.exact.headers`:
Location as a path, Content-Type by its parameters, Set-Cookie attribute by attribute, a
declared `volatile_header` by its matcher, …). Only a transaction Dredd was about to pass
is compared; one declared `inexact(name, reason=…)` is left to Gavel.
`FLASK_DREDD_EXACT=0` turns it off.

Each difference is a failing finding ``header <Name>: documented <a>, got <b>``; the
example's own differences come first in the failure message, headers before the body.
"""

from __future__ import annotations

from flask_dredd.checks.finding import Finding, difference
from flask_dredd.checks.protocol import Check, Context, register
from flask_dredd.exact.transaction import header_differences, mode, rules_for


@register
class ExactHeaders(Check):
    name, order = "exact-headers", 10

    def enabled(self) -> bool:
        return mode() != "off"

    def check(self, context: Context) -> list[Finding]:
        if not context.comparable:
            return []
        rules = rules_for(context.name)
        return [difference(self.name, line) for line in header_differences(context.transaction,
                                                                           rules)]  # fmt: skip
