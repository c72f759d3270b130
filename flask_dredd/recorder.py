"""`python -m flask_dredd.recorder`: the hooks handler, keeping a record of each transaction.

`flask dredd run` starts Dredd's hooks handler through this module. With
``FLASK_DREDD_RECORD=<path>`` set, every transaction appends one JSON line there as it
ends (without it, this is the plain handler):

    {"name", "id", "status": "passed" | "failed" | "skipped" | …,
     "duration_ms", "reset_ms", "message", "skip_reason"}

`reset_ms` is the time the before_each hooks took (the project's database reset);
`duration_ms` runs from the first before_each hook to the last after_each hook: reset,
fixtures, request and validation. Dredd 14.1.0 sends afterEach for skipped transactions
too, with ``test.status == "skip"``. With ``FLASK_DREDD_CAPTURE`` set it also keeps each
real response (`flask_dredd.capture`), for `flask dredd record`.

Timing needs a hook at both ends of the before_each list: `started` is registered before
any hook file loads, so it runs first; the others are registered by a before_all hook,
when every hook file is loaded, so they run after the project's own.

Standard library only, like the handler.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import IO, Any

from flask_dredd import handler, hooks
from flask_dredd.capture import CAPTURE_ENV, Capture
from flask_dredd.declarations import declaration_of

RECORD_ENV = "FLASK_DREDD_RECORD"
STATUSES = {"pass": "passed", "fail": "failed", "skip": "skipped"}


class Recorder:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._started: dict[str, float] = {}
        self._reset_ms: dict[str, float] = {}
        self._out: IO[str] | None = None

    def install(self) -> None:
        hooks.before_all(self.arm)
        hooks.before_each(self.start)

    def arm(self, transactions: Any) -> None:
        hooks.before_each(self.reset_done)
        hooks.after_each(self.finish)
        hooks.after_all(self.close)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._out = self.path.open("a", encoding="utf-8")

    def start(self, transaction: dict[str, Any]) -> None:
        self._started[_key(transaction)] = time.perf_counter()

    def reset_done(self, transaction: dict[str, Any]) -> None:
        started = self._started.get(_key(transaction))
        if started is not None:
            self._reset_ms[_key(transaction)] = (time.perf_counter() - started) * 1000

    def finish(self, transaction: dict[str, Any]) -> None:
        if self._out is None:
            return
        key = _key(transaction)
        started = self._started.pop(key, None)
        test = transaction.get("test") if isinstance(transaction.get("test"), dict) else {}
        status = str(test.get("status") or ("skip" if transaction.get("skip") else "unknown"))
        record = {
            "name": transaction.get("name"),
            "id": transaction.get("id") or test.get("title"),
            "status": STATUSES.get(status, status),
            "duration_ms": _rounded((time.perf_counter() - started) * 1000 if started else None),
            "reset_ms": _rounded(self._reset_ms.pop(key, None)),
            "message": str(test.get("message") or ""),
            "skip_reason": skip_reason(str(transaction.get("name") or "")),
        }
        # One line per transaction, flushed at once: a run stopped halfway keeps its record.
        self._out.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._out.flush()

    def close(self, transactions: Any) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


def skip_reason(name: str) -> str | None:
    """The reason of the skip declared for `name`, if one was."""
    for hook in hooks.registry.named("before", name):
        declaration = declaration_of(hook)
        if declaration is not None and declaration.kind == "skip":
            return declaration.reason
    return None


def _key(transaction: dict[str, Any]) -> str:
    return f"{transaction.get('name')}\0{transaction.get('id')}"


def _rounded(ms: float | None) -> float | None:
    return None if ms is None else round(ms, 2)


def main(argv: list[str] | None = None) -> int:
    path = os.environ.get(RECORD_ENV)
    if path:
        Recorder(Path(path)).install()
    capture = os.environ.get(CAPTURE_ENV)
    if capture:  # `flask dredd record` keeps each real response
        Capture(Path(capture)).install()
    return handler.main(argv)


if __name__ == "__main__":
    sys.exit(main())
