"""Check `exact-body`: the documented body against the real one, value by value.

JSON: every value the example shows must come back equal, arrays keep their length and
order, objects their keys (keys the documentation does not declare are the check
`closed`'s). Volatile paths are checked by their
matcher, inexact paths not at all (`flask_dredd.exact.body`). Text: line by line.
`FLASK_DREDD_EXACT=0` turns it off.

Only a transaction Dredd was about to pass is compared. Each difference is a failing
finding ``<path>: documented <a>, got <b>``. A transaction that runs under an opt-out
(`inexact(name, reason=…)`, or inexact paths) gets a note of kind ``opt-out`` with the
reason, whatever its verdict: the console and the HTML report list it.
"""

from __future__ import annotations

from flask_dredd.checks.finding import Finding, difference, note
from flask_dredd.checks.protocol import Check, Context, register
from flask_dredd.exact.transaction import body_differences, mode, rules_for


@register
class ExactBody(Check):
    name, order = "exact-body", 20

    def enabled(self) -> bool:
        return mode() != "off"

    def check(self, context: Context) -> list[Finding]:
        if context.transaction.get("skip"):
            return []
        rules = rules_for(context.name)
        found = [note(self.name, "opt-out", rules.opted_out)] if rules.opted_out else []
        if not context.comparable:
            return found
        lines = body_differences(context.transaction, rules)
        return found + [difference(self.name, line) for line in lines]
