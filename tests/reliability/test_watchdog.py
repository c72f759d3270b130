"""The stall watchdog on real processes: a frozen server, a silent run, a progressing one."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flask_dredd.run.ports import free_port
from flask_dredd.run.watchdog import Watched, probe, watch


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


def test_the_start_gets_the_startup_time_not_the_stall_limit(tmp_path):
    files = watched(tmp_path, "http://127.0.0.1:9")
    dredd = subprocess.Popen(["sleep", "60"])
    try:
        started = time.monotonic()
        stop = watch(dredd, files, stall_timeout=0.3, dredd_timeout=60, startup_timeout=2.0)
        waited = time.monotonic() - started
    finally:
        dredd.kill()
        dredd.wait()
    assert stop is not None and waited >= 2.0
    assert '"A" (the first transaction; none was recorded)' in stop.cause


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
