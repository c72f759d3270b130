"""The stall watchdog: Dredd runs while transactions progress, and no longer.

Progress is any growth of the records file (one line per finished transaction) or of
Dredd's xunit report (one test case per transaction: the only sign a handler without
records gives), or any change of the handler's in-flight file (rewritten per message
and per hook). With no
progress for ``stall_timeout`` seconds, or Dredd still running after ``dredd_timeout``,
`watch()` returns a `Stop` naming what was in flight and whether the server still
answers an HTTP probe; the caller then stops Dredd and the server. A frozen server
(SIGSTOP) so ends the run in about ``stall_timeout``, with that said.

The stall clock starts at the first transaction. Before it is Dredd's start-up: Dredd
parses and compiles the blueprint (it grows with the contract; measured on the loaded
2-core development machine: 9 s from Dredd's start to the first transaction for 300
transactions, about 50 s of parse alone for 3,000 when Dredd's compile cache misses),
starts the hooks handler, which imports the hook files and with them the app (7-20 s
for the 3,000-transaction scale project), and the handler runs `before_all`. The
start-up has its own limit, :func:`startup_limit` (60 s + 0.1 s per transaction, never
under the stall limit), counted from Dredd's start; a run that does not reach its first
transaction within it stops with "Dredd did not start its first transaction within N
s", saying what the handler was doing, never naming a transaction that did not begin.
The runner raises Dredd's own `hooks-worker-connect-timeout` to the same limit, so
Dredd does not give up on a slow handler first.
"""

from __future__ import annotations

import http.client
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask_dredd.reporting.results import RECORD_FILE, read_records
from flask_dredd.reporting.xunit import XUNIT_FILE
from flask_dredd.run.inflight import INFLIGHT_FILE, read_inflight, what_was_in_flight

DEFAULT_STALL_TIMEOUT = 60.0
#: Dredd's start-up limit: this much for any contract, plus this much per transaction.
STARTUP_BASE = 60.0
STARTUP_PER_TRANSACTION = 0.1
STALL_TIMEOUT_ENV = "FLASK_DREDD_STALL_TIMEOUT"
PROBE_TIMEOUT = 3.0  # seconds; a healthy server under a run's load answers in milliseconds


@dataclass(frozen=True)
class Stop:
    """Why the watchdog ended a Dredd run that was still going."""

    kind: str  # "stall" or "timeout"
    cause: str  # for the closing line, after "aborted — "


@dataclass
class Watched:
    """The files whose changes are progress, and what a stall message needs."""

    records: Path
    inflight: Path
    names: list[str]  # the compiled transactions, in run order
    endpoint: str  # the server Dredd tests, probed on a stall
    xunit: Path | None = None  # Dredd's xunit report, as it is being written

    @classmethod
    def in_folder(cls, reports: Path, names: list[str], endpoint: str) -> Watched:
        """The records, in-flight file and xunit report a run keeps in its reports folder."""
        return cls(
            reports / RECORD_FILE, reports / INFLIGHT_FILE, names, endpoint, reports / XUNIT_FILE
        )

    def signature(self) -> tuple[int, int, bytes]:
        try:
            inflight = self.inflight.read_bytes()
        except OSError:
            inflight = b""
        return _size(self.records), _size(self.xunit), inflight

    def transactions_started(self) -> bool:
        """A transaction was recorded or reported, or the handler has one in flight."""
        if _size(self.records) > 0 or self._reported() > 0:
            return True
        found = read_inflight(self.inflight)
        return found is not None and found.transaction is not None

    def in_flight(self) -> str:
        recorded = [str(r.get("name")) for r in read_records(self.records)]
        if not recorded:  # a handler that keeps no records: Dredd runs them in order
            recorded = self.names[: self._reported()]
        return what_was_in_flight(self.inflight, recorded, self.names)

    def _reported(self) -> int:
        """Test cases in Dredd's xunit report so far."""
        try:
            return self.xunit.read_bytes().count(b"<testcase ") if self.xunit else 0
        except OSError:
            return 0


def _size(path: Path | None) -> int:
    try:
        return path.stat().st_size if path is not None else -1
    except OSError:
        return -1


def startup_limit(transactions: int, stall_timeout: float = DEFAULT_STALL_TIMEOUT) -> float:
    """How long Dredd may take from its start to its first transaction."""
    return max(stall_timeout, STARTUP_BASE + STARTUP_PER_TRANSACTION * transactions)


def watch(
    process: subprocess.Popen[bytes],
    watched: Watched,
    *,
    stall_timeout: float,
    dredd_timeout: float,
    startup_timeout: float | None = None,
    poll: float = 0.25,
) -> Stop | None:
    """Wait for ``process`` (Dredd); None when it ended by itself, else why to stop it.

    ``startup_timeout``: the start-up's limit, :func:`startup_limit` of the contract's
    size unless given.
    """
    if startup_timeout is None:
        startup_timeout = startup_limit(len(watched.names), stall_timeout)
    started = last_change = time.monotonic()
    last = watched.signature()
    armed = watched.transactions_started()  # the first transaction began: the stall clock runs
    while True:
        try:
            process.wait(timeout=poll)
            return None
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        current = watched.signature()
        if current != last:
            last, last_change = current, now
            armed = armed or watched.transactions_started()
        if not armed and now - started >= startup_timeout:
            return Stop("stall", startup_cause(watched, startup_timeout))
        if armed and now - last_change >= stall_timeout:
            return Stop("stall", stall_cause(watched, now - last_change))
        if now - started >= dredd_timeout:
            return Stop(
                "timeout",
                f"Dredd still running after {dredd_timeout:.0f} s (--dredd-timeout), on "
                f"{watched.in_flight()}",
            )


def startup_cause(watched: Watched, limit: float) -> str:
    """`Dredd did not start its first transaction within 360 s (…); the hooks handler …`."""
    found = read_inflight(watched.inflight)
    if found is not None and (found.event or found.hook):
        doing = f"the hooks handler was in {found.describe()}"
    elif found is not None:
        doing = "the hooks handler was between messages"
    else:
        doing = (
            "the hooks handler had no message from Dredd yet (Dredd was parsing the "
            "blueprint, or the handler importing the hook files)"
        )
    return (
        f"Dredd did not start its first transaction within {limit:.0f} s (its start-up "
        f"limit for {len(watched.names)} transactions: parsing the blueprint, starting the "
        f"hooks handler, before_all); {doing}"
    )


def stall_cause(watched: Watched, idle: float) -> str:
    """`no transaction progress for 60 s on "…" (…); the server at … does not answer …`."""
    in_flight = watched.in_flight()
    if probe(watched.endpoint):
        server = (
            f"the server at {watched.endpoint} still answers a probe, so Dredd, the hooks "
            "handler or a hook is stuck"
        )
    else:
        server = (
            f"the server at {watched.endpoint} does not answer a probe within "
            f"{PROBE_TIMEOUT:.0f} s: it is frozen or overloaded (see its log)"
        )
    return f"no transaction progress for {idle:.0f} s on {in_flight}; {server}"


def probe(endpoint: str, timeout: float = PROBE_TIMEOUT) -> bool:
    """Does ``endpoint`` answer an HTTP request, whatever the status?"""
    parts = urlsplit(endpoint)
    if not parts.hostname:
        return False
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", parts.path or "/")
        connection.getresponse().read()
        return True
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()
