"""`python -m dredd_hooks_handler.recorder`: the handler, keeping a record of each transaction.

With ``FLASK_DREDD_RECORD=<path>`` set, every transaction appends one JSON line there as
it ends (without it, this is the plain handler):

    {"name", "id", "status": "passed" | "failed" | "skipped" | …,
     "duration_ms", "reset_ms", "message", "skip_reason", "not_run"}

`reset_ms` is the time the before_each hooks took (a project's database reset);
`duration_ms` runs from the first before_each hook to the last after_each hook: reset,
fixtures, request and validation. Dredd 14.1.0 sends afterEach for skipped transactions
too, with ``test.status == "skip"``. `not_run` is null, or, after a hook ran past the
stall limit and aborted the run, why this transaction was not run (see `timing`); the
hung transaction itself is "failed". A transaction answered without its hooks while a
slow hook ran is recorded as Dredd reports it ("failed"), by the same observer.

Timing needs a hook at both ends of the before_each list: `started` is registered before
any hook file loads, so it runs first; the others are registered by a before_all hook,
when every hook file is loaded, so they run after the project's own.

`skip_reason` comes from a function the embedding tool gives (flask-dredd reads its
declarations); without one it is null. The embedding tool may add fields of its own
(`fields`: the transaction's dict -> more keys of its record; flask-dredd adds its
checks' findings). Standard library only, like the handler.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any, Callable, Dict, List, Optional, Set

from dredd_hooks_handler import handler, hooks

RECORD_ENV = "FLASK_DREDD_RECORD"
STATUSES = {"pass": "passed", "fail": "failed", "skip": "skipped"}

#: The declared reason a transaction is skipped, by transaction name, or None.
SkipReason = Callable[[str], Optional[str]]
#: More fields of a transaction's record, from the transaction as the hooks left it.
Fields = Callable[[Dict[str, Any]], Dict[str, Any]]


class Recorder:
    """Hooks that time each transaction and append its record when it ends."""

    def __init__(
        self, path: Path, skip_reason: Optional[SkipReason] = None, fields: Optional[Fields] = None
    ) -> None:
        self.path = path
        self.skip_reason = skip_reason
        self.fields = fields
        self._started: Dict[str, float] = {}
        self._reset_ms: Dict[str, float] = {}
        self._out: Optional[IO[str]] = None
        self._lock = threading.Lock()  # the watchdog thread writes too (a slow hook, an abort)
        self._finished: Set[str] = set()  # recorded by `finish` as a hook

    def install(self) -> None:
        hooks.before_all(self.arm)
        hooks.before_each(self.start)

    def arm(self, transactions: Any) -> None:
        hooks.before_each(self.reset_done)
        hooks.after_each(self.finish)
        hooks.after_all(self.close)
        self.open()

    def open(self) -> None:
        with self._lock:
            if self._out is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._out = self.path.open("a", encoding="utf-8")

    def start(self, transaction: Dict[str, Any]) -> None:
        self._started[_key(transaction)] = time.perf_counter()

    def reset_done(self, transaction: Dict[str, Any]) -> None:
        started = self._started.get(_key(transaction))
        if started is not None:
            self._reset_ms[_key(transaction)] = (time.perf_counter() - started) * 1000

    def finish(self, transaction: Dict[str, Any], not_run: Optional[str] = None) -> None:
        key = _key(transaction)
        self._finished.add(key)
        started = self._started.pop(key, None)
        given = transaction.get("test")
        test: Dict[str, Any] = given if isinstance(given, dict) else {}
        status = str(test.get("status") or ("skip" if transaction.get("skip") else "unknown"))
        if status == "pass" and transaction.get("fail"):
            status = "fail"  # an after hook failed it: Dredd reports it failed
        name = str(transaction.get("name") or "")
        record = {
            "name": transaction.get("name"),
            "id": transaction.get("id") or test.get("title"),
            "status": STATUSES.get(status, status),
            "duration_ms": _rounded((time.perf_counter() - started) * 1000 if started else None),
            "reset_ms": _rounded(self._reset_ms.pop(key, None)),
            "message": str(test.get("message") or ""),
            "skip_reason": self.skip_reason(name) if self.skip_reason else None,
            "not_run": not_run,
        }
        if self.fields is not None:
            record.update(self.fields(transaction))
        # One line per transaction, flushed at once: a run stopped halfway keeps its record.
        with self._lock:
            if self._out is not None:
                self._out.write(json.dumps(record, ensure_ascii=False) + "\n")
                self._out.flush()

    def close(self, transactions: Any) -> None:
        with self._lock:
            if self._out is not None:
                self._out.close()
                self._out = None

    def after_abort(self, event: str, data: Any, not_run: Optional[str]) -> None:
        """The handler's observer: records what it answers without hooks (a slow hook's
        later messages, an aborted run's), unless `finish` ran before a slower hook."""
        if event == "afterEach" and isinstance(data, dict):
            if _key(data) in self._finished:
                return
            self.open()  # the hook that hung may have been before_all's, before arm()
            self.finish(data, not_run)
        elif event == "afterAll":
            self.close(data)


def _key(transaction: Dict[str, Any]) -> str:
    return f"{transaction.get('name')}\0{transaction.get('id')}"


def _rounded(ms: Optional[float]) -> Optional[float]:
    return None if ms is None else round(ms, 2)


def main(
    argv: Optional[List[str]] = None,
    skip_reason: Optional[SkipReason] = None,
    fields: Optional[Fields] = None,
) -> int:
    """The handler, recording to $FLASK_DREDD_RECORD when it is set."""
    path = os.environ.get(RECORD_ENV)
    observers = []
    if path:
        recorder = Recorder(Path(path), skip_reason, fields)
        recorder.install()
        observers.append(recorder.after_abort)
    return handler.main(argv, observers)


if __name__ == "__main__":
    sys.exit(main())
