"""The handler dies with the process that started it (Dredd), even one killed by SIGKILL.

On Linux, `prctl(PR_SET_PDEATHSIG, SIGTERM)` has the kernel send us SIGTERM when our
parent dies, so we stop as Dredd would have stopped us. Elsewhere, and for the moment
before prctl is armed, the serve loop and the watchdog compare `os.getppid()` with the
parent seen at start: an orphan is re-parented, so the pid changes.
"""

from __future__ import annotations

import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def arm_parent_death_signal() -> int:
    """Ask for SIGTERM when the parent dies (Linux); returns the parent's pid.

    SystemExit(0) when the parent is already gone: nobody is left to talk to.
    """
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):  # no libc prctl (musl without it, sandboxes)
            pass
    if os.getppid() != parent:  # died before prctl was armed: the signal never comes
        raise SystemExit(0)
    return parent
