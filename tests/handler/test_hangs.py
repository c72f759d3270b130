"""A hook that hangs is bounded and named, and what the run leaves behind says so.

The handler times each hook ($FLASK_DREDD_HOOK_TIMEOUT, shortened here): the hung
transaction fails naming the hook, its file:line and the transaction; every later one
is skipped as "not run" at once, without running a hook; afterAll is still answered,
and the handler ends when Dredd hangs up, although the hung hook never returns (these
hooks swallow even the SIGTERM that would unwind them). The in-flight file names what
runs at each moment. Run on the oldest and newest Pythons too: threads, signals and
wakeup pipes differ across versions.
"""

from __future__ import annotations

import json
import time

import pytest
from dredd_hooks_handler.lifeline import is_running

from .conftest import OLDEST_NEWEST, deadline, python_for

LIMIT = 0.5  # seconds, for the tests; the default is 4, under Dredd's 5

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

SKIPPED = {
    "name": "C",
    "skip": True,
    "errors": [{"severity": "warning", "message": "Skipped in before hook"}],
    "test": {"status": "skip", "message": "Skipped in before hook"},
}


def timed(client, event: str, data: object) -> tuple[object, float]:
    started = time.monotonic()
    reply = client.exchange(event, data)
    return reply, time.monotonic() - started


@pytest.mark.parametrize("version", OLDEST_NEWEST)
def test_a_hung_hook_fails_its_transaction_and_the_rest_are_not_run(
    version, start_handler, write_hooks, tmp_path
):
    files = {name: tmp_path / f"{name}.json" for name in ("abort", "inflight", "record")}
    handler = start_handler(
        write_hooks("hangs.py", HANGS),
        python=python_for(version),
        recorder=True,
        FLASK_DREDD_HOOK_TIMEOUT=str(LIMIT),
        FLASK_DREDD_ABORT_FILE=str(files["abort"]),
        FLASK_DREDD_INFLIGHT_FILE=str(files["inflight"]),
        FLASK_DREDD_RECORD=str(files["record"]),
    )
    client = handler.client()
    client.exchange("beforeAll", [{"name": "A"}, {"name": "B"}, {"name": "C"}])
    assert client.exchange("beforeEach", {"name": "A"}) == {"name": "A", "ran": ["before_each"]}

    hung, seconds = timed(client, "beforeEach", {"name": "B"})
    cause = "before('B') hook wait_forever at hangs.py:9 hung on 'B' (over 0.5 s)"
    assert hung["fail"] == (
        "before('B') hook wait_forever at hangs.py:9 still running after 0.5 s on 'B' "
        "(the hook time limit, FLASK_DREDD_HOOK_TIMEOUT); the run stops here: later "
        "transactions are not run"
    )
    assert "ran" not in hung  # Dredd's data, not the copy the hung hook holds
    assert LIMIT <= seconds < LIMIT + 2.0
    assert json.loads(files["abort"].read_text()) == {
        "cause": cause,
        "hook": "hangs.py:9 wait_forever",
        "transaction": "B",
    }
    inflight = json.loads(files["inflight"].read_text())
    assert inflight["hook"] == "hangs.py:9 wait_forever" and inflight["transaction"] == "B"

    # Dredd goes on: B's afterEach, then C, which must not run, fast.
    client.exchange("afterEach", {"name": "B", "test": {"status": "fail"}})
    skipped, seconds = timed(client, "beforeEach", {"name": "C"})
    assert skipped == {"name": "C", "skip": True} and seconds < 0.25  # no hook ran
    done, seconds = timed(client, "afterEach", SKIPPED)
    assert done["test"]["message"] == f"not run: {cause}" and seconds < 0.25
    assert done["errors"] == [{"severity": "warning", "message": f"not run: {cause}"}]
    after_all, seconds = timed(client, "afterAll", [])
    assert after_all == [] and seconds < 0.25  # answered; its hooks are not run either

    records = [json.loads(line) for line in files["record"].read_text().splitlines()]
    assert [(r["name"], r["status"], r["not_run"]) for r in records] == [
        ("B", "failed", None),  # (no afterEach was sent for A)
        ("C", "skipped", cause),
    ]
    client.close()
    assert handler.wait(timeout=5) == 0  # ends although the hook still runs
    assert "hook wait_forever at hangs.py:9 still running after 0.5 s on 'B'" in handler.stderr()


def test_hooks_that_finish_in_time_are_not_touched(start_handler, write_hooks, tmp_path):
    hook_file = write_hooks(
        "slowish.py",
        """
        import time
        import dredd_hooks as hooks

        @hooks.before_each
        def first(transaction):
            time.sleep(0.3)

        @hooks.before_each
        def second(transaction):  # the two together take longer than the limit
            time.sleep(0.3)
            transaction["done"] = True
        """,
    )
    abort = tmp_path / "abort.json"
    handler = start_handler(
        hook_file, FLASK_DREDD_HOOK_TIMEOUT="0.5", FLASK_DREDD_ABORT_FILE=str(abort)
    )
    client = handler.client()
    for name in ("A", "B", "C"):
        assert client.exchange("beforeEach", {"name": name}) == {"name": name, "done": True}
    assert not abort.exists()


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


def test_a_bad_time_limit_is_refused_with_the_fix(start_handler, write_hooks):
    handler = start_handler(wait=False, FLASK_DREDD_HOOK_TIMEOUT="4s")
    assert handler.wait() == 2
    stderr = handler.stderr()
    assert (
        "hook time limit '4s' (FLASK_DREDD_HOOK_TIMEOUT or --hook-timeout) is not a number "
        "of seconds: give e.g. 4"
    ) in stderr
    assert "Traceback" not in stderr


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


def test_a_hung_before_all_fails_the_first_transaction_and_runs_no_other(
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
        hook_file, FLASK_DREDD_HOOK_TIMEOUT=str(LIMIT), FLASK_DREDD_ABORT_FILE=str(abort)
    ).client()
    first, second = client.exchange("beforeAll", [{"name": "A"}, {"name": "B"}])
    # Not all skipped: Dredd would then exit 0 on a run that never ran.
    assert first["fail"].startswith("before_all hook boot at boot.py:5 still running after")
    assert second == {"name": "B"}
    assert json.loads(abort.read_text())["transaction"] is None
    assert client.exchange("beforeEach", first) == first  # Dredd reports it failed
    assert client.exchange("beforeEach", second) == {"name": "B", "skip": True}
