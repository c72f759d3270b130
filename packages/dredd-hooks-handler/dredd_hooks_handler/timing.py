"""The hook time limit: a watchdog thread that only looks at a timestamp.

Hooks run in the main thread, as always. Before each hook the dispatcher puts
`(hook, event, data, started)` in `HookClock.running`, and clears it under
`HookClock.lock` when the hook returns: a tuple, a clock read and an uncontended lock,
about a microsecond. The watchdog wakes every `TICK` seconds; when the same hook has
been running for `limit` seconds (``FLASK_DREDD_HOOK_TIMEOUT``, default 4, under Dredd's
5 s per message) it claims the abort under the lock, writes ``FLASK_DREDD_ABORT_FILE``
and hands the connection to `on_abort`, which answers from then on in the watchdog
thread: the hung message fails naming the hook, its file:line and the transaction, and
every later transaction is skipped as "not run". The main thread, if the hung hook
ever returns, sees the abort and parks: it never touches the connection again.

The watchdog also ends the process when the parent is gone and the main thread,
stuck in a hook, could not stop by itself (no PR_SET_PDEATHSIG outside Linux).
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any, Callable, Optional, Tuple

from dredd_hooks_handler.diagnostics import log
from dredd_hooks_handler.failures import hook_site, short_path
from dredd_hooks_handler.hooks import Hook
from dredd_hooks_handler.lifeline import Lifeline

TIMEOUT_ENV, ABORT_ENV = "FLASK_DREDD_HOOK_TIMEOUT", "FLASK_DREDD_ABORT_FILE"
DEFAULT_LIMIT = 4.0
TICK = 0.05  # seconds between the watchdog's looks: the abort comes within limit + TICK
ORPHAN_GRACE = 1.5  # seconds the main thread gets to stop by itself once the parent is gone

#: (hook, event, data, monotonic start) of the hook running now.
Running = Tuple[Hook, str, Any, float]


def limit_from(raw: Optional[str]) -> float:
    """The limit in seconds from --hook-timeout or $FLASK_DREDD_HOOK_TIMEOUT (0 turns it
    off); ValueError naming the setting and what it takes when `raw` is not a number."""
    if raw is None or not raw.strip():
        return DEFAULT_LIMIT
    try:
        limit = float(raw)
    except ValueError:
        limit = -1.0
    if not limit >= 0 or limit == float("inf"):
        raise ValueError(
            f"hook time limit {raw!r} ({TIMEOUT_ENV} or --hook-timeout) is not a number of "
            f"seconds: give e.g. 4 or 2.5 (0 turns the limit off; keep it under Dredd's "
            f"--hooks-worker-timeout)"
        )
    return limit


class Abort:
    """Why the run stops: the hook that overran, on which transaction."""

    __slots__ = ("hook", "event", "transaction", "blamed", "limit", "cause", "failure")

    def __init__(self, hook: Hook, event: str, data: Any, limit: float) -> None:
        self.hook = hook_site(hook)
        self.event = event
        name = data.get("name") if isinstance(data, dict) else None
        self.transaction: Optional[str] = name if isinstance(name, str) else None
        #: The transaction that fails for the hang: this one, or for a hang in before_all,
        #: the first (so that Dredd's exit status is not a pass with everything skipped).
        self.blamed = self.transaction
        self.limit = limit
        on = f"on {self.transaction!r}" if self.transaction is not None else f"in {event}"
        at = f"{hook.describe()} at {short_path(hook.file)}:{hook.line}"
        self.cause = f"{at} hung {on} (over {limit:g} s)"
        #: The hung transaction's `fail` message.
        self.failure = (
            f"{at} still running after {limit:g} s {on} (the hook time limit, "
            f"{TIMEOUT_ENV}); the run stops here: later transactions are not run"
        )

    def as_json(self) -> str:
        """The abort file's content."""
        record = {"cause": self.cause, "hook": self.hook, "transaction": self.transaction}
        return json.dumps(record, ensure_ascii=False)


class HookClock:
    """The running hook's slot, and the watchdog that reads it."""

    def __init__(self, limit: float, lifeline: Lifeline) -> None:
        self.limit = limit
        self.lifeline = lifeline
        self.lock = threading.Lock()
        self.running: Optional[Running] = None
        self.aborted: Optional[Abort] = None

    def finished(self) -> None:
        """The running hook returned (or raised): park the main thread if it overran."""
        with self.lock:
            self.running = None
            aborted = self.aborted
        if aborted is not None:
            park()

    def start(self, on_abort: Callable[[Abort], None]) -> threading.Thread:
        """Start the watchdog; `on_abort(abort)` takes over the connection on an overrun."""
        thread = threading.Thread(
            target=self._watch, args=(on_abort,), name="hook-watchdog", daemon=True
        )
        thread.start()
        return thread

    def _watch(self, on_abort: Callable[[Abort], None]) -> None:
        orphaned_at = 0.0
        while True:
            time.sleep(TICK)
            now = time.monotonic()
            if self.lifeline.gone():
                orphaned_at = orphaned_at or now
                if now - orphaned_at > ORPHAN_GRACE:
                    log("the process that started the handler is gone; stopping")
                    os._exit(0)
            running = self.running
            if running is None or not self.limit or now - running[3] < self.limit:
                continue
            with self.lock:
                if self.running is not running:
                    continue  # it returned meanwhile
                self.aborted = Abort(running[0], running[1], running[2], self.limit)
            abort = self.aborted
            log(abort.failure)
            write_abort_file(abort)
            on_abort(abort)  # serves from here on; ends the process
            return


def write_abort_file(abort: Abort) -> None:
    """$FLASK_DREDD_ABORT_FILE, when set, gets the abort's cause, hook and transaction."""
    path = os.environ.get(ABORT_ENV)
    if not path:
        return
    try:
        with open(path, "w", encoding="utf-8") as out:
            out.write(abort.as_json() + "\n")
    except OSError as exc:
        log(f"cannot write the abort file {path}: {exc}")


def park() -> None:
    """Keep the main thread away from the connection for good; signals still reach it."""
    while True:
        time.sleep(3600)
