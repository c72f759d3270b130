"""One Dredd transaction against its documented example: the rules, the differences, the message.

`FLASK_DREDD_EXACT` chooses the mode: `1` (or unset) compares exactly, and the check
`closed` refuses keys the documentation does not declare; `0` turns both off (Gavel's
checks alone, as before). `strict`, which once added the refusal of undocumented keys to
`1`, is now the same as `1`: kept so that configurations that name it still run.

A transaction is compared only when Dredd would pass it: one that is skipped, already
failed by Gavel or by a hook, or that got no response is left as it is. One declared
`inexact(name, reason=…)` is left to Gavel; `inexact(name, "$.path", reason=…)` leaves
those paths to it. The checks `exact-headers` and `exact-body` (`flask_dredd.checks`)
turn the differences into findings, one line each.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dredd_hooks_handler import hooks

from flask_dredd.declarations import declarations_for, volatility
from flask_dredd.exact.body import BodyRules, compare_body, parse_schema
from flask_dredd.exact.headers import VolatileHeaderRule, compare_headers
from flask_dredd.transactions import Transaction

ENV = "FLASK_DREDD_EXACT"
MODES = {"": "on", "1": "on", "on": "on", "true": "on", "strict": "on",
         "0": "off", "off": "off", "false": "off"}  # fmt: skip


def mode(environ: Mapping[str, str] = os.environ) -> str:
    """`on` or `off`, from FLASK_DREDD_EXACT; ValueError naming the choices."""
    value = environ.get(ENV, "").strip().lower()
    if value not in MODES:
        raise ValueError(
            f"{ENV}={environ.get(ENV)!r} is not a mode of exact comparison: use 1 (compare "
            "documented examples exactly and refuse undocumented keys, the default; strict is "
            "the same) or 0 (off: Gavel's checks only)"
        )
    return MODES[value]


@dataclass(frozen=True)
class Rules:
    """What exact comparison does for one transaction."""

    body: BodyRules
    headers: Sequence[VolatileHeaderRule] = ()
    inexact_reason: str | None = None  # the whole transaction is left to Gavel, and why
    opted_out: str | None = None  # "inexact: why" / "inexact at $.a: why", for the report


def rules_for(name: str, registry: hooks.Registry | None = None) -> Rules:
    """The volatile table and the transaction's inexact declarations, as comparison rules."""
    table = volatility(registry)
    inexact = [d for d in declarations_for(name, registry) if d.kind == "inexact"]
    whole = next((d.reason for d in inexact if not d.paths), None)
    paths = ", ".join(str(p) for d in inexact for p in d.paths)
    reasons = "; ".join(dict.fromkeys(d.reason for d in inexact if d.paths))
    opted_out = None
    if whole is not None:
        opted_out = f"inexact: {whole}"
    elif paths:
        opted_out = f"inexact at {paths}: {reasons}"
    return Rules(
        body=BodyRules(
            volatile=[(v.pattern, v.matcher) for v in table.values],
            inexact=[p for d in inexact for p in d.paths],
        ),
        headers=[(h.header, h.matcher, h.cookie) for h in table.headers],
        inexact_reason=whole,
        opted_out=opted_out,
    )


def comparable(transaction: Transaction) -> bool:
    """Whether Dredd is about to pass `transaction`: only then is there anything to add."""
    test = transaction.get("test")
    return (
        not transaction.get("skip")
        and not transaction.get("fail")
        and isinstance(test, Mapping)
        and test.get("valid") is True
        and test.get("status") != "skip"
        and isinstance(transaction.get("real"), Mapping)
        and isinstance(transaction.get("expected"), Mapping)
    )


def differences(transaction: Transaction, rules: Rules) -> list[str]:
    """Every difference between the real response and the documented example."""
    return header_differences(transaction, rules) + body_differences(transaction, rules)


def header_differences(transaction: Transaction, rules: Rules) -> list[str]:
    """The documented headers the real response does not match, one line each."""
    if rules.inexact_reason is not None:
        return []
    real: Mapping[str, Any] = transaction.get("real") or {}
    return compare_headers(_documented_headers(transaction), real.get("headers"), rules.headers)


def body_differences(transaction: Transaction, rules: Rules) -> list[str]:
    """The documented body's values the real body does not match, one line each."""
    if rules.inexact_reason is not None:
        return []
    expected: Mapping[str, Any] = transaction.get("expected") or {}
    content_type = next(
        (str(v) for k, v in _documented_headers(transaction).items()
         if str(k).lower() == "content-type"),
        None,
    )  # fmt: skip
    return compare_body(
        str(expected.get("body") or ""),
        real_body(transaction.get("real") or {}),
        rules.body,
        content_type=content_type,
        schema=parse_schema(expected.get("bodySchema")),
    )


def _documented_headers(transaction: Transaction) -> Mapping[str, str]:
    headers = (transaction.get("expected") or {}).get("headers") or {}
    return headers if isinstance(headers, Mapping) else {}


def real_body(real: Mapping[str, Any]) -> str:
    """The real body as text (Dredd sends one that is not UTF-8 in base64)."""
    body = str(real.get("body") or "")
    if real.get("bodyEncoding") == "base64":  # Dredd's form of a body that is not UTF-8
        try:
            return base64.b64decode(body).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            return body
    return body


_DIFFERENCE = re.compile(r"(?P<where>\$\S*|header [^:]+|body(?: line \d+)?): (?P<what>.+)")


def parse_difference(line: str) -> tuple[str, str, str | None, str | None] | None:
    """`$.a: documented 1, got 2` → ("$.a", text, "1", "2"); values None when not of that
    form; None for a line that names no path, header or body."""
    match = _DIFFERENCE.fullmatch(line.strip())
    if match is None:
        return None
    what = match.group("what")
    documented, sep, got = what.removeprefix("documented ").rpartition(", got ")
    if not what.startswith("documented ") or not sep:
        return match.group("where"), what, None, None
    return match.group("where"), what, documented, got
