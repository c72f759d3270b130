"""The handler's settings: their names, where each is read, and in which order.

Each setting is read from, first to last:

1. its command-line option (`--port`, `--hook-timeout`, `--stall-timeout`, `--log`);
2. its own variable, `DREDD_HOOKS_HANDLER_*`;
3. the `FLASK_DREDD_*` alias flask-dredd has always set (kept for it and its users);
4. for the port and the hook limit: what Dredd was told (`dredd_options`), its
   `hooks-worker-handler-port` and `hooks-worker-timeout`;
5. the default: port 61321; no hook limit and no stall limit.

The hook limit is when a message still waiting for its hooks is answered anyway, its
transaction failed naming the hook: just before Dredd would give up on it itself
(`limit_under`), so the name reaches Dredd instead of its bare "Hook timed out.". The
stall limit is when a hook still running is taken as one that never returns, and the
run is ended (`timing`).
"""

from __future__ import annotations

import os
from typing import Mapping, NamedTuple, Optional, Tuple


class Setting(NamedTuple):
    option: str
    name: str  # DREDD_HOOKS_HANDLER_*
    alias: str  # FLASK_DREDD_*
    what: str
    help: str


PORT = Setting(
    "--port",
    "DREDD_HOOKS_HANDLER_PORT",
    "FLASK_DREDD_HOOKS_PORT",
    "port",
    "the port to listen on; else Dredd's hooks-worker-handler-port, else 61321",
)
TIMEOUT = Setting(
    "--hook-timeout",
    "DREDD_HOOKS_HANDLER_TIMEOUT",
    "FLASK_DREDD_HOOK_TIMEOUT",
    "hook time limit",
    "seconds a message may wait for its hooks before it is answered, its "
    "transaction failed naming the hook (0: never); else just under Dredd's "
    "hooks-worker-timeout, else 0",
)
STALL = Setting(
    "--stall-timeout",
    "DREDD_HOOKS_HANDLER_STALL_TIMEOUT",
    "FLASK_DREDD_STALL_TIMEOUT",
    "stall limit",
    "seconds one hook may run before it is taken as hung and the run ends "
    "(0: never); else 10 hook limits and at least 60, or 0 without a hook limit",
)
LOG = Setting(
    "--log",
    "DREDD_HOOKS_HANDLER_LOG",
    "FLASK_DREDD_HANDLER_LOG",
    "log file",
    "a file that also gets the diagnostics (Dredd shows stderr only at debug)",
)
SETTINGS = (PORT, TIMEOUT, STALL, LOG)

DEFAULT_PORT = 61321
MIN_STALL, STALL_LIMITS = 60.0, 10


def from_environment(
    setting: Setting, environ: Optional[Mapping[str, str]] = None
) -> Tuple[str, str]:
    """(value, the variable it came from), own name before alias; ("", "") when unset."""
    found = os.environ if environ is None else environ
    for name in (setting.name, setting.alias):
        value = found.get(name, "").strip()
        if value:
            return value, name
    return "", ""


def margin(dredd_ms: float) -> float:
    """Seconds our answer leaves Dredd before its own timeout: 5% of it, 0.25 to 1 s.

    Enough for the watchdog to wake and the answer to cross loopback on a busy machine;
    small, because a hook that ends inside the margin would have passed under the stock
    handler.
    """
    return min(1.0, max(0.25, dredd_ms / 1000 * 0.05))


def limit_under(dredd_ms: float) -> float:
    """The hook limit, in seconds, for Dredd's hooks-worker-timeout of `dredd_ms`."""
    seconds = dredd_ms / 1000
    return max(seconds - margin(dredd_ms), seconds / 2)


def default_stall(limit: float) -> float:
    """With a hook limit, a hook is hung after 10 of them, at least 60 s; else never."""
    return max(MIN_STALL, STALL_LIMITS * limit) if limit else 0.0


def seconds_from(raw: str, setting: Setting, source: str) -> float:
    """A number of seconds >= 0; ValueError naming where it came from and what it takes."""
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise ValueError(
            f"{setting.what} {raw!r} ({source}) is not a number of seconds: give e.g. 4 "
            f"or 2.5 (0 turns it off)"
        )
    return value
