"""Faults stay local: a failing hook fails one transaction, bad input is reported."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from flask_dredd.handler import listen

from .conftest import OLDEST_NEWEST, deadline, free_port, handler_env, python_for

FAILING = """
import dredd_hooks as hooks
import helpers

@hooks.before_each
def count(transaction):
    transaction.setdefault("ran", []).append("before_each")

@hooks.before("Notes > Create")
def load_notes(transaction):
    notes = {}
    transaction["note"] = notes["missing"]

@hooks.before("Notes > Create")
def after_the_failure(transaction):
    transaction.setdefault("ran", []).append("second before")

@hooks.before("Notes > Delete")
def via_helper(transaction):
    helpers.explode()

@hooks.after("Notes > Create")
def check(transaction):
    raise AssertionError("status was 500\\nsecond line of detail")

@hooks.after_each
def cleanup(transaction):
    transaction.setdefault("ran", []).append("after_each")
"""

HELPERS = """
def explode():
    raise ValueError("helper broke")
"""


@pytest.fixture
def failing(start_handler, write_hooks):
    write_hooks("helpers.py", HELPERS)
    return start_handler(write_hooks("failing_hooks.py", FAILING))


@pytest.mark.parametrize("version", OLDEST_NEWEST)
def test_a_raising_hook_fails_its_transaction_and_the_next_one_runs(
    version, start_handler, write_hooks
):
    write_hooks("helpers.py", HELPERS)
    failing = start_handler(write_hooks("failing_hooks.py", FAILING), python=python_for(version))
    client = failing.client()
    failed = client.exchange("beforeEach", {"name": "Notes > Create"})
    assert failed["fail"] == (
        "before('Notes > Create') hook load_notes raised KeyError: 'missing' at failing_hooks.py:12"
    )
    assert failed["ran"] == ["before_each"]  # the rest of this event's hooks are skipped
    assert "note" not in failed

    passed = client.exchange("beforeEach", {"name": "Notes > List"})
    assert passed == {"name": "Notes > List", "ran": ["before_each"]}

    stderr = failing.stderr()
    assert "load_notes raised KeyError" in stderr
    assert "Traceback (most recent call last)" in stderr
    assert 'failing_hooks.py", line 12, in load_notes' in stderr


def test_an_exception_from_a_helper_points_at_the_hook_file_and_the_helper(failing):
    failed = failing.client().exchange("beforeEach", {"name": "Notes > Delete"})
    assert failed["fail"] == (
        "before('Notes > Delete') hook via_helper raised ValueError: helper broke "
        "at failing_hooks.py:20 (raised in helpers.py:3)"
    )


def test_after_hooks_keep_running_after_one_fails(failing):
    transaction = {"name": "Notes > Create", "ran": []}
    done = failing.client().exchange("afterEach", transaction)
    assert done["fail"] == (
        "after('Notes > Create') hook check raised AssertionError: status was 500 … "
        "at failing_hooks.py:24"
    )
    assert done["ran"] == ["after_each"]  # cleanup still ran


def test_a_failure_in_validation_shows_even_when_validation_failed_too(failing, write_hooks):
    client = failing.client()
    test = {"valid": False, "status": "fail", "message": "body: expected 'id'\n"}
    done = client.exchange("afterEach", {"name": "Notes > Create", "test": test})
    assert done["test"]["message"] == f"body: expected 'id'\n{done['fail']}"
    # A reason set by a user's hook is left as Dredd will show it.
    mine = {"name": "Other", "fail": "my reason", "test": dict(test)}
    assert client.exchange("afterEach", mine)["test"] == test


@pytest.mark.parametrize("version", OLDEST_NEWEST)
def test_a_failing_before_all_fails_every_transaction_at_once(version, start_handler, write_hooks):
    hook_file = write_hooks(
        "setup_hooks.py",
        """
        import dredd_hooks as hooks

        @hooks.before_all
        def boot(transactions):
            raise RuntimeError("database unreachable")

        @hooks.before_each
        def reset(transaction):
            transaction["reset"] = True

        @hooks.after_all
        def teardown(transactions):
            transactions[0]["teardown"] = True
        """,
    )
    client = start_handler(hook_file, python=python_for(version)).client()
    expected = (
        "before_all hook boot raised RuntimeError: database unreachable at setup_hooks.py:6;"
        " no transaction can run"
    )
    transactions = client.exchange("beforeAll", [{"name": "A"}, {"name": "B"}])
    assert [t.get("fail") for t in transactions] == [expected, expected]
    # Later events run no hook (they would fail again) and keep the message.
    assert client.exchange("beforeEach", {"name": "C"}) == {"name": "C", "fail": expected}
    assert client.exchange("afterEach", transactions[0]) == transactions[0]
    assert client.exchange("afterAll", [{}]) == [{"teardown": True}]


def test_a_failing_after_all_is_logged_and_the_others_still_run(start_handler, write_hooks):
    hook_file = write_hooks(
        "teardown_hooks.py",
        """
        import dredd_hooks as hooks

        @hooks.after_all
        def drop(transactions):
            raise RuntimeError("cannot drop the database")

        @hooks.after_all
        def close(transactions):
            transactions.append("closed")
        """,
    )
    handler = start_handler(hook_file)
    assert handler.client().exchange("afterAll", []) == ["closed"]
    assert "after_all hook drop raised RuntimeError" in handler.stderr()


def test_a_hook_leaving_a_non_json_value_fails_the_transaction(start_handler, write_hooks):
    hook_file = write_hooks(
        "bad_value.py",
        """
        import datetime
        import dredd_hooks as hooks

        @hooks.before_each
        def stamp(transaction):
            transaction["when"] = datetime.date(2024, 1, 1)
        """,
    )
    client = start_handler(hook_file).client()
    got = client.exchange("beforeEach", {"name": "A"})
    assert got["name"] == "A" and "when" not in got
    assert got["fail"].startswith("a hook left a value that is not JSON in the transaction")
    assert client.exchange("beforeEach", {"name": "B"})["fail"]  # and the next one too


def test_a_hook_calling_sys_exit_fails_its_transaction_only(start_handler, write_hooks):
    hook_file = write_hooks(
        "exits.py",
        """
        import sys
        import dredd_hooks as hooks

        @hooks.before("A")
        def leave(transaction):
            sys.exit(3)
        """,
    )
    client = start_handler(hook_file).client()
    assert "hook leave raised SystemExit: 3" in client.exchange("beforeEach", {"name": "A"})["fail"]
    assert client.exchange("beforeEach", {"name": "B"}) == {"name": "B"}


@pytest.mark.parametrize(
    ("raw", "reported"),
    [
        (b"{not json\n", "ignored a message that is not JSON"),
        (b"\xff\xfe\n", "ignored a message that is not JSON"),
        (b'["a", "list"]\n', "ignored a message without a uuid"),
        (b'{"event": "beforeEach", "data": {}}\n', "ignored a message without a uuid"),
    ],
)
def test_a_malformed_message_is_reported_and_skipped(start_handler, raw, reported):
    handler = start_handler()
    client = handler.client()
    client.send_raw(raw)
    assert client.exchange("beforeEach", {"still": "alive"}) == {"still": "alive"}
    assert reported in handler.stderr()


@pytest.mark.parametrize(
    "message",
    [
        {"event": "beforeEverything", "uuid": "u-1", "data": {}},
        {"event": "beforeEach", "uuid": "u-1"},
        {"uuid": "u-1", "data": {}},
    ],
)
def test_a_message_with_a_uuid_but_no_known_event_or_data_is_echoed(start_handler, message):
    handler = start_handler()
    client = handler.client()
    client.send_raw(json.dumps(message).encode() + b"\n")
    assert client.receive() == message  # Dredd would otherwise wait out its timeout
    assert "echoed unchanged" in handler.stderr()
    assert client.exchange("afterEach", {"next": 1}) == {"next": 1}


def test_sigterm_ends_the_handler_within_a_second(start_handler):
    handler = start_handler()
    handler.client().exchange("beforeEach", {})
    handler.proc.send_signal(signal.SIGTERM)
    assert handler.wait(timeout=1.0) == 0


def test_repeated_sigterms_end_the_handler_cleanly(start_handler):
    # Dredd sends SIGTERM again until the process is gone; the second may land mid-exit.
    handler = start_handler()
    for _ in range(20):
        handler.proc.send_signal(signal.SIGTERM)
    assert handler.wait(timeout=1.0) == 0
    assert "Traceback" not in handler.stderr()


def test_sigterm_ends_the_handler_even_while_a_hook_runs(start_handler, write_hooks):
    hook_file = write_hooks(
        "slow.py",
        """
        import time
        import dredd_hooks as hooks

        @hooks.before_each
        def slow(transaction):
            print("hook started", flush=True)
            time.sleep(60)
        """,
    )
    handler = start_handler(hook_file)
    handler.client().send("beforeEach", {})
    assert handler.read_line(timeout=10) == "hook started\n"
    handler.proc.send_signal(signal.SIGTERM)
    assert handler.wait(timeout=1.0) == 0


@pytest.mark.parametrize("version", OLDEST_NEWEST)
def test_a_hook_file_that_fails_to_load_exits_before_starting(version, start_handler, write_hooks):
    hook_file = write_hooks("broken.py", "import dredd_hooks\n\nimport not_installed_xyz\n")
    handler = start_handler(hook_file, wait=False, python=python_for(version))
    assert handler.wait() == 3
    assert handler.read_line(timeout=5) is None  # never printed Starting
    stderr = handler.stderr()
    assert "cannot load hook file broken.py, line 3: ModuleNotFoundError" in stderr
    assert "Traceback" in stderr


def test_a_missing_hook_file_exits_before_starting(start_handler):
    handler = start_handler("hooks/*.py", wait=False)
    assert handler.wait() == 3
    assert "no hook file matches 'hooks/*.py'" in handler.stderr()


def test_a_port_in_use_is_named_with_the_ways_to_choose_another(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "flask_dredd.handler", "--port", str(port)],
            capture_output=True,
            text=True,
            env=handler_env(),
            timeout=30,
        )
    assert proc.returncode == 4
    assert "Starting" not in proc.stdout
    assert f"port {port} on 127.0.0.1 is already in use" in proc.stderr
    for way in ("--port N", "DREDD_HOOKS_HANDLER_PORT=N", "--hooks-worker-handler-port N"):
        assert way in proc.stderr


def test_a_port_released_soon_after_is_waited_for():
    holder = socket.create_server(("127.0.0.1", 0))
    port = holder.getsockname()[1]
    releaser = threading.Timer(0.2, holder.close)  # e.g. a killed handler, still dying
    releaser.start()
    try:
        with listen("127.0.0.1", port, grace=10.0) as server:
            assert server.getsockname()[1] == port
    finally:
        releaser.join()
    with socket.create_server(("127.0.0.1", 0)) as taken, pytest.raises(SystemExit) as stopped:
        listen("127.0.0.1", taken.getsockname()[1], grace=0.1)
    assert stopped.value.code == 4


def test_diagnostics_also_go_to_the_log_file(start_handler, write_hooks, tmp_path):
    log = tmp_path / "handler.log"
    write_hooks("helpers.py", HELPERS)
    handler = start_handler(
        write_hooks("failing_hooks.py", FAILING), FLASK_DREDD_HANDLER_LOG=str(log)
    )
    handler.client().exchange("beforeEach", {"name": "Notes > Create"})
    handler.stop()
    text = log.read_text()
    assert "load_notes raised KeyError" in text and "Traceback" in text


def test_the_handler_stops_when_the_process_that_started_it_is_gone(tmp_path):
    # A parent that starts the handler, says its port, and exits when we close its stdin.
    parent_code = (
        "import subprocess, sys\n"
        "handler = subprocess.Popen([sys.executable, '-m', 'flask_dredd.handler', "
        "'--port', sys.argv[1]], stdout=subprocess.PIPE)\n"
        "print(handler.stdout.readline().decode(), end='', flush=True)\n"
        "sys.stdin.read()\n"
    )
    port = free_port()
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_code, str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=handler_env(),
    )
    assert parent.stdout.readline().startswith(b"Starting")
    socket.create_connection(("127.0.0.1", port)).close()
    parent.stdin.close()
    parent.wait(timeout=10)
    left = deadline(10)
    while left():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except ConnectionRefusedError:
            break  # the orphaned handler is gone and its port free
        time.sleep(0.05)
    else:
        pytest.fail("the orphaned handler kept listening for 10 s")
    parent.stdout.close()


def test_check_lists_the_hooks_and_where_they_are(write_hooks, tmp_path):
    write_hooks("helpers.py", HELPERS)
    hook_file = write_hooks("failing_hooks.py", FAILING)
    proc = subprocess.run(
        [sys.executable, "-m", "flask_dredd.handler", "--check", str(hook_file)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=handler_env(),
        timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "failing_hooks.py:5: before_each hook count"
    assert "failing_hooks.py:9: before('Notes > Create') hook load_notes" in lines
    assert lines[-1] == "6 hooks, 2 transaction names"
