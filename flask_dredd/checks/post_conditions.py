"""Check `state`: the post-conditions declared on a transaction, against the database.

The vocabulary is `flask_dredd.probes.conditions` (`row`, `gone`, `unchanged`, `count`,
`expect_state`, `unchanged_when_refused`); reading the database is
`flask_dredd.probes.state`. Armed once per run with the conditions of each transaction
(with the `unchanged` ones of a documented 4xx), the check watches the transactions that
have some: before the request, after the fixtures, it snapshots what they compare with;
after the response, each broken condition is a failing finding naming the table, the row
and both values, under the heading ``state after the request:``.

The database is the hooks' own, read through a connection of its own (`Context.database`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_dredd.checks.finding import Finding
from flask_dredd.checks.protocol import Check, Context, register
from flask_dredd.probes.conditions import Condition, conditions_for
from flask_dredd.transactions import Transaction

HEADING = "state after the request:"


@register
class PostConditions(Check):
    name, order = "state", 30

    def __init__(self) -> None:
        self.armed: dict[str, list[Condition]] = {}  # transaction name -> its conditions
        self.before_request: dict[str, tuple[list[Condition], list[Any]]] = {}

    def arm(self, transactions: Sequence[Transaction]) -> None:
        self.armed.clear()
        self.before_request.clear()
        for transaction in transactions:
            name = str(transaction.get("name") or "")
            status = (transaction.get("expected") or {}).get("statusCode")
            conditions = conditions_for(name, None if status is None else str(status))
            if conditions and name not in self.armed:
                self.armed[name] = conditions

    def watches(self, name: str) -> bool:
        return name in self.armed

    def before(self, context: Context) -> None:
        from flask_dredd.probes import state

        conditions = self.armed[context.name]
        self.before_request[context.name] = (
            conditions, state.snapshot(conditions, context.database())
        )  # fmt: skip

    def check(self, context: Context) -> list[Finding]:
        armed = self.before_request.pop(context.name, None)
        if armed is None or not context.ran:
            return []
        from flask_dredd.probes import state

        conditions, before = armed
        broken = state.check(conditions, before, context.database())
        return [Finding(self.name, "post-condition", line, where=_where(line), heading=HEADING)
                for line in broken]  # fmt: skip


def _where(line: str) -> str:
    """`table events, row id=1: …` → `table events, row id=1`."""
    where, sep, _ = line.partition(": ")
    return where if sep and where.startswith("table ") else ""
