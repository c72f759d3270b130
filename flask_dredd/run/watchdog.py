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
start-up has its own limits (:class:`StartUpWork`): it may work for :func:`startup_limit`
(60 s + 0.1 s per transaction, never under the stall limit) of CPU time of Dredd and
the handler (counted in CPU, a parse that needs 80 s of CPU is not "stalled" after 6
minutes on a machine at a load of 20; the wall clock where /proc is missing), and it
may not do nothing at all (no CPU used, no file written) for a minute or the stall
limit. A run that breaks either stops with "Dredd did not start its first transaction
within N s", saying which and what the handler was doing, never naming a transaction
that did not begin.
The runner raises Dredd's own `hooks-worker-connect-timeout` to the same limit, so
Dredd does not give up on a slow handler first.
"""

from __future__ import annotations

import contextlib
import http.client
import os
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
#: A start-up that does nothing (no CPU used by Dredd or the handler, no file written)
#: for this long, or the stall limit if longer, has stalled whatever its limit.
STARTUP_IDLE = 60.0
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
    idle_limit = max(stall_timeout, min(STARTUP_IDLE, startup_timeout))
    started = last_change = time.monotonic()
    last = watched.signature()
    armed = watched.transactions_started()  # the first transaction began: the stall clock runs
    work = StartUpWork(process.pid)
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
        if not armed and work.progressed():
            last_change = now
        if not armed:
            over = work.seconds(now - started) >= startup_timeout
            idle = None if over or now - last_change < idle_limit else now - last_change
            if over or idle is not None:
                cause = startup_cause(watched, startup_timeout, now - started, idle)
                return Stop("stall", cause)
        if armed and now - last_change >= stall_timeout:
            return Stop("stall", stall_cause(watched, now - last_change))
        if now - started >= dredd_timeout:
            return Stop(
                "timeout",
                f"Dredd still running after {dredd_timeout:.0f} s (--dredd-timeout), on "
                f"{watched.in_flight()}",
            )


class StartUpWork:
    """How much Dredd's start-up has worked: the CPU seconds of Dredd and its children
    (the hooks handler), from Linux's /proc; elsewhere, the wall clock.

    A start-up on a loaded machine gets a share of a core: counted in wall seconds, a
    parse that needs 60 s of CPU took 5 minutes at a load of 20 and was "stalled".
    """

    #: Seconds between two looks (each reads every process's /proc/N/stat).
    EVERY = 1.0

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.looked = time.monotonic()
        self.last = self._cpu()

    def _cpu(self) -> float | None:
        """CPU seconds of ``pid`` and its descendants (ended children included)."""
        try:
            stats = {}
            for entry in os.scandir("/proc"):
                if entry.name.isdigit():
                    with contextlib.suppress(OSError, IndexError, ValueError):
                        with open(f"/proc/{entry.name}/stat", "rb") as stat:
                            fields = stat.read().rpartition(b")")[2].split()
                        stats[int(entry.name)] = (int(fields[1]), sum(map(int, fields[11:15])))
        except OSError:
            return None
        if self.pid not in stats:
            return None
        tree = {self.pid}
        changed = True
        while changed:
            changed = False
            for pid, (parent, _) in stats.items():
                if parent in tree and pid not in tree:
                    tree.add(pid)
                    changed = True
        return sum(stats[pid][1] for pid in tree) / self.tick

    def progressed(self) -> bool:
        """Whether the start-up used CPU since the last look (at most one a second)."""
        if time.monotonic() - self.looked < self.EVERY:
            return False
        self.looked = time.monotonic()
        cpu = self._cpu()
        if cpu is None or self.last is None or cpu <= self.last:
            return False
        self.last = cpu
        return True

    def seconds(self, wall: float) -> float:
        """The start-up's work so far: its CPU seconds, or ``wall`` without /proc."""
        return wall if self.last is None else self.last


def startup_cause(watched: Watched, limit: float, elapsed: float, idle: float | None) -> str:
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
    if idle is not None:
        why = f"its start-up did nothing (no CPU used, no file written) for {idle:.0f} s"
    else:
        why = (
            f"its start-up limit for {len(watched.names)} transactions, {limit:.0f} s of work: "
            "parsing the blueprint, starting the hooks handler, before_all"
        )
    return f"Dredd did not start its first transaction within {elapsed:.0f} s ({why}); {doing}"


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
