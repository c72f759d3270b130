"""Running the hooks an event calls for, and turning their faults into failed transactions.

Faults stay local. A hook that raises fails its transaction (`fail` names the hook, the
exception and the hook file's line) and the next transaction runs normally; a failing
`before_all` fails every transaction at once. While a hook overruns the hook limit (see
`timing`), the watchdog thread answers for the main thread: `answer_overrun` fails that
message's transaction naming the hook, `answer_waiting` a later message whose own
limit ran out. A hook past the stall limit aborts the run: from then on
`answer_aborted` answers every message without running a hook, and the transactions
left are skipped as not run.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

from dredd_hooks_handler import hooks
from dredd_hooks_handler.diagnostics import log, log_traceback
from dredd_hooks_handler.failures import hook_failure
from dredd_hooks_handler.hooks import Hook, Registry
from dredd_hooks_handler.inflight import InflightFile
from dredd_hooks_handler.lifeline import Lifeline
from dredd_hooks_handler.timing import HookClock

#: Dredd 14.1.0's events and the hook kinds each runs, in order (named kinds by `name`).
EVENT_KINDS: Dict[str, Tuple[str, ...]] = {
    "beforeAll": ("before_all",),
    "beforeEach": ("before_each", "before"),
    "beforeEachValidation": ("before_each_validation", "before_validation"),
    "afterEach": ("after", "after_each"),
    "afterAll": ("after_all",),
}
#: Events whose remaining hooks still run after one fails: they clean up.
CLEANUP_EVENTS = frozenset({"afterEach", "afterAll"})
NOT_RUN = "not run: "

#: Told of each afterEach and afterAll answered without its hooks (while a hook overran,
#: or after an abort): (event, data, cause), cause None for a transaction that failed,
#: else why it did not run (after an abort).
AbortObserver = Callable[[str, Any, Optional[str]], None]


class Dispatcher:
    """Runs the hooks an event calls for, turning exceptions into failed transactions."""

    def __init__(
        self,
        registry: Registry,
        hook_files: Iterable[Any] = (),
        clock: Optional[HookClock] = None,
        inflight: Optional[InflightFile] = None,
        observers: Iterable[AbortObserver] = (),
    ) -> None:
        self.registry = registry
        self.hook_files = {str(path) for path in hook_files}
        self.clock = clock or HookClock(0, Lifeline.none())
        self.inflight = inflight
        self.observers = list(observers)
        #: Set when a before_all hook raised: no transaction can run meaningfully.
        self.setup_failure: Optional[str] = None
        self._our_failures: Set[str] = set()

    def hooks_for(self, event: str, data: Any) -> List[Hook]:
        """The hooks `event` runs for `data`, in order."""
        name = data.get("name") if isinstance(data, dict) else None
        found: List[Hook] = []
        for kind in EVENT_KINDS[event]:
            if kind in hooks.NAMED_KINDS:
                if isinstance(name, str):
                    found += self.registry.named(kind, name)
            else:
                found += self.registry.unnamed(kind)
        return found

    def run(self, event: str, data: Any, arrived: float = 0.0) -> Optional[bool]:
        """Run `event`'s hooks on `data` in place; False when `data` is surely unchanged,
        None when the watchdog answered the message meanwhile (no reply is due).

        `arrived`: when the message came in (time.monotonic()), from which the hook
        limit counts; 0 for now.
        """
        if self.clock.aborted is not None:
            return self.answer_aborted(event, data)
        inflight = self.inflight
        if self.setup_failure is not None and event not in ("beforeAll", "afterAll"):
            # Each-hooks would only fail again, without the setup they rely on.
            return isinstance(data, dict) and self._fail(data, self.setup_failure)
        found = self.hooks_for(event, data)
        if inflight is not None:
            name = data.get("name") if isinstance(data, dict) else None
            inflight.message(event, name, write=not found)
        clock = self.clock
        for hook in found:
            if inflight is not None:
                inflight.hook(hook)
            started = time.monotonic()
            clock.running = (hook, event, data, arrived or started, started)
            try:
                hook.func(data)
            except (Exception, SystemExit) as exc:
                answered = clock.finished()
                message = hook_failure(hook, exc, self.hook_files)
                log(message)
                log_traceback(exc)
                if answered:  # too late for Dredd to hear of it
                    return None
                self._record_failure(event, data, message)
                if event not in CLEANUP_EVENTS:
                    break
            else:
                if clock.finished():
                    return None
        surfaced = event == "afterEach" and isinstance(data, dict) and self._surface_failure(data)
        return bool(found) or surfaced

    # ------------------------------------------------------------ while a hook overruns

    def answer_overrun(
        self, event: str, data: Any, failure: str, aborting: bool = False
    ) -> Optional[str]:
        """Fill in the reply to the message Dredd waits on while its (or an earlier)
        hook runs on (a fresh copy of it): its transaction fails with `failure`.

        beforeAll and afterAll fail nothing, as when Dredd times them out itself (the
        transactions run once the hook returns), unless `aborting`: then the first
        transaction fails, or Dredd would pass a run with every transaction skipped. A
        transaction failed already keeps its message (`aborting` adds `failure` to
        it). Returns the name of the transaction failed, if any.
        """
        self._our_failures.add(failure)
        failed = data.get("name") if isinstance(data, dict) else None
        if event == "beforeAll" and aborting and isinstance(data, list) and data:
            first = data[0]
            if isinstance(first, dict) and isinstance(first.get("name"), str):
                failed = first["name"]
                self._fail(first, failure)
        if isinstance(data, dict) and event != "afterAll":
            test = data.get("test")
            if not data.get("fail"):
                self._fail(data, failure)
                if event == "afterEach":
                    self._surface_failure(data)
            elif aborting and isinstance(data["fail"], str):
                self._fail(data, failure)
            elif aborting and isinstance(test, dict) and failure not in str(test.get("message")):
                test["message"] = f"{test.get('message') or ''}\n{failure}".lstrip()
        self._observe(event, data, None)
        return failed if isinstance(failed, str) else None

    def answer_hung(self, event: str, data: Any) -> None:
        """Fill in the reply to the message Dredd waits on when the run is aborted."""
        abort = self.clock.aborted
        assert abort is not None
        abort.stated = True
        blamed = self.answer_overrun(event, data, abort.failure, aborting=True)
        if blamed is not None:
            abort.blamed = blamed

    # ------------------------------------------------------------ after an abort

    def answer_aborted(self, event: str, data: Any) -> bool:
        """Answer a message after the abort without running a hook: what is left is not run."""
        abort = self.clock.aborted
        assert abort is not None
        if not abort.stated and isinstance(data, dict) and event != "afterAll":
            self.answer_hung(event, data)  # the message Dredd waits on at the abort
            return True
        hung = isinstance(data, dict) and abort.blamed is not None
        hung = hung and data.get("name") == abort.blamed
        if not isinstance(data, dict) or hung:
            if hung and event == "afterEach":
                self._surface_failure(data)
            self._observe(event, data, None)
            return True
        if event == "beforeEach":
            data["skip"] = True  # Dredd makes no request, and says "Skipped in before hook"
        elif event == "afterEach":
            message = NOT_RUN + abort.cause
            test = data.get("test")
            if isinstance(test, dict):
                test["message"] = message  # what the reporters show for the skip
            for errors in (data.get("errors"), test.get("errors") if test else None):
                if isinstance(errors, list):
                    errors[:] = [{"severity": "warning", "message": message}]
            self._observe(event, data, abort.cause)
        return True

    def _observe(self, event: str, data: Any, cause: Optional[str]) -> None:
        if event not in ("afterEach", "afterAll"):
            return
        for observer in self.observers:
            try:
                observer(event, data, cause)
            except Exception as exc:  # a broken observer must not cost the other replies
                log(f"{observer!r} failed after the abort: {exc!r}")

    # ------------------------------------------------------------ failures

    def _record_failure(self, event: str, data: Any, message: str) -> None:
        self._our_failures.add(message)
        if event == "beforeAll":
            self.setup_failure = f"{message}; no transaction can run"
            self._our_failures.add(self.setup_failure)
            for transaction in data if isinstance(data, list) else []:
                if isinstance(transaction, dict):
                    self._fail(transaction, self.setup_failure)
        elif event == "afterAll":
            # Dredd has reported every result. Failing the run now (exiting, or not
            # answering) would make it skip its summary and its reporters' files.
            log("an after_all hook failed after all results were reported: see above")
        elif isinstance(data, dict):
            self._fail(data, message)

    @staticmethod
    def _fail(transaction: Dict[str, Any], message: str) -> bool:
        """Set `fail`, keeping a reason a hook set before; True when it changed."""
        current = transaction.get("fail")
        if isinstance(current, str) and message in current:
            return False
        both = isinstance(current, str) and current
        transaction["fail"] = f"{current}; {message}" if both else message
        return True

    def _surface_failure(self, transaction: Dict[str, Any]) -> bool:
        """Put our `fail` message into a test Dredd already failed on validation.

        Dredd reports `fail` only for a transaction that passed validation ("Failed in
        after hook: …"); for one that also failed validation it prints the validation
        errors alone, and a hook's failure would go unseen.
        """
        fail, test = transaction.get("fail"), transaction.get("test")
        if not isinstance(fail, str) or fail not in self._our_failures:
            return False
        if not isinstance(test, dict) or test.get("valid") is not False:
            return False
        shown = test.get("message") or ""
        if not isinstance(shown, str) or fail in shown:
            return False
        test["message"] = f"{shown.rstrip()}\n{fail}".lstrip()
        return True
