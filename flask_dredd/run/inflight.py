"""What the hooks handler tells the runner while a run goes on (INTERFACES.md).

The runner names two files in the reports folder and passes their paths to Dredd and
so to the handler:

- ``FLASK_DREDD_INFLIGHT_FILE``: the handler overwrites it with one JSON object when it
  starts handling a message and before each hook: ``{"transaction", "event", "hook",
  "started"}``. It names what was in flight when the handler died or the run stalled.
- ``FLASK_DREDD_ABORT_FILE``: the handler writes ``{"cause", "hook", "transaction"}``
  there when it aborts the run (a hook still running at the stall limit).

Both are read defensively: a file torn by a dying writer, or one never written, reads
as "nothing known", and the runner falls back on the records and the compiled order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INFLIGHT_ENV = "FLASK_DREDD_INFLIGHT_FILE"
ABORT_ENV = "FLASK_DREDD_ABORT_FILE"
INFLIGHT_FILE = "inflight.json"
ABORT_FILE = "abort.json"


@dataclass(frozen=True)
class InFlight:
    transaction: str | None
    event: str | None
    hook: str | None  # "hooks/x.py:12 fn"

    def describe(self) -> str:
        """`"Users > User > Get" (beforeEach, hook hooks/users.py:12 someone)`."""
        details = ", ".join(
            part for part in (self.event, f"hook {self.hook}" if self.hook else None) if part
        )
        if self.transaction:
            return f'"{self.transaction}"' + (f" ({details})" if details else "")
        return details or "the hooks handler, between messages"


def read_json_object(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``; None when it is missing, empty, torn or not an object."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    try:
        # The handler pads its fixed-size writes; whitespace and NULs around the object
        # are not part of it.
        found = json.loads(text.strip().strip("\0").strip())
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def read_inflight(path: Path) -> InFlight | None:
    found = read_json_object(path)
    if found is None:
        return None
    return InFlight(
        transaction=_text(found.get("transaction")),
        event=_text(found.get("event")),
        hook=_text(found.get("hook")),
    )


def read_abort(path: Path) -> dict[str, Any] | None:
    """The handler's abort notice, or None when it did not abort the run."""
    if not path.exists():
        return None
    # A notice torn by a dying handler still means the handler aborted.
    return read_json_object(path) or {"cause": "the hooks handler aborted the run"}


def abort_cause(notice: dict[str, Any]) -> str:
    """`hook hooks/x.py:12 slow_fixture hung on "Events > Event > Get"`, as the handler said it."""
    cause = _text(notice.get("cause")) or "the hooks handler aborted the run"
    transaction = _text(notice.get("transaction"))
    hook = _text(notice.get("hook"))
    if hook and hook.split(" ")[0] not in cause:  # its file:line, however it is worded
        cause += f" (hook {hook})"
    if transaction and transaction not in cause:
        cause += f' on "{transaction}"'
    return cause


def next_after_recorded(recorded: list[str], names: list[str]) -> str:
    """The contract's transaction after the last recorded one, described."""
    if not names:
        return "an unknown transaction"
    if not recorded:
        return f'"{names[0]}" (the first transaction; none was recorded)'
    remaining = list(names)
    for name in recorded:  # names can repeat; consume them in run order
        if name in remaining:
            remaining.remove(name)
    if not remaining:
        return "the end of the run (every transaction was recorded)"
    return f'"{remaining[0]}" (next after the last recorded transaction, "{recorded[-1]}")'


def what_was_in_flight(inflight: Path, recorded: list[str], names: list[str]) -> str:
    """The handler's word if it left one, else the compiled order's best guess."""
    found = read_inflight(inflight)
    if found is not None and (found.transaction or found.hook or found.event):
        return found.describe()
    return next_after_recorded(recorded, names)


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None
