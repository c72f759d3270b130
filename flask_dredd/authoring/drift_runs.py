"""`flask dredd drift`'s children and its work folder, owned the way a run owns its own.

- :class:`Sessions`: every child (the template's migration, each contract run) is
  started from the main thread in a session of its own, tied to drift's life
  (:func:`flask_dredd.run.lifetime.die_with_runner`), its output written to a log file
  (no pipe to drain, so no thread). Ctrl-C in a shell then reaches drift alone, and
  :meth:`Sessions.stop` passes it on: SIGTERM to each child's session (a contract run
  stops its server and Dredd), SIGKILL to whatever is left after :data:`STOP_GRACE`.
  Its server and Dredd die with it (they carry the parent-death signal too).
- :func:`work_folder`: the temporary folder of one drift (the migrated template, each
  run's database copy, the logs), removed when drift ends, interrupted included. It
  names its owner (``owner.json``: pid and the process's start time), so a later drift
  removes one whose owner is gone (a SIGKILLed drift): only folders of our prefix,
  owned by this user, holding an owner file, whose owner process no longer lives.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from dredd_hooks_handler.lifeline import is_running

from flask_dredd.run.lifetime import die_with_runner, raise_if_interrupted, stop_sessions

#: The work folder's name starts with this, in the system's temporary directory.
FOLDER_PREFIX = "flask-dredd-drift-"
OWNER_FILE = "owner.json"
#: How long a child may take to stop after SIGTERM before it is killed. A contract run
#: stops its server and Dredd in 1-2 s; the whole stop must stay under 5 s.
STOP_GRACE = 3.0
STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
#: How often the children are looked at while drift waits for them.
POLL = 0.1


def _start_ticks(pid: int) -> str | None:
    """When ``pid`` started (clock ticks since boot, from /proc): a pid reused later differs."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rpartition(b")")[2].split()[19].decode()
    except (OSError, IndexError):
        return None


def _owner_gone(folder: Path) -> bool:
    """Whether ``folder`` provably belongs to a drift that is no longer running."""
    try:
        if folder.is_symlink() or not folder.is_dir() or folder.stat().st_uid != os.getuid():
            return False
        owner = json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))
        pid, started = int(owner["pid"]), owner["started"]
    except (OSError, ValueError, KeyError, TypeError):
        return False  # not provably ours (yet: a drift starting writes its owner file next)
    return not is_running(pid) or _start_ticks(pid) != started


def remove_abandoned(parent: Path) -> list[Path]:
    """Remove the work folders of drifts that died without removing theirs; those removed."""
    removed = []
    for folder in sorted(parent.glob(f"{FOLDER_PREFIX}*")):
        if _owner_gone(folder):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


@contextlib.contextmanager
def work_folder(note: Callable[[str], None]) -> Iterator[Path]:
    """A new work folder naming this process as its owner, removed on the way out."""
    removed = remove_abandoned(Path(tempfile.gettempdir()))
    if removed:
        note(f"removed {len(removed)} work folder(s) left by a killed drift: "
             + ", ".join(str(f) for f in removed))  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))
    try:
        owner = {"pid": os.getpid(), "started": _start_ticks(os.getpid())}
        (folder / OWNER_FILE).write_text(json.dumps(owner), encoding="utf-8")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Sessions:
    """The children of one drift, each in a session of its own; :meth:`stop` ends them."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, command: list[str], *, cwd: Path, env: dict[str, str], log: Path
              ) -> subprocess.Popen[bytes]:  # fmt: skip
        """Start ``command`` from this (the main) thread: the parent-death signal is per thread.

        Ctrl-C and SIGTERM are held back while the child is forked: raised inside the
        at-fork hooks, Python printed "Exception ignored" and a traceback, and dropped
        them. They arrive once the child is started and tracked, to be stopped with the
        rest; the child unblocks them for itself before it runs.
        """
        arm = die_with_runner()

        def in_child() -> None:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
            if arm is not None:
                arm()

        held = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            with open(log, "wb") as output:
                process = subprocess.Popen(
                    command,
                    cwd=cwd,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=in_child,
                )
            self.running.append(process)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)  # a held signal raises here
        raise_if_interrupted()
        return process

    def ended(self) -> list[subprocess.Popen[bytes]]:
        """The children that ended since the last call (each returned once)."""
        done = [p for p in self.running if p.poll() is not None]
        self.running = [p for p in self.running if p not in done]
        return done

    def wait(self, process: subprocess.Popen[bytes], limit: float) -> int:
        """``process``'s exit code; stopped (and its code then) once it runs over ``limit`` s."""
        deadline = time.monotonic() + limit
        while process.poll() is None:
            if time.monotonic() > deadline:
                self.stop([process])
                break
            time.sleep(POLL)
        self.running = [p for p in self.running if p is not process]
        return process.wait()

    def stop(self, processes: list[subprocess.Popen[bytes]] | None = None) -> None:
        """SIGTERM to each child's session, SIGKILL to what is left after STOP_GRACE."""
        stop_sessions(self.running if processes is None else processes, STOP_GRACE)
