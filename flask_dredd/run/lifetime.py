"""Every process a run starts dies with the run, however the run ends.

gunicorn and Dredd run in sessions of their own (so that Ctrl-C reaches the runner
only, which then stops them in order). The price: a SIGKILL of the runner, or of its
process group, does not reach them. This module ties them to the runner instead:

- :func:`die_with_runner` is a ``preexec_fn`` that asks Linux to send the child
  SIGTERM when the runner dies (``prctl(PR_SET_PDEATHSIG)``), whatever kills it.
  gunicorn's master then stops its workers (an orphaned worker alone would wait up to
  half gunicorn's timeout, 15 s, before noticing); Node exits on SIGTERM, and the
  hooks handler, Dredd's child, stops when its parent is gone.
  Linux sends the signal when the *thread* that started the child ends, so children
  must be started from the runner's main thread (or one that lives as long).
  Elsewhere (no prctl), :func:`die_with_runner` returns None and the runner's own
  cleanup is all there is.
- :data:`RUN_ID_ENV` marks every process of a run in its environment, so tests (and
  people) can find them all, e.g. by scanning ``/proc/*/environ``.
- :func:`interruptible` turns Ctrl-C and SIGTERM into :class:`Interrupted`, so the
  runner's cleanup always runs, and keeps the signal: :func:`raise_if_interrupted`
  raises it again where Python dropped the first raise.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

#: Environment variable naming the run in every process it starts (pid-start time).
RUN_ID_ENV = "FLASK_DREDD_RUN_ID"

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        prctl: Callable[..., int] = libc.prctl
        return prctl
    except (OSError, AttributeError):
        return None


# Resolved once, in the parent: the child between fork and exec should only call it.
_prctl = _load_prctl()


def die_with_runner(signum: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A ``preexec_fn`` for Popen: the child gets ``signum`` when this process dies.

    None where the platform has no parent-death signal.
    """
    prctl = _prctl
    if prctl is None:
        return None
    runner = os.getpid()

    def arm() -> None:  # runs in the child, after fork, before exec
        prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0)
        # The runner may have died between fork and prctl; then nobody will signal us.
        # (Not os.kill: the runner's Python signal handlers are still installed here.)
        if os.getppid() != runner:
            os._exit(128 + int(signum))

    return arm


class Interrupted(BaseException):
    """Ctrl-C or SIGTERM reached the runner."""


#: The signal that interrupted the run, kept as well as raised: Python prints and drops
#: an exception raised where it cannot propagate, such as the at-fork hooks that run in
#: the runner while subprocess starts a child (seen: Ctrl-C as Dredd started, ignored).
_signalled: list[str] = []


def raise_if_interrupted() -> None:
    """Raise the interruption again if a signal arrived and its raise was lost."""
    if _signalled:
        raise Interrupted(_signalled[0])


@contextmanager
def interruptible() -> Iterator[None]:
    """Turn SIGTERM and SIGINT into ``Interrupted`` so cleanup code always runs."""

    def raise_interrupted(signum: int, _frame: object) -> None:
        # Once: a second Ctrl-C must not cut the stopping of the server and Dredd short
        # (bounded by their stop timeouts); the previous handlers return on exit.
        for stop_signal in (signal.SIGINT, signal.SIGTERM):
            signal.signal(stop_signal, signal.SIG_IGN)
        _signalled.append(signal.Signals(signum).name)
        raise Interrupted(signal.Signals(signum).name)

    _signalled.clear()
    previous = {s: signal.signal(s, raise_interrupted) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        _signalled.clear()
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def stop_sessions(children: Sequence[subprocess.Popen[Any]], grace: float) -> None:
    """SIGTERM to each child's session (a child run then stops its server and Dredd),
    SIGKILL to what is left after ``grace`` seconds; never the caller's own group."""
    for process in children:
        _signal_session(process, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in children:
        try:
            process.wait(timeout=max(0.05, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_session(process, signal.SIGKILL)  # its server and Dredd die with it
            process.wait()


def _signal_session(process: subprocess.Popen[Any], signum: int) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)
