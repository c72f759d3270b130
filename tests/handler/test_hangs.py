"""A slow hook costs only the messages it holds past the limit; a hung one ends the run.

The handler times each message's hooks (the hook limit, `DREDD_HOOKS_HANDLER_TIMEOUT`,
shortened here; by default just under Dredd's hooks-worker-timeout). A message still
waiting for its hooks at the limit is answered by the watchdog thread, its transaction
failed naming the hook, its file:line and the transaction; later messages wait for the
hook, each answered without its hooks (failed, saying what it waits for) only when its
own limit runs out; once the hook returns the main thread answers them normally. A
hook still running at the stall limit is taken as hung: the message Dredd waits on
fails saying so, every later transaction is skipped as "not run" at once, afterAll is
still answered, and the handler ends when Dredd hangs up, although the hung hook never
returns (these hooks swallow even the SIGTERM that would unwind them). The in-flight
file names what runs at each moment. The key cases run on the oldest and newest
Pythons too: threads, signals and wakeup pipes differ across versions.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from dredd_hooks_handler.lifeline import is_running

from .conftest import OLDEST_NEWEST, deadline, python_for

LIMIT = 0.5  # seconds, for the tests; by default just under Dredd's hooks-worker-timeout

HANGS = """
import time
import dredd_hooks as hooks

@hooks.before_each
def count(transaction):
    transaction.setdefault("ran", []).append("before_each")

@hooks.before("B")
def wait_forever(transaction):
    while True:  # not even SIGTERM ends this hook
        try:
            time.sleep(600)
        except BaseException:
            pass

@hooks.after_all
def teardown(transactions):
    transactions.append("teardown ran")
"""

SLOW = """
import os, time
import dredd_hooks as hooks

@hooks.before_each
def count(transaction):
    transaction.setdefault("ran", []).append("before_each")

@hooks.before("B")
def slow(transaction):
    while not os.path.exists(os.environ["RELEASE"]):  # returns when the test says so
        time.sleep(0.01)

@hooks.before("B")
def next_one(transaction):
    open(os.environ["RELEASE"] + ".next_one", "w").close()
"""

SKIPPED = {
    "name": "C",
    "skip": True,
    "errors": [{"severity": "warning", "message": "Skipped in before hook"}],
    "test": {"status": "skip", "message": "Skipped in before hook"},
}


def failed_before(name: str, message: str) -> dict:
    """A transaction's afterEach data as Dredd sends it after a `fail` in beforeEach."""
    return {"name": name, "fail": True, "test": {"status": "fail", "message": message}}


def timed(client, event: str, data: object) -> tuple[object, float]:
    started = time.monotonic()
    reply = client.exchange(event, data)
    return reply, time.monotonic() - started


def records_of(path) -> list[tuple]:
    records = [json.loads(line) for line in path.read_text().splitlines()]
    return [(r["name"], r["status"], r["not_run"]) for r in records]


@pytest.mark.parametrize("version", OLDEST_NEWEST)
def test_a_slow_hook_fails_only_the_messages_it_holds_and_the_run_goes_on(
    version, start_handler, write_hooks, tmp_path
):
    release, record = tmp_path / "release", tmp_path / "record.json"
    handler = start_handler(
        write_hooks("slow.py", SLOW),
        python=python_for(version),
        recorder=True,
        DREDD_HOOKS_HANDLER_TIMEOUT=str(LIMIT),
        DREDD_HOOKS_HANDLER_STALL_TIMEOUT="60",
        FLASK_DREDD_RECORD=str(record),
        RELEASE=str(release),
    )
    client = handler.client()
    client.exchange("beforeAll", [{"name": n} for n in "ABCD"])
    assert client.exchange("beforeEach", {"name": "A"}) == {"name": "A", "ran": ["before_each"]}
    client.exchange("afterEach", {"name": "A", "test": {"status": "pass"}})

    # B's message is answered at the limit, failed, naming the hook that holds it.
    overrun, seconds = timed(client, "beforeEach", {"name": "B"})
    failure = (
        "before('B') hook slow at slow.py:9 still running after 0.5 s on 'B' (the hook "
        "time limit, DREDD_HOOKS_HANDLER_TIMEOUT); the next messages wait for it"
    )
    assert overrun == {"name": "B", "fail": failure}  # Dredd's data, not the hook's copy
    assert LIMIT <= seconds < LIMIT + 2.0
    # B's afterEach waits for the hook, then is answered at its own limit, still failed.
    done, seconds = timed(client, "afterEach", failed_before("B", failure))
    assert done == failed_before("B", failure) and seconds >= LIMIT - 0.05
    # C waits too; at its limit it fails, saying what it waited for.
    waited, seconds = timed(client, "beforeEach", {"name": "C"})
    assert re.fullmatch(
        r"not run: waiting for before\('B'\) hook slow at slow\.py:9, still running on 'B' "
        r"after \d+\.\d s",
        waited["fail"],
    ), waited
    assert "ran" not in waited and seconds >= LIMIT - 0.05
    client.exchange("afterEach", failed_before("C", waited["fail"]))

    # D arrives while the hook still runs; the hook returns; D is answered normally.
    message_id = client.send("beforeEach", {"name": "D"})
    release.touch()
    reply = client.receive()
    assert reply["uuid"] == message_id
    assert reply["data"] == {"name": "D", "ran": ["before_each"]}
    assert not (tmp_path / "release.next_one").exists()  # B was answered: its rest is not run
    client.exchange("afterEach", {"name": "D", "test": {"status": "pass"}})
    assert client.exchange("afterAll", []) == []
    assert records_of(record) == [
        ("A", "passed", None),
        ("B", "failed", None),  # answered without hooks: the handler's observer records it
        ("C", "failed", None),
        ("D", "passed", None),
    ]
    assert "before('B') hook slow at slow.py:9 returned after" in handler.stderr()


@pytest.mark.parametrize("version", OLDEST_NEWEST)
def test_a_hook_that_never_returns_ends_the_run_at_the_stall_limit(
    version, start_handler, write_hooks, tmp_path
):
    files = {name: tmp_path / f"{name}.json" for name in ("abort", "inflight", "record")}
    handler = start_handler(
        write_hooks("hangs.py", HANGS),
        python=python_for(version),
        recorder=True,
        DREDD_HOOKS_HANDLER_TIMEOUT=str(LIMIT),
        DREDD_HOOKS_HANDLER_STALL_TIMEOUT="1.5",
        FLASK_DREDD_ABORT_FILE=str(files["abort"]),
        FLASK_DREDD_INFLIGHT_FILE=str(files["inflight"]),
        FLASK_DREDD_RECORD=str(files["record"]),
    )
    client = handler.client()
    client.exchange("beforeAll", [{"name": "A"}, {"name": "B"}, {"name": "C"}])
    assert client.exchange("beforeEach", {"name": "A"}) == {"name": "A", "ran": ["before_each"]}
    overrun = client.exchange("beforeEach", {"name": "B"})
    assert overrun["fail"].startswith("before('B') hook wait_forever at hangs.py:9 still running")
    inflight = json.loads(files["inflight"].read_text())
    assert inflight["hook"] == "hangs.py:9 wait_forever" and inflight["transaction"] == "B"

    left = deadline(10)
    while not files["abort"].exists() and left():  # the stall limit: 1.5 s into the hook
        time.sleep(0.02)
    cause = "before('B') hook wait_forever at hangs.py:9 hung on 'B' (over 1.5 s)"
    assert json.loads(files["abort"].read_text()) == {
        "cause": cause,
        "hook": "hangs.py:9 wait_forever",
        "transaction": "B",
    }
    # The message Dredd waits on at the abort says so; later ones are not run, at once
    # (a message that waited for the hook would fail "waiting for", not be skipped).
    done, seconds = timed(client, "afterEach", failed_before("B", overrun["fail"]))
    stalled = (
        "before('B') hook wait_forever at hangs.py:9 still running after 1.5 s on 'B': taken "
        "as hung (the stall limit, DREDD_HOOKS_HANDLER_STALL_TIMEOUT); the run stops here: "
        "later transactions are not run"
    )
    assert done["test"]["message"] == f"{overrun['fail']}\n{stalled}" and seconds < 2.0
    skipped, seconds = timed(client, "beforeEach", {"name": "C"})
    assert skipped == {"name": "C", "skip": True} and seconds < 2.0  # no hook ran
    done, seconds = timed(client, "afterEach", SKIPPED)
    assert done["test"]["message"] == f"not run: {cause}" and seconds < 2.0
    assert done["errors"] == [{"severity": "warning", "message": f"not run: {cause}"}]
    after_all, seconds = timed(client, "afterAll", [])
    assert after_all == [] and seconds < 2.0  # answered; its hooks are not run either

    assert records_of(files["record"]) == [("B", "failed", None), ("C", "skipped", cause)]
    client.close()
    assert handler.wait(timeout=5) == 0  # ends although the hook still runs
    assert stalled in handler.stderr()


def test_hooks_that_finish_in_time_are_not_touched(start_handler, write_hooks, tmp_path):
    hook_file = write_hooks(
        "slowish.py",
        """
        import time
        import dredd_hooks as hooks

        @hooks.before_each
        def first(transaction):
            time.sleep(0.2)

        @hooks.before_each
        def second(transaction):
            time.sleep(0.2)
            transaction["done"] = True
        """,
    )
    abort = tmp_path / "abort.json"
    handler = start_handler(
        hook_file,
        DREDD_HOOKS_HANDLER_TIMEOUT="0.6",
        DREDD_HOOKS_HANDLER_STALL_TIMEOUT="0.5",  # counts one hook: none runs that long
        FLASK_DREDD_ABORT_FILE=str(abort),
    )
    client = handler.client()
    # The limit counts per message, as Dredd's does: the three together take longer.
    for name in ("A", "B", "C"):
        assert client.exchange("beforeEach", {"name": name}) == {"name": name, "done": True}
    assert not abort.exists()
    assert "still running" not in handler.stderr()


def test_the_in_flight_file_names_each_hook_as_it_is_called(start_handler, write_hooks, tmp_path):
    hook_file = write_hooks(
        "inflight_hooks.py",
        """
        import json, os
        import dredd_hooks as hooks

        def seen():
            with open(os.environ["FLASK_DREDD_INFLIGHT_FILE"]) as text:
                return json.load(text)

        @hooks.before_each
        def look(transaction):
            transaction["seen"] = seen()

        @hooks.after("Group > A rather long transaction name, to be overwritten")
        def look_again(transaction):
            transaction["seen"] = seen()
        """,
    )
    inflight = tmp_path / "inflight.json"
    client = start_handler(hook_file, FLASK_DREDD_INFLIGHT_FILE=str(inflight)).client()
    long_name = "Group > A rather long transaction name, to be overwritten"
    seen = client.exchange("afterEach", {"name": long_name})["seen"]
    assert seen["hook"] == "inflight_hooks.py:13 look_again"
    assert (seen["transaction"], seen["event"]) == (long_name, "afterEach")
    assert abs(seen["started"] - time.time()) < 60
    seen = client.exchange("beforeEach", {"name": "A"})["seen"]
    assert seen["hook"] == "inflight_hooks.py:9 look"
    assert (seen["transaction"], seen["event"]) == ("A", "beforeEach")
    # A message with no hook overwrites it too: the shorter object is padded, not mixed.
    client.exchange("beforeAll", [{"name": "A"}])
    text = inflight.read_text()
    assert json.loads(text) == {
        "transaction": None,
        "event": "beforeAll",
        "hook": None,
        "started": json.loads(text)["started"],
    }
    assert text.rstrip(" ").endswith("}")


@pytest.mark.parametrize(
    "source",
    ["--hook-timeout", "DREDD_HOOKS_HANDLER_TIMEOUT", "FLASK_DREDD_HOOK_TIMEOUT",
     "--stall-timeout", "DREDD_HOOKS_HANDLER_STALL_TIMEOUT", "FLASK_DREDD_STALL_TIMEOUT"],
)  # fmt: skip
def test_a_bad_time_limit_is_refused_naming_where_it_came_from(start_handler, source):
    if source.startswith("--"):
        handler = start_handler(source, "4s", wait=False)
    else:
        handler = start_handler(wait=False, **{source: "4s"})
    assert handler.wait() == 2
    stderr = handler.stderr()
    what = "stall limit" if "STALL" in source.upper() else "hook time limit"
    assert f"{what} '4s' ({source}) is not a number of seconds: give e.g. 4" in stderr
    assert "Traceback" not in stderr


def test_the_handlers_own_limit_variable_wins_over_flask_dredds(start_handler, write_hooks):
    hook_file = write_hooks(
        "slow_a.py",
        """
        import time
        import dredd_hooks as hooks

        @hooks.before("A")
        def slow(transaction):
            time.sleep(600)
        """,
    )
    client = start_handler(
        hook_file, DREDD_HOOKS_HANDLER_TIMEOUT="0.3", FLASK_DREDD_HOOK_TIMEOUT="100"
    ).client()
    failed = client.exchange("beforeEach", {"name": "A"})
    assert "still running after 0.3 s on 'A'" in failed["fail"]


def test_the_time_limit_can_be_given_on_the_command_line(start_handler, write_hooks, tmp_path):
    hook_file = write_hooks(
        "slow_hook.py",
        """
        import time
        import dredd_hooks as hooks

        @hooks.before("A")
        def slow(transaction):
            time.sleep(600)
        """,
    )
    client = start_handler("--hook-timeout", "0.3", hook_file).client()
    failed = client.exchange("beforeEach", {"name": "A"})
    assert "still running after 0.3 s on 'A'" in failed["fail"]


def wait_until_gone(pid: int, seconds: float) -> bool:
    """True once process `pid` is gone (or a zombie nobody reaped) within `seconds`."""
    left = deadline(seconds)
    while left():
        if not is_running(pid):
            return True
        time.sleep(0.02)
    return False


def test_a_slow_before_all_fails_nothing_and_the_first_transaction_waits_for_it(
    start_handler, write_hooks, tmp_path
):
    # As when Dredd times out beforeAll itself: nothing fails; the transactions run
    # once the hook returns, if it does within their own limits.
    hook_file = write_hooks(
        "boot_slowly.py",
        """
        import os, time
        import dredd_hooks as hooks

        @hooks.before_all
        def boot(transactions):
            while not os.path.exists(os.environ["RELEASE"]):
                time.sleep(0.01)

        @hooks.before_each
        def count(transaction):
            transaction["ran"] = True
        """,
    )
    release = tmp_path / "release"
    client = start_handler(
        hook_file, DREDD_HOOKS_HANDLER_TIMEOUT=str(LIMIT), RELEASE=str(release)
    ).client()
    assert client.exchange("beforeAll", [{"name": "A"}, {"name": "B"}]) == [
        {"name": "A"},
        {"name": "B"},
    ]
    message_id = client.send("beforeEach", {"name": "A"})
    release.touch()
    assert client.receive() == {
        "event": "beforeEach",
        "uuid": message_id,
        "data": {"name": "A", "ran": True},
    }


def test_a_hung_before_all_fails_the_first_transaction_and_at_the_stall_runs_no_other(
    start_handler, write_hooks, tmp_path
):
    hook_file = write_hooks(
        "boot.py",
        """
        import time
        import dredd_hooks as hooks

        @hooks.before_all
        def boot(transactions):
            time.sleep(600)
        """,
    )
    abort = tmp_path / "abort.json"
    client = start_handler(
        hook_file,
        FLASK_DREDD_HOOK_TIMEOUT=str(LIMIT),  # flask-dredd's names still work
        FLASK_DREDD_STALL_TIMEOUT="1",
        FLASK_DREDD_ABORT_FILE=str(abort),
    ).client()
    first, second = client.exchange("beforeAll", [{"name": "A"}, {"name": "B"}])
    assert (first, second) == ({"name": "A"}, {"name": "B"})  # answered at the limit
    left = deadline(10)
    while not abort.exists() and left():
        time.sleep(0.02)
    assert json.loads(abort.read_text())["transaction"] is None
    # Not all skipped: Dredd would then exit 0 on a run that never ran.
    stated = client.exchange("beforeEach", first)
    assert stated["fail"] == (
        "before_all hook boot at boot.py:5 still running after 1 s in beforeAll: taken as "
        "hung (the stall limit, DREDD_HOOKS_HANDLER_STALL_TIMEOUT); the run stops here: later "
        "transactions are not run"
    )
    assert client.exchange("beforeEach", second) == {"name": "B", "skip": True}


def test_sigterm_ends_the_handler_while_a_slow_hook_holds_the_connection(
    start_handler, write_hooks
):
    # The hook swallows the Stop that SIGTERM raises in the main thread: the watchdog
    # thread, serving meanwhile, sees the signal on the wakeup pipe and ends the process.
    handler = start_handler(write_hooks("hangs.py", HANGS), DREDD_HOOKS_HANDLER_TIMEOUT="0.3")
    client = handler.client()
    assert "still running after 0.3 s" in client.exchange("beforeEach", {"name": "B"})["fail"]
    handler.proc.terminate()
    assert handler.wait(timeout=5) == 0
    assert "stopped by a signal while before('B') hook wait_forever" in handler.stderr()
