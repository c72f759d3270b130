"""The hook time limits: a watchdog thread that only looks at timestamps.

Hooks run in the main thread, as always. Before each hook the dispatcher puts
`(hook, event, data, arrived, started)` in `HookClock.running` (`arrived`: when the
message came in, from which Dredd counts) and clears it under `HookClock.lock` when the
hook returns: a tuple, a clock read and an uncontended lock, about a microsecond.

Dredd waits `hooks-worker-timeout` for each answer; when it runs out, Dredd fails the
transaction ("Hook timed out."), forgets the message (a late answer to its uuid is
ignored: HooksWorkerClient.js removes the listener) and sends the next one. So:

- The hook limit (`limit`, just under Dredd's): when a message has waited that long for
  its hooks, the watchdog claims it (`Overrun`) and hands the connection to
  `on_overrun`, which answers that message itself, failed, naming the hook, its
  file:line and the transaction, and then reads Dredd's next messages. Each waits for
  the slow hook, as under dredd-hooks-python, which answers in order; only one still
  waiting when its own limit runs out is answered without its hooks, failed, saying
  what it waited for. When the hook returns, `finished()` asks for the connection
  back: the rest of that message's hooks are not run (it was answered) and the main
  thread goes on with the messages received meanwhile, normally.
- The stall limit (`stall`): a hook still running after it is taken as one that never
  returns. The watchdog claims the abort, writes ``FLASK_DREDD_ABORT_FILE`` and
  `on_abort` serves for good: the message Dredd waits on fails naming the hook, every
  later transaction is skipped as "not run" at once, and the process ends with Dredd.
  The main thread, if the hook ever returns, parks.

The watchdog also ends the process when the parent is gone and the main thread,
stuck in a hook, could not stop by itself (no PR_SET_PDEATHSIG outside Linux).
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from typing import Any, Callable, Optional, Tuple

from dredd_hooks_handler.diagnostics import log
from dredd_hooks_handler.failures import hook_site, short_path
from dredd_hooks_handler.hooks import Hook
from dredd_hooks_handler.lifeline import Lifeline
from dredd_hooks_handler.settings import STALL, TIMEOUT

ABORT_ENV = "FLASK_DREDD_ABORT_FILE"
TIMEOUT_ENV = TIMEOUT.alias  # the name flask-dredd has always set
TICK = 0.05  # seconds between the watchdog's looks when no deadline is nearer
ORPHAN_GRACE = 1.5  # seconds the main thread gets to stop by itself once the parent is gone

#: (hook, event, data, monotonic time its message arrived, monotonic time it started).
Running = Tuple[Hook, str, Any, float, float]


def _where(running: Running) -> Tuple[str, str, Optional[str]]:
    """(`before('B') hook f at hooks.py:9`, `on 'B'` or `in beforeAll`, the name)."""
    hook, event, data = running[0], running[1], running[2]
    name = data.get("name") if isinstance(data, dict) else None
    transaction = name if isinstance(name, str) else None
    on = f"on {transaction!r}" if transaction is not None else f"in {event}"
    return f"{hook.describe()} at {short_path(hook.file)}:{hook.line}", on, transaction


class Overrun:
    """A hook still running when its message reached the hook limit."""

    __slots__ = ("running", "at", "on", "transaction", "failure")

    def __init__(self, running: Running, limit: float) -> None:
        self.running = running
        self.at, self.on, self.transaction = _where(running)
        waited = running[4] - running[3]
        earlier = (
            f"; the message had waited {waited:.1f} s for earlier hooks" if waited > 0.1 else ""
        )
        #: The overrun message's `fail` message.
        self.failure = (
            f"{self.at} still running after {limit:g} s {self.on} (the hook time limit, "
            f"{TIMEOUT.name}){earlier}; the next messages wait for it"
        )

    def waiting(self) -> str:
        """Why a message waiting for this hook is answered without its own hooks."""
        ran = time.monotonic() - self.running[4]
        return f"not run: waiting for {self.at}, still running {self.on} after {ran:.1f} s"


class Abort:
    """Why the run stops: the hook that ran past the stall limit, on which transaction."""

    __slots__ = ("hook", "event", "transaction", "blamed", "limit", "cause", "failure", "stated")

    def __init__(self, hook: Hook, event: str, data: Any, limit: float) -> None:
        self.hook = hook_site(hook)
        self.event = event
        at, on, self.transaction = _where((hook, event, data, 0.0, 0.0))
        #: The transaction that fails for the hang: the one whose message Dredd waits on
        #: (for a hang in before_all, the first: so that Dredd's exit status is not a
        #: pass with everything skipped).
        self.blamed = self.transaction
        self.stated = False  # whether a transaction failed with `failure` yet
        self.limit = limit
        self.cause = f"{at} hung {on} (over {limit:g} s)"
        #: The `fail` message of the transaction Dredd waits on.
        self.failure = (
            f"{at} still running after {limit:g} s {on}: taken as hung (the stall limit, "
            f"{STALL.name}); the run stops here: later transactions are not run"
        )

    def as_json(self) -> str:
        """The abort file's content."""
        record = {"cause": self.cause, "hook": self.hook, "transaction": self.transaction}
        return json.dumps(record, ensure_ascii=False)


class HookClock:
    """The running hook's slot, the watchdog that reads it, and the connection's hand-back."""

    def __init__(self, limit: float, lifeline: Lifeline, stall: float = 0.0) -> None:
        self.limit = limit
        self.stall = stall
        self.lifeline = lifeline
        self.lock = threading.Lock()
        self.running: Optional[Running] = None
        self.overrun: Optional[Overrun] = None
        self.aborted: Optional[Abort] = None
        self.handback = threading.Event()  # the main thread wants the connection back
        self._returned = threading.Event()  # the watchdog gave it back
        self.wake_read, self._wake_write = -1, -1  # wakes the watchdog's select for it

    def finished(self) -> bool:
        """The running hook returned (or raised). True when its message was answered
        meanwhile: its other hooks must not run and no reply is due. Parks the main
        thread for good if the run was aborted."""
        with self.lock:
            self.running = None
            overrun, aborted = self.overrun, self.aborted
        if aborted is not None:
            park()
        if overrun is None:
            return False
        self.handback.set()
        with contextlib.suppress(OSError):  # a full pipe wakes it all the same
            os.write(self._wake_write, b"!")
        self._returned.wait()
        self._returned.clear()
        ran = time.monotonic() - overrun.running[4]
        log(f"{overrun.at} returned after {ran:.1f} s {overrun.on}; answering normally again")
        return True

    def start(
        self, on_overrun: Callable[[Overrun], None], on_abort: Callable[[Abort], None]
    ) -> threading.Thread:
        """Start the watchdog. `on_overrun(overrun)` serves until `handback` is set;
        `on_abort(abort)` serves for good and ends the process."""
        self.wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_write, False)
        thread = threading.Thread(
            target=self._watch, args=(on_overrun, on_abort), name="hook-watchdog", daemon=True
        )
        thread.start()
        return thread

    def stalled(self, overrun: Optional[Overrun] = None) -> Optional[Abort]:
        """Claim the abort if the hook (`overrun`'s, else the running one) is past the
        stall limit and still running; write the abort file. None otherwise."""
        now = time.monotonic()
        with self.lock:
            running = self.running
            if running is None or (overrun is not None and running is not overrun.running):
                return None
            if not self.stall or now - running[4] < self.stall or self.aborted is not None:
                return None
            self.aborted = abort = Abort(running[0], running[1], running[2], self.stall)
        log(abort.failure)
        write_abort_file(abort)
        return abort

    def _watch(
        self, on_overrun: Callable[[Overrun], None], on_abort: Callable[[Abort], None]
    ) -> None:
        orphaned_at = 0.0
        while True:
            now = time.monotonic()
            if self.lifeline.gone():
                orphaned_at = orphaned_at or now
                if now - orphaned_at > ORPHAN_GRACE:
                    log("the process that started the handler is gone; stopping")
                    os._exit(0)
            wait, running = TICK, self.running
            if running is not None and self.stall:
                abort = self.stalled()
                if abort is not None:
                    on_abort(abort)  # serves from here on; ends the process
                    return
                wait = min(wait, running[4] + self.stall - now)
            if running is not None and self.limit:
                due = running[3] + self.limit
                overrun = self._claim(running) if now >= due else None
                if overrun is not None:
                    on_overrun(overrun)  # serves until the hook returns (or ends the process)
                    with self.lock:
                        self.overrun = None
                    self.handback.clear()
                    self._returned.set()
                    continue
                wait = min(wait, due - now)
            time.sleep(max(wait, 0.001))

    def _claim(self, running: Running) -> Optional[Overrun]:
        with self.lock:
            if self.running is not running:
                return None  # it returned meanwhile
            self.overrun = overrun = Overrun(running, self.limit)
        log(overrun.failure)
        return overrun


def write_abort_file(abort: Abort) -> None:
    """$FLASK_DREDD_ABORT_FILE, when set, gets the abort's cause, hook and transaction,
    whole or not at all (written beside it, then renamed): whoever sees it can read it."""
    path = os.environ.get(ABORT_ENV)
    if not path:
        return
    try:
        with open(f"{path}.partial", "w", encoding="utf-8") as out:
            out.write(abort.as_json() + "\n")
        os.replace(f"{path}.partial", path)
    except OSError as exc:
        log(f"cannot write the abort file {path}: {exc}")


def park() -> None:
    """Keep the main thread away from the connection for good; signals still reach it."""
    while True:
        time.sleep(3600)
