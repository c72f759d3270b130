"""Check `vacuity`: examples that prove less than they seem, noted (never failed).

After a `GET` that passed with a 2xx answer (`flask_dredd.probes.vacuity`):

- each query parameter (pagination aside) is dropped in turn and the request asked
  again; the same answer means the filter removes nothing on these fixtures:
  ``filter starts_after removes nothing here: add a fixture it must exclude``;
- a list declared `scoped_list(name, Model, owner=…)` whose table holds no row of
  another owner for it to leave out: ``list shows only its caller's rows here: …``.

Each flag is a note of kind ``vacuous``; `flask dredd check --strict` fails on them.
A transaction failed already (by a hook or an earlier check) is not looked at.
"""

from __future__ import annotations

from flask_dredd.checks.finding import Finding, note
from flask_dredd.checks.protocol import Check, Context, register
from flask_dredd.probes import vacuity


@register
class Vacuity(Check):
    name, order = "vacuity", 50

    def check(self, context: Context) -> list[Finding]:
        if not context.ran or context.failed:
            return []
        return [note(self.name, "vacuous", flag)
                for flag in vacuity.flags(context.transaction, context.database)]  # fmt: skip
