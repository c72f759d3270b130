"""Check `follow-up`: after a transaction, the follow-up requests declared on it.

Declared with `follow_up(trigger, ask, carry=…, cookies_set=…)`
(`flask_dredd.probes.followup`, which also sends the request and compares the answer).
Armed once per run with the documented transactions the follow-ups ask (the whole
contract's, since a shard runs only some of them). After a transaction that ran, each of
its follow-ups is asked; each difference of an answer is a failing finding under the
follow-up's heading (its request, what it carried, where it was declared).

A follow-up whose request this run's blueprint does not document (a partial or draft
blueprint) is not asked: a note of kind ``vacuous``, as for an example whose filter
proves nothing (`flask dredd check --strict` fails on it).
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_dredd.checks.finding import Finding, difference, note
from flask_dredd.checks.protocol import Check, Context, register
from flask_dredd.probes import followup
from flask_dredd.transactions import Transaction


@register
class FollowUps(Check):
    name, order = "follow-up", 40

    def arm(self, transactions: Sequence[Transaction]) -> None:
        followup.arm(list(transactions))

    def check(self, context: Context) -> list[Finding]:
        if not context.ran:
            return []
        found: list[Finding] = []
        for probe in [p for p in followup.follow_ups() if p.trigger == context.name]:
            if followup.documented(probe.ask) is False:
                found.append(note(self.name, "vacuous", (
                    f"follow-up {probe.ask!r} not asked: this run's blueprint does not "
                    "document it (see `flask dredd names`)")))  # fmt: skip
                continue
            heading = probe.heading()
            found += [difference(self.name, line, kind="follow-up", heading=heading)
                      for line in followup.ask(probe, context.transaction)]  # fmt: skip
        return found
