"""Real Dredd 14.1.0, our handler, and a stdlib server: what a user sees when hooks fail.

What Dredd does with `fail` depends on the phase (TransactionRunner.js): set before the
request (beforeAll, beforeEach) it skips the request and reports "Failed in before
hook: <fail>"; set after it (beforeEachValidation, afterEach) it reports "Failed in
after hook: <fail>" for a transaction that passed validation (the handler adds the
message to the validation errors of one that did not). After afterAll there is no
transaction left to fail.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import DREDD, FIXTURES, free_port, handler_env

ANSI = re.compile(r"\x1b\[[0-9;]*m")  # Dredd colours some lines even with --no-color
pytestmark = pytest.mark.skipif(not DREDD.exists(), reason="node_modules missing: npm ci")


class DreddRun:
    """What one Dredd run printed, returned, took, and which requests reached the server."""

    def __init__(self, proc: subprocess.CompletedProcess[str], seconds: float, requests: list):
        self.output = ANSI.sub("", proc.stdout + proc.stderr)
        self.status = proc.returncode
        self.seconds = seconds
        self.requests = requests

    def summary(self) -> str:
        found = re.search(
            r"complete: (\d+ passing, \d+ failing, \d+ errors, \d+ skipped)", self.output
        )
        return found[1] if found else f"no summary in:\n{self.output}"


@pytest.fixture
def dredd(tmp_path: Path) -> Iterator:
    """`dredd(hook_code)`: run Dredd once on notes.apib with `hook_code` as hooks.py."""
    shutil.copy(FIXTURES / "notes.apib", tmp_path / "notes.apib")
    server_port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(FIXTURES / "notes_server.py"), str(server_port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdout.readline() == "serving\n"

    def run(hook_code: str, **env: str) -> DreddRun:
        (tmp_path / "hooks.py").write_text(hook_code)
        port = free_port()
        started = time.monotonic()
        proc = subprocess.run(
            [
                str(DREDD),
                "notes.apib",
                f"http://127.0.0.1:{server_port}",
                f"--language={sys.executable} -m flask_dredd.handler --port {port}",
                f"--hooks-worker-handler-port={port}",
                "--hookfiles=hooks.py",
                "--hooks-worker-connect-timeout=30000",  # a loaded machine starts Python slowly
                "--no-color",
            ],
            cwd=tmp_path,  # no dredd.yml from anywhere else
            env=handler_env(**env),
            capture_output=True,
            text=True,
            timeout=120,
        )
        seconds = time.monotonic() - started
        server.terminate()
        requests = [line.split(" ", 1)[1] for line in server.stdout if line.startswith("request")]
        return DreddRun(proc, seconds, requests)

    yield run
    if server.poll() is None:
        server.terminate()
    server.wait()
    server.stdout.close()


def test_a_failing_hook_fails_just_its_transaction(dredd):
    run = dredd(
        """\
import dredd_hooks as hooks

@hooks.before("Notes > Create a note")
def load_fixtures(transaction):
    raise KeyError("user")

@hooks.after("Note > Get a note")
def check_body(transaction):
    assert transaction["real"]["statusCode"] == 404, "expected a 404"
"""
    )
    assert run.status == 1
    assert run.summary() == "2 passing, 2 failing, 0 errors, 0 skipped"
    assert "pass: GET (200) /notes duration" in run.output
    assert "pass: DELETE (204) /notes/1 duration" in run.output
    assert (
        "Failed in before hook: before('Notes > Create a note') hook load_fixtures "
        "raised KeyError: 'user' at hooks.py:5"
    ) in run.output
    assert (
        "Failed in after hook: after('Note > Get a note') hook check_body "
        "raised AssertionError: expected a 404 at hooks.py:9"
    ) in run.output
    assert "timed out" not in run.output
    assert "POST /notes" not in run.requests  # failed before its request: never sent


def test_a_failing_before_all_fails_every_transaction_at_once(dredd):
    run = dredd(
        """\
import dredd_hooks as hooks

@hooks.before_all
def boot(transactions):
    raise ConnectionError("database unreachable")
"""
    )
    assert run.status == 1
    assert run.summary() == "0 passing, 4 failing, 0 errors, 0 skipped"
    message = (
        "Failed in before hook: before_all hook boot raised ConnectionError: "
        "database unreachable at hooks.py:5; no transaction can run"
    )
    assert run.output.count(message) == 4
    assert run.requests == []
    assert "timed out" not in run.output


def test_a_hook_file_that_cannot_load_fails_dredd_at_once(dredd):
    run = dredd("import dredd_hooks as hooks\n\nimport not_installed_xyz\n")
    assert run.status == 1
    assert "-m flask_dredd.handler" in run.output
    assert "exited with status: 3" in run.output  # Dredd shows our stderr only at debug
    assert "Connection timeout" not in run.output
    assert run.requests == []


def test_a_failing_after_all_leaves_the_results_and_goes_to_the_log(dredd, tmp_path):
    # Dredd has reported every result by then; failing the run (by exiting or by not
    # answering) would make it drop its summary and reporters' files, so we don't.
    run = dredd(
        """\
import dredd_hooks as hooks

@hooks.after_all
def teardown(transactions):
    raise RuntimeError("cannot drop the database")
""",
        FLASK_DREDD_HANDLER_LOG=str(tmp_path / "handler.log"),
    )
    assert run.status == 0
    assert run.summary() == "4 passing, 0 failing, 0 errors, 0 skipped"
    log = (tmp_path / "handler.log").read_text()
    assert "after_all hook teardown raised RuntimeError: cannot drop the database" in log


def processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes that contain `text` (zombies have none)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:  # gone meanwhile
            continue
        line = " ".join(word.decode(errors="replace") for word in words)
        if text in line:
            found.append(line)
    return found


def test_a_hung_hook_is_named_and_the_rest_of_the_run_is_not_run(dredd, tmp_path):
    # flask-dredd's names for the limits, under Dredd's default 5 s: the hook limit 1 s
    # fails Create at 1 s and answers its afterEach at 2 s; the next transaction's
    # beforeEach waits, and at the stall limit (2.5 s) fails saying the run stops; the
    # last one is skipped at once.
    abort = tmp_path / "abort.json"
    run = dredd(
        """\
import time
import dredd_hooks as hooks

@hooks.before("Notes > Create a note")
def wait_forever(transaction):
    while True:  # not even Dredd's SIGTERM ends this hook
        try:
            time.sleep(600)
        except BaseException:
            pass
""",
        FLASK_DREDD_HOOK_TIMEOUT="1",
        FLASK_DREDD_STALL_TIMEOUT="2.5",
        FLASK_DREDD_ABORT_FILE=str(abort),
    )
    assert run.status == 1
    assert run.summary() == "1 passing, 2 failing, 0 errors, 1 skipped", run.output
    at = "before('Notes > Create a note') hook wait_forever at hooks.py:4"
    assert f"Failed in before hook: {at} still running after 1 s on 'Notes > Create a note'" in (
        run.output
    )
    assert (
        f"Failed in before hook: {at} still running after 2.5 s on 'Notes > Create a note': "
        "taken as hung"
    ) in run.output
    assert [r.strip() for r in run.requests] == ["GET /notes"]  # none after the hang
    assert "timed out" not in run.output  # answered before Dredd's 5 s, every time
    assert json.loads(abort.read_text())["hook"] == "hooks.py:4 wait_forever"
    assert run.seconds < 30  # was: 10 s more for each transaction left
    assert processes_mentioning(str(tmp_path / "hooks.py")) == []  # the handler is gone too
