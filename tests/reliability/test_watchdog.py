"""The stall watchdog on real processes: a frozen server, a silent run, a progressing one."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flask_dredd.run.ports import free_port
from flask_dredd.run.watchdog import Watched, probe, startup_limit, watch


@pytest.fixture
def http_server() -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not probe(url, timeout=1) and time.monotonic() < deadline:
        time.sleep(0.05)
    yield process, url
    process.send_signal(signal.SIGCONT)
    process.kill()
    process.wait()


def test_a_frozen_server_does_not_answer_the_probe(http_server):
    process, url = http_server
    assert probe(url, timeout=1)
    process.send_signal(signal.SIGSTOP)
    started = time.monotonic()
    assert not probe(url, timeout=1)
    assert time.monotonic() - started < 3
    process.send_signal(signal.SIGCONT)
    assert probe(url, timeout=5)


def watched(tmp_path: Path, endpoint: str) -> Watched:
    return Watched(tmp_path / "records.jsonl", tmp_path / "inflight.json", ["A", "B"], endpoint)


def test_no_progress_stops_the_run_naming_the_transaction_and_the_frozen_server(
    tmp_path, http_server
):
    server, url = http_server
    files = watched(tmp_path, url)
    files.records.write_text('{"name": "A"}\n')  # A finished; B never does
    server.send_signal(signal.SIGSTOP)
    dredd = subprocess.Popen(["sleep", "60"])
    try:
        started = time.monotonic()
        stop = watch(dredd, files, stall_timeout=1.0, dredd_timeout=60)
        waited = time.monotonic() - started
    finally:
        dredd.kill()
        dredd.wait()
    assert stop is not None and stop.kind == "stall"
    assert 1.0 <= waited < 8  # the limit, plus a probe that gets no answer
    assert stop.cause.startswith('no transaction progress for 1 s on "B" (next after')
    assert f"the server at {url} does not answer a probe" in stop.cause


def test_progress_keeps_the_run_going(tmp_path):
    files = watched(tmp_path, "http://127.0.0.1:9")
    done = threading.Event()

    def finish_a_transaction_every_200_ms() -> None:
        while not done.wait(0.2):
            with files.records.open("a") as out:
                out.write('{"name": "A"}\n')

    writer = threading.Thread(target=finish_a_transaction_every_200_ms)
    writer.start()
    dredd = subprocess.Popen(["sleep", "3"])
    try:
        assert watch(dredd, files, stall_timeout=1.0, dredd_timeout=60) is None
    finally:
        done.set()
        writer.join()
    assert dredd.returncode == 0


def watch_fake_dredd(files: Watched, dredd_code: str, script=None, **limits):
    """watch() over a Dredd stand-in (Python ``dredd_code``) while ``script`` writes what a
    handler would; (the Stop or None, seconds watched)."""
    dredd = subprocess.Popen([sys.executable, "-c", dredd_code])
    writer = threading.Thread(target=script or (lambda: None), daemon=True)
    writer.start()
    try:
        started = time.monotonic()
        stop = watch(dredd, files, poll=0.05, **limits)
        return stop, time.monotonic() - started
    finally:
        dredd.kill()
        dredd.wait()
        writer.join()


SLEEPS = "import time; time.sleep(60)"  # a Dredd that waits on nothing, forever
SPINS = "while True: pass"  # a Dredd whose start-up works without end


def test_a_dredd_that_never_starts_a_transaction_is_a_startup_stall_so_named(
    tmp_path, monkeypatch
):
    from flask_dredd.run import watchdog

    # The start-up limit by default: a base plus so much per transaction of the contract.
    monkeypatch.setattr(watchdog, "STARTUP_BASE", 0.5)
    monkeypatch.setattr(watchdog, "STARTUP_PER_TRANSACTION", 0.5)
    files = watched(tmp_path, "http://127.0.0.1:9")  # 2 transactions: 1.5 s

    def handler_in_before_all() -> None:  # connected, then stuck in the setup hook
        time.sleep(0.3)
        files.inflight.write_text(json.dumps(
            {"transaction": None, "event": "beforeAll", "hook": "hooks/setup.py:3 prepare"}))

    stop, waited = watch_fake_dredd(files, SLEEPS, handler_in_before_all, stall_timeout=0.3,
                                    dredd_timeout=60)  # fmt: skip
    assert stop is not None and stop.kind == "stall"
    assert 1.5 <= waited < 4  # nothing done for the start-up limit, since the last write
    assert re.match(r"Dredd did not start its first transaction within \d+ s \(its start-up "
                    r"did nothing \(no CPU used, no file written\) for 2 s\); the hooks "
                    r"handler was in beforeAll, hook hooks/setup.py:3 prepare", stop.cause), (
        stop.cause)  # fmt: skip
    assert '"A"' not in stop.cause  # no transaction began: none is named


def test_a_start_up_that_works_past_its_limit_is_stopped_so_named(tmp_path):
    files = watched(tmp_path, "http://127.0.0.1:9")
    stop, _ = watch_fake_dredd(files, SPINS, stall_timeout=0.3, dredd_timeout=120,
                               startup_timeout=1.0)  # fmt: skip
    assert stop is not None and stop.kind == "stall"
    assert re.match(r"Dredd did not start its first transaction within \d+ s \(its start-up "
                    r"limit for 2 transactions, 1 s of work: parsing the blueprint", stop.cause)
    assert "the hooks handler had no message from Dredd yet" in stop.cause


def test_a_slow_start_up_is_not_counted_against_the_stall_limit(tmp_path):
    files = watched(tmp_path, "http://127.0.0.1:9")
    # Dredd parsing a big blueprint: 2 s of work, many stall limits, before a transaction;
    # then one every 0.1 s, and the end.
    dredd = f"""
import json, time
started = time.monotonic()
while time.monotonic() - started < 2:
    pass
for name in ["A", "B", "A", "B", "A"]:
    with open({str(files.inflight)!r}, "w") as out:
        out.write(json.dumps({{"transaction": name, "event": "beforeEach"}}))
    with open({str(files.records)!r}, "a") as out:
        out.write(json.dumps({{"name": name}}) + "\\n")
    time.sleep(0.1)
"""
    stop, _ = watch_fake_dredd(files, dredd, stall_timeout=0.3, dredd_timeout=60,
                               startup_timeout=30)  # fmt: skip
    assert stop is None


def test_the_stall_clock_starts_at_the_first_transaction(tmp_path):
    files = watched(tmp_path, "http://127.0.0.1:9")

    def first_transaction_hangs() -> None:
        time.sleep(0.5)
        files.inflight.write_text(json.dumps({"transaction": "A", "event": "beforeEach"}))

    stop, waited = watch_fake_dredd(files, SLEEPS, first_transaction_hangs, stall_timeout=1.0,
                                    dredd_timeout=60, startup_timeout=30)  # fmt: skip
    assert stop is not None and 1.5 <= waited < 6  # 0.5 s start-up, then the stall limit
    assert stop.cause.startswith('no transaction progress for 1 s on "A" (beforeEach)')


def test_the_startup_limit_grows_with_the_contract():
    assert startup_limit(3000) > startup_limit(300) > startup_limit(0) >= 60
    assert startup_limit(3000) >= 3000 * 0.05  # measured: about 18 ms a transaction to parse
    assert startup_limit(10, stall_timeout=600) == 600  # never under the stall limit


def test_dredds_own_time_limit_still_applies(tmp_path):
    files = watched(tmp_path, "http://127.0.0.1:9")
    dredd = subprocess.Popen(["sleep", "60"])
    try:
        stop = watch(dredd, files, stall_timeout=30, dredd_timeout=0.5)
    finally:
        dredd.kill()
        dredd.wait()
    assert stop is not None and stop.kind == "timeout"
    assert stop.cause.startswith("Dredd still running after 0 s (--dredd-timeout)")


def test_without_records_dredds_xunit_report_is_the_progress(tmp_path):
    # The stock dredd-hooks-python keeps no records; Dredd appends a test case per
    # transaction, so a healthy run goes on and a stalled one is still named.
    files = Watched.in_folder(tmp_path, ["A", "B"], "http://127.0.0.1:9")
    assert files.xunit is not None
    files.xunit.write_text('<testsuite name="Dredd Tests" tests="0">\n')
    done = threading.Event()

    def report_a_test_case_every_200_ms() -> None:
        while not done.wait(0.2):
            with files.xunit.open("a") as out:
                out.write('<testcase name="GET (200) /a" time="0.01"/>\n')

    writer = threading.Thread(target=report_a_test_case_every_200_ms)
    writer.start()
    dredd = subprocess.Popen(["sleep", "2"])
    try:
        assert watch(dredd, files, stall_timeout=1.0, dredd_timeout=60) is None
    finally:
        done.set()
        writer.join()

    files.xunit.write_text('<testsuite>\n<testcase name="GET (200) /a" time="0.01"/>\n')
    dredd = subprocess.Popen(["sleep", "60"])
    try:
        stop = watch(dredd, files, stall_timeout=0.5, dredd_timeout=60)
    finally:
        dredd.kill()
        dredd.wait()
    assert stop is not None
    assert 'on "B" (next after the last recorded transaction, "A")' in stop.cause
