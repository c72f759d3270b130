"""`flask dredd drift` owns its children: Ctrl-C or SIGTERM stops them all, fast.

Issue 18: drift ignored SIGINT sent to its pid (its thread pool kept starting runs for
minutes), SIGTERM left its temporary folder behind, and Ctrl-C in a shell ended with
Click's `Aborted!` and exit 1, the code of "a drift went uncaught". Each case starts
drift on a two-drift catalogue (three runs with the control), waits for the event that
puts it in the phase, sends the signal and requires, within 5 s: drift ended with 130,
no process it started is alive (zombies are dead: this machine's init never reaps), no
work folder is left in its temporary directory.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from dredd_hooks_handler.lifeline import is_running

from flask_dredd.authoring.drift_runs import (
    FOLDER_PREFIX,
    OWNER_FILE,
    _start_ticks,
    remove_abandoned,
)

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")
GONE_WITHIN = 5.0
MARKER = "FLASK_DREDD_TEST_DRIFT"


class Drifting:
    """`flask dredd drift` in a session of its own, its output read line by line."""

    def __init__(self, tmp_path: Path) -> None:
        (tmp_path / "tiny_drifts.py").write_text(
            "from drift.catalogue import DRIFTS\nDRIFTS = DRIFTS[:2]\n"
        )
        self.tmp = tmp_path / "tmp"
        self.tmp.mkdir()
        self.marker = uuid.uuid4().hex
        env = {
            **os.environ, "EVENTAPI_CONFIG": "contract", "TMPDIR": str(self.tmp),
            MARKER: self.marker, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        }  # fmt: skip
        self.process = subprocess.Popen(
            [FLASK, "--app", "eventapi", "dredd", "drift", "--catalogue", "tiny_drifts",
             "--jobs", "2", "--reports-dir", str(tmp_path / "reports")],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,
        )  # fmt: skip
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for_line(self, start: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.output.append(line)
            if line.startswith(start):
                return
        self.process.kill()
        pytest.fail(f"drift never printed {start!r}:\n{self.text()}")

    def processes(self) -> dict[int, str]:
        """pid -> command line of each live process drift started (by the test's marker)."""
        found = {}
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit() or int(proc.name) == self.process.pid:
                continue
            try:
                environ = (proc / "environ").read_bytes().split(b"\0")
                if f"{MARKER}={self.marker}".encode() not in environ:
                    continue
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if is_running(int(proc.name)):
                found[int(proc.name)] = command
        return found

    def wait_for_process(self, part: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            if any(part in command for command in self.processes().values()):
                return
            time.sleep(0.05)
        self.process.kill()
        pytest.fail(f"no process of drift ran {part!r}:\n{self.text()}")

    def left_after(self, signalled: float) -> dict[int, str]:
        while True:
            left = self.processes()
            if not left or time.monotonic() > signalled + GONE_WITHIN:
                return left
            time.sleep(0.05)

    def folders(self) -> list[Path]:
        return sorted(self.tmp.glob(f"{FOLDER_PREFIX}*"))

    def text(self) -> str:
        """Everything drift printed so far; all of it once drift has ended."""
        ended = self.process.poll() is not None
        while True:
            try:
                line = self.lines.get(timeout=10) if ended else self.lines.get_nowait()
            except queue.Empty:
                break
            if line is None:
                self.lines.put(None)  # for a later call
                break
            self.output.append(line)
        return "".join(self.output)


CASES = [
    (signal.SIGINT, "pid", "started"),  # as the issue sent it: ignored for minutes
    (signal.SIGINT, "group", "started"),  # Ctrl-C in a shell: `Aborted!`, exit 1
    (signal.SIGINT, "pid", "dredd"),
    (signal.SIGTERM, "pid", "dredd"),  # left the work folder behind
]


@pytest.mark.e2e
@pytest.mark.parametrize(("signum", "target", "phase"), CASES,
                         ids=[f"{s.name}-{t}-{p}" for s, t, p in CASES])  # fmt: skip
def test_drift_stops_every_run_and_removes_its_folder(
    tmp_path: Path, signum: signal.Signals, target: str, phase: str
):
    drift = Drifting(tmp_path)
    drift.wait_for_line("[drift] started control")
    if phase == "dredd":  # a run is replaying the contract: server, Dredd and handler up
        drift.wait_for_process("flask_dredd.recorder")
    assert drift.folders(), drift.text()
    signalled = time.monotonic()
    if target == "group":
        os.killpg(drift.process.pid, signum)
    else:
        os.kill(drift.process.pid, signum)
    try:
        drift.process.wait(timeout=GONE_WITHIN)
    except subprocess.TimeoutExpired:
        drift.process.kill()
        pytest.fail(f"drift still running {GONE_WITHIN} s after {signum.name}:\n{drift.text()}")
    left = drift.left_after(signalled)
    output = drift.text()
    assert not left, f"left {GONE_WITHIN} s after {signum.name}: {left}\n{output}"
    assert drift.folders() == [], output
    assert drift.process.returncode == 130, output
    assert f"[drift] interrupted by {signum.name}" in output, output
    assert "Aborted!" not in output and "Traceback" not in output, output


@pytest.mark.e2e
def test_a_killed_drifts_folder_is_removed_by_the_next(tmp_path: Path):
    drift = Drifting(tmp_path)
    drift.wait_for_line("[drift] started control")
    drift.wait_for_process("flask_dredd.recorder")
    signalled = time.monotonic()
    os.kill(drift.process.pid, signal.SIGKILL)
    drift.process.wait(timeout=GONE_WITHIN)
    # Its runs die with it (the parent-death signal), but its folder stays behind...
    assert not drift.left_after(signalled), drift.text()
    (left,) = drift.folders()
    # ...until the next drift starts: it removes the folder of an owner that is gone.
    assert remove_abandoned(drift.tmp) == [left]
    assert drift.folders() == []


def test_only_folders_provably_of_a_dead_drift_are_removed(tmp_path: Path):
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    dead_pid = int(ended.stdout)

    def folder(name: str, owner: str | None) -> Path:
        path = tmp_path / f"{FOLDER_PREFIX}{name}"
        path.mkdir()
        if owner is not None:
            (path / OWNER_FILE).write_text(owner)
        return path

    dead = folder("dead", f'{{"pid": {dead_pid}, "started": "1"}}')
    reused = folder("reused", f'{{"pid": {os.getpid()}, "started": "-1"}}')  # a pid reused
    mine = folder("mine", f'{{"pid": {os.getpid()}, "started": "{_start_ticks(os.getpid())}"}}')
    starting = folder("starting", None)  # its drift has not written the owner yet
    garbled = folder("garbled", "{not json")
    other = tmp_path / "not-drift"
    other.mkdir()
    (other / OWNER_FILE).write_text(f'{{"pid": {dead_pid}, "started": "1"}}')
    (tmp_path / f"{FOLDER_PREFIX}link").symlink_to(dead, target_is_directory=True)
    assert remove_abandoned(tmp_path) == [dead, reused]
    assert all(p.exists() for p in (mine, starting, garbled, other))


@pytest.mark.e2e
def test_an_uninterrupted_drift_judges_every_run_and_leaves_no_folder(tmp_path: Path):
    """The runs, started from drift's main thread, are each judged as they end."""
    drift = Drifting(tmp_path)
    drift.process.wait(timeout=900)
    output = drift.text()
    assert drift.process.returncode == 0, output
    started = re.findall(r"^\[drift\] started (.+)$", output, re.MULTILINE)
    assert started == ["control", "renamed field", "removed field"], output
    verdicts = dict(re.findall(r"^\[drift\] (.+?)\s{2,}(\S.*)$", output, re.MULTILINE))
    assert verdicts.pop("control").startswith("passes"), output
    assert {name: text.split(":")[0] for name, text in verdicts.items()} == {
        "renamed field": "caught by Dredd",
        "removed field": "caught by Dredd",
    }, output
    assert re.search(r"^caught 2 of 2 drifts \(by Dredd 2, by check 0\)", output, re.MULTILINE)
    assert drift.folders() == [] and not drift.processes(), output
