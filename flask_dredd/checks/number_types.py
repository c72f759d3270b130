"""Check `number-types`: a JSON integer and a JSON float are different values.

`3600` documented and `3600.0` answered compare equal as numbers (so `exact-body` passes
them), yet they are different JSON: a client that parses `expires_in` as an integer
breaks on `3600.0`, and a float that lost its fraction (`2.0` → `2`) is usually a type
changed in the code. Wherever the documented body shows a number and the real body has
an equal number at the same path, both must be written the same way: an integer
(no fraction, no exponent) or not.

Like `exact-body`: only a transaction Dredd was about to pass, with a JSON body; paths
under a volatile or inexact declaration are left alone; `inexact(name, reason=…)` and
`FLASK_DREDD_EXACT=0` turn it off. Each mismatch is a failing finding
``$.expires_in: documented 3600 (an integer), got 3600.0 (a float)``.

Python's `json` keeps the distinction (`3600` → int, `3600.0` and `3.6e3` → float), so
the check reads both bodies as `exact-body` does.
"""

from __future__ import annotations

import json
from typing import Any

from flask_dredd.checks.finding import Finding
from flask_dredd.checks.protocol import Check, Context, register
from flask_dredd.exact.body import is_json_type, parse_json
from flask_dredd.exact.paths import Path, render, under, walk
from flask_dredd.exact.transaction import mode, real_body, rules_for


@register
class NumberTypes(Check):
    name, order = "number-types", 25

    def enabled(self) -> bool:
        return mode() != "off"

    def check(self, context: Context) -> list[Finding]:
        if not context.comparable:
            return []
        rules = rules_for(context.name)
        if rules.inexact_reason is not None:
            return []
        documented = parse_json(context.expected.get("body"))
        actual = parse_json(real_body(context.real))
        if documented is None or actual is None:
            return []
        if not isinstance(documented, (dict, list)) and not _json_type(context):
            return []
        skipped = [*rules.body.inexact, *(pattern for pattern, _ in rules.body.volatile)]
        found = []
        for path, value in walk(documented):
            if not _number(value) or under(skipped, path):
                continue
            got = _at(actual, path)
            if _number(got) and got == value and type(got) is not type(value):
                found.append(self._finding(path, value, got))
        return found

    def _finding(self, path: Path, documented: Any, got: Any) -> Finding:
        where = render(path)
        expected, actual = json.dumps(documented), json.dumps(got)
        message = (f"{where}: documented {expected} ({_written(documented)}), "
                   f"got {actual} ({_written(got)})")  # fmt: skip
        return Finding(self.name, "number type", message, where=where, expected=expected,
                       actual=actual)  # fmt: skip


def _json_type(context: Context) -> bool:
    headers = context.expected.get("headers") or {}
    return any(str(k).lower() == "content-type" and is_json_type(str(v))
               for k, v in headers.items())  # fmt: skip


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _written(value: object) -> str:
    return "an integer" if isinstance(value, int) else "a float"


_ABSENT = object()


def _at(value: Any, path: Path) -> Any:
    """The value at `path` in `value`, or a marker when there is none."""
    for step in path:
        if isinstance(value, list) and isinstance(step, int):
            value = value[step] if step < len(value) else _ABSENT
        elif isinstance(value, dict) and isinstance(step, str):
            value = value.get(step, _ABSENT)
        else:
            return _ABSENT
    return value
