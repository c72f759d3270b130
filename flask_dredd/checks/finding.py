"""A finding: one thing a check found about one transaction, as its record keeps it.

Every check reports what it found as `Finding`s; the engine (`checks.engine`) fails the
transaction with the failing ones (one message, `checks.engine.fail`) and keeps every one
on the transaction, where the recorder writes it into the transaction's record
(`transactions.jsonl`, key ``findings``). The reports read them back from there
(`reporting.results`): nothing travels through a side file.

- `severity`: ``fail`` fails the transaction; ``note`` does not (an opt-out, an example
  that proves less than it seems): the console and the HTML report list notes, and
  `flask dredd check --strict` fails on the ``vacuous`` ones.
- `where`: a JSON path (``$.items[0].id``), ``header Name``, ``body``, ``table t, row
  id=1``, or "" when the finding is about the whole transaction.
- `expected`, `actual`: the two values as the message shows them, when it has two.
- `heading`: the line the message's findings are grouped under (a follow-up's request,
  "state after the request:"); None for the documented example's own differences.
- `line`: the blueprint line of the documented response, when known.

Standard library only: it runs inside the hooks handler.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

FAIL, NOTE = "fail", "note"
#: Where the engine keeps a transaction's findings on Dredd's transaction dict, and the
#: key of the transaction's record that holds them.
FINDINGS_KEY = "findings"


@dataclass(frozen=True)
class Finding:
    check: str  # the check's name: exact-body, state, vacuity, …
    kind: str  # difference, opt-out, post-condition, follow-up, vacuous, …
    message: str  # one line, as users read it
    where: str = ""
    expected: str | None = None
    actual: str | None = None
    severity: str = FAIL
    heading: str | None = None
    line: int | None = None

    @property
    def fails(self) -> bool:
        return self.severity == FAIL

    def as_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: object) -> Finding | None:
        """A finding read back from a record; None for what is not one (a torn line)."""
        if not isinstance(record, Mapping) or not record.get("check"):
            return None
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in record.items() if k in known}
        values.setdefault("kind", "finding")
        values.setdefault("message", "")
        return cls(**values)


def difference(
    check: str, line: str, *, kind: str = "difference", heading: str | None = None
) -> Finding:
    """A failing finding from a comparison's line, `<where>: documented <a>, got <b>`."""
    from flask_dredd.exact.transaction import parse_difference

    parsed = parse_difference(line)
    if parsed is None:
        return Finding(check, kind, line, heading=heading)
    where, _what, documented, got = parsed
    return Finding(check, kind, line, where=where, expected=documented, actual=got, heading=heading)


def note(check: str, kind: str, message: str) -> Finding:
    """A finding that does not fail its transaction."""
    return Finding(check, kind, message, severity=NOTE)


def findings_of(transaction: Mapping[str, Any]) -> list[Finding]:
    """The findings the engine kept on a transaction (Dredd's dict or a record)."""
    found = (Finding.from_record(r) for r in transaction.get(FINDINGS_KEY) or ())
    return [f for f in found if f is not None]


def record_fields(transaction: Mapping[str, Any]) -> dict[str, Any]:
    """The record's ``findings`` field: what the recorder adds to each transaction's line."""
    return {FINDINGS_KEY: [f.as_record() for f in findings_of(transaction)]}
