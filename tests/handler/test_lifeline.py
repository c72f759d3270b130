"""No handler outlives its run: it ends when Dredd, its parent, dies, even by SIGKILL.

Linux sends it SIGTERM then (PR_SET_PDEATHSIG, armed at start); a hook stuck for good,
which no signal unwinds, is covered by the watchdog noticing the new parent pid.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import OLDEST_NEWEST, free_port, handler_env, python_for
from .test_hangs import wait_until_gone

#: Starts the handler, says its pid, optionally sends one message, then waits to be killed.
PARENT = """
import json, socket, subprocess, sys, time
python, hook_file, port, message = sys.argv[1:5]
handler = subprocess.Popen(
    [python, "-m", "dredd_hooks_handler", "--port", port, hook_file], stdout=subprocess.PIPE
)
assert handler.stdout.readline().startswith(b"Starting")
if message:
    client = socket.create_connection(("127.0.0.1", int(port)))
    client.sendall(message.encode() + b"\\n")
    time.sleep(0.5)  # the hook is running by then
print(handler.pid, flush=True)
time.sleep(600)
"""

STUCK = """
import time
import dredd_hooks as hooks

@hooks.before_each
def stuck(transaction):
    while True:  # no signal unwinds this hook
        try:
            time.sleep(600)
        except BaseException:
            pass
"""


def start_parent(tmp_path: Path, python: str, message: str, port: int) -> tuple:
    hook_file = tmp_path / "stuck.py"
    hook_file.write_text(STUCK)
    env = handler_env(bare=True, FLASK_DREDD_HOOK_TIMEOUT="0")  # no abort: only the parent
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, python, str(hook_file), str(port), message],
        stdout=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    assert parent.stdout is not None
    line = parent.stdout.readline()
    assert line.strip().isdigit(), f"the parent did not start the handler: {line!r}"
    return parent, int(line)


@pytest.mark.parametrize("version", OLDEST_NEWEST)
@pytest.mark.parametrize("busy", [False, True], ids=["idle", "hook-stuck"])
def test_the_handler_dies_with_a_parent_killed_by_sigkill(version, busy, tmp_path):
    python = python_for(version)
    message = '{"event": "beforeEach", "uuid": "u", "data": {"name": "A"}}' if busy else ""
    parent, handler_pid = start_parent(tmp_path, python, message, free_port())
    try:
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        # Idle: the parent-death signal ends it at once. Stuck in a hook that swallows
        # it: the watchdog's parent check, after its 1.5 s grace.
        assert wait_until_gone(handler_pid, 5.0), f"handler {handler_pid} outlived its parent"
    finally:
        if not wait_until_gone(handler_pid, 0):
            os.kill(handler_pid, signal.SIGKILL)
        parent.stdout.close()


IDLE = "import dredd_hooks as hooks\n"


def start_with_lifeline(tmp_path: Path, python: str, lifeline: int) -> subprocess.Popen:
    hook_file = tmp_path / "idle.py"
    hook_file.write_text(IDLE)
    return subprocess.Popen(
        # Port 0: any free one (nothing connects), so no other test can take it first.
        [python, "-m", "dredd_hooks_handler", "--port", "0", str(hook_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=handler_env(bare=True, FLASK_DREDD_HANDLER_LIFELINE=str(lifeline)),
        cwd=tmp_path,
    )


@pytest.mark.parametrize("version", OLDEST_NEWEST)
def test_a_handler_whose_lifeline_is_already_gone_does_not_start(version, tmp_path):
    # The run was killed while Dredd spawned the handler: by the time the handler looks,
    # its parent is init, as an orphan's is. Only the lifeline tells. A zombie (dead,
    # not yet reaped by its parent) is gone too.
    python = python_for(version)
    runner = subprocess.Popen([sys.executable, "-c", "pass"])
    assert wait_until_gone(runner.pid, 10.0)  # a zombie: not reaped until the end
    handler = start_with_lifeline(tmp_path, python, runner.pid)
    try:
        out, err = handler.communicate(timeout=15)
    finally:
        runner.wait()
    assert handler.returncode == 0, err.decode()
    assert b"Starting" not in out, "the handler started although its lifeline was gone"


@pytest.mark.parametrize("version", OLDEST_NEWEST)
def test_a_serving_handler_stops_when_its_lifeline_dies(version, tmp_path):
    python = python_for(version)
    runner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    handler = start_with_lifeline(tmp_path, python, runner.pid)
    try:
        assert handler.stdout is not None
        assert handler.stdout.readline().startswith(b"Starting")
        runner.kill()  # not reaped: a zombie still counts as gone
        assert wait_until_gone(handler.pid, 5.0), "the handler outlived its lifeline"
    finally:
        runner.kill()
        runner.wait()
        if handler.poll() is None:
            handler.kill()
        handler.communicate()
