"""The handler dies with the process that started it (Dredd), even one killed by SIGKILL.

On Linux, `prctl(PR_SET_PDEATHSIG, SIGTERM)` has the kernel send us SIGTERM when our
parent dies, so we stop as Dredd would have stopped us. Elsewhere, and for the moment
before prctl is armed, the serve loop and the watchdog compare `os.getppid()` with the
parent seen at start: an orphan is re-parented, so the pid changes.

That leaves one gap: a parent that died while the interpreter was still starting (a
run killed as Dredd spawned us). By the time we look, the orphan's parent is already
init, and nothing tells it from the real one. So whoever starts Dredd can name itself
in ``$FLASK_DREDD_HANDLER_LIFELINE`` (a pid): the handler will not start, and stops,
once that process is gone. `flask dredd run` names its runner there.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import Optional

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

#: A pid the handler must not outlive (the process that started Dredd).
LIFELINE_ENV = "FLASK_DREDD_HANDLER_LIFELINE"


def is_running(pid: int) -> bool:
    """Whether `pid` is a live process: neither gone nor a zombie awaiting its reaping."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # "pid (comm) S ...": comm may hold spaces and ")"; the state follows the last ")".
            return stat.read().rpartition(b")")[2].split()[0] not in (b"Z", b"X")
    except FileNotFoundError:
        return False
    except (OSError, IndexError):  # no /proc (not Linux): existence is all we can tell
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's, alive
        return True
    return True


#: Seconds between two looks at the named lifeline: the serve loop asks after every
#: message, and reading /proc each time would be most of a short message's cost.
LIFELINE_TICK = 0.5


class Lifeline:
    """The processes whose end is ours: the parent seen at start, and the named lifeline."""

    def __init__(self, parent: int, lifeline: Optional[int] = None) -> None:
        self.parent = parent
        self.lifeline = lifeline
        self._next_look = 0.0

    @classmethod
    def none(cls) -> Lifeline:
        """For a handler run in-process (tests): never gone."""
        return cls(parent=0)

    def gone(self) -> bool:
        """Whether the process that started us, or the named lifeline, has ended."""
        if not self.parent:
            return False
        if os.getppid() != self.parent:
            return True
        if self.lifeline is None or time.monotonic() < self._next_look:
            return False
        self._next_look = time.monotonic() + LIFELINE_TICK
        return not is_running(self.lifeline)


def lifeline_from_environment() -> Optional[int]:
    """The pid in $FLASK_DREDD_HANDLER_LIFELINE; None when unset or not a pid."""
    raw = os.environ.get(LIFELINE_ENV, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


def arm_parent_death_signal() -> Lifeline:
    """Ask for SIGTERM when the parent dies (Linux); returns what to watch from now on.

    SystemExit(0) when the parent or the lifeline is already gone: nobody is left to
    talk to.
    """
    lifeline = Lifeline(os.getppid(), lifeline_from_environment())
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):  # no libc prctl (musl without it, sandboxes)
            pass
    # Checked after arming: a parent dying from now on sends the signal. Before, it may
    # have died unseen (then only the lifeline, if named, tells).
    if lifeline.gone():
        raise SystemExit(0)
    return lifeline
