"""Sharded and parallel runs of the reference contract: real Dredd, gunicorn, databases."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest
from dredd_hooks_handler.lifeline import is_running

from flask_dredd.reporting.xunit import read_xunit
from tests.postgres import PG_SERVER
from tests.reliability.runs import processes_of_run, start_run

from .conftest import ROOT

FLASK = str(Path(sys.executable).parent / "flask")
SLOW_MACHINE = ("--workers", "1", "--server-timeout", "120", "--stall-timeout", "120")


def flask_dredd(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FLASK, "--app", "eventapi", "dredd", *args],
        cwd=ROOT,
        env={**os.environ, "EVENTAPI_CONFIG": "contract"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.parametrize("spec", ["0/2", "3/2", "a/b"])
def test_a_bad_shard_spec_is_a_clear_error(tmp_path: Path, spec: str):
    done = flask_dredd("run", "--shard", spec, "--reports-dir", str(tmp_path / "r"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"error: bad shard '{spec}'" in done.stderr and "write K/N" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "r" / "run.json").exists()


def test_a_shard_with_no_actions_says_so_and_exits_0(tmp_path: Path):
    done = flask_dredd("run", "--shard", "40/40", "--reports-dir", str(tmp_path / "r"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "shard 40/40 has no actions: nothing to run" in done.stdout
    run = json.loads((tmp_path / "r" / "run.json").read_text())
    assert run["shard"] == "40/40" and run["transactions"] == [] and run["contract_total"] > 100
    assert read_xunit(tmp_path / "r" / "dredd.xml").cases == []


def test_three_shards_merged_equal_one_unsharded_run(tmp_path: Path):
    runs = {
        name: start_run(tmp_path / name, f"sqlite:///{tmp_path / name}_contract.db", *SLOW_MACHINE,
                        *(["--shard", name.replace("of", "/")] if "of" in name else []))
        for name in ("1of3", "2of3", "3of3", "whole")
    }  # fmt: skip
    for run in runs.values():
        run.finish(timeout=600)
        assert run.process.returncode == 0, run.output[-3000:]
    whole = read_xunit(tmp_path / "whole" / "dredd.xml")
    folders = [str(tmp_path / n) for n in ("3of3", "1of3", "2of3")]
    merged = flask_dredd("merge", *folders, "--reports-dir", str(tmp_path / "merged"))
    assert merged.returncode == 0, merged.stdout + merged.stderr
    xunit = read_xunit(tmp_path / "merged" / "dredd.xml")
    counts = [(s.passed, s.failed, s.skipped, s.not_run, len(s.cases)) for s in (xunit, whole)]
    assert counts[0] == counts[1] and counts[0][0] > 100
    names = [
        json.loads(line)["name"]
        for line in (tmp_path / "merged" / "transactions.jsonl").read_text().splitlines()
    ]
    unsharded = json.loads((tmp_path / "whole" / "run.json").read_text())["transactions"]
    assert names == [t["name"] for t in unsharded]  # each once, in document order
    shards = json.loads((tmp_path / "merged" / "run.json").read_text())["shards"]
    assert [s["shard"] for s in shards] == ["1/3", "2/3", "3/3"]
    assert "slowest shard" in merged.stdout and f"{whole.passed} passed" in merged.stdout
    missing = flask_dredd("merge", folders[0], folders[1], "--reports-dir", str(tmp_path / "m2"))
    assert missing.returncode == 2
    assert "shard 2/3 is missing (have 1/3, 3/3)" in missing.stderr


def run_parallel(tmp_path: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    reports = tmp_path / "reports"
    done = flask_dredd("run", "--parallel", "2", "--database-url", database_url,
                       "--reports-dir", str(reports), *SLOW_MACHINE, timeout=600)  # fmt: skip
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    xunit = read_xunit(reports / "dredd.xml")
    assert xunit.passed == len(xunit.cases) > 100 and not xunit.failed
    for k in (1, 2):
        run = json.loads((reports / f"shard{k}" / "run.json").read_text())
        assert run["shard"] == f"{k}/2" and run["exit_code"] == 0 and run["transactions"]
    assert "(wall, 2 shards)" in done.stdout
    return done


def test_parallel_two_on_sqlite(tmp_path: Path):
    run_parallel(tmp_path, f"sqlite:///{tmp_path / 'eventapi_contract.db'}")
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["eventapi_contract.db"]  # copies gone
    assert not list(tmp_path.glob(".flask-dredd-*"))  # their registry and every lock too


def test_parallel_two_on_postgres(tmp_path: Path, postgres_url: str):
    done = run_parallel(tmp_path, postgres_url)
    name = postgres_url.rsplit("/", 1)[1]
    assert f"{name.removesuffix('_test')}_shard1_test" in done.stdout
    with psycopg2.connect(f"{PG_SERVER}/postgres") as conn, conn.cursor() as cur:
        cur.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{name[:-5]}%",))
        assert [row[0] for row in cur.fetchall()] == [name]  # the copies are dropped


def test_ctrl_c_stops_every_shard_and_leaves_no_process(tmp_path: Path):
    run = start_run(tmp_path / "r", f"sqlite:///{tmp_path / 'eventapi_contract.db'}",
                    "--parallel", "2", *SLOW_MACHINE)  # fmt: skip
    assert run.process.stdout is not None
    seen, lines = set(), []
    deadline = time.monotonic() + 300
    while len(seen) < 2 and time.monotonic() < deadline:
        line = run.process.stdout.readline()
        lines.append(line)
        if "[flask-dredd] dredd     dredd --config" in line:
            seen.add(line.split("]")[0])
    assert len(seen) == 2, "".join(lines)[-3000:]
    # Per shard: gunicorn's master and worker, Dredd, and the hooks handler Dredd starts.
    while time.monotonic() < deadline:
        shard_runners = processes_of_run(run.pid)
        family = {pid: cmd for shard in shard_runners
                  for pid, cmd in processes_of_run(shard).items()}  # fmt: skip
        if len(family) >= 8:
            break
        time.sleep(0.2)
    assert len(shard_runners) == 2 and len(family) >= 8, family
    os.kill(run.pid, signal.SIGINT)
    rest, _ = run.process.communicate(timeout=120)
    assert run.process.returncode == 130, "".join(lines) + rest
    time.sleep(1)
    # A zombie has ended: an orphan's waits for an init that may never reap it (this
    # machine's pid 1 does not), which is no process of ours still running.
    left = {pid: family.get(pid, "a shard's runner") for pid in {*shard_runners, *family}
            if is_running(pid)}  # fmt: skip
    assert not left, left
    # The copies are dropped, their locks and registry gone with them.
    assert sorted(p.name for p in tmp_path.glob("*.db")) == ["eventapi_contract.db"]
    assert not list(tmp_path.glob(".flask-dredd-*"))


def test_a_failing_shard_does_not_hide_the_others_results(tmp_path: Path):
    reports = tmp_path / "reports"
    drifted = "drift.narrow:events_in_order_of_id()"  # fails one transaction: List Events
    database = f"sqlite:///{tmp_path / 'eventapi_contract.db'}"
    done = flask_dredd("run", "--parallel", "2", "--app-spec", drifted, "--database-url", database,
                       "--reports-dir", str(reports), *SLOW_MACHINE, timeout=600)  # fmt: skip
    assert done.returncode == 1, (done.stdout + done.stderr)[-4000:]
    xunit = read_xunit(reports / "dredd.xml")
    assert xunit.failed == 1 and xunit.passed == len(xunit.cases) - 1 > 100
    records = (reports / "transactions.jsonl").read_text().splitlines()
    failed = [r["name"] for r in map(json.loads, records) if r["status"] == "failed"]
    assert failed == ["Events > Events > List Events"]
    codes = {
        json.loads((reports / f"shard{k}" / "run.json").read_text())["exit_code"] for k in (1, 2)
    }
    assert codes == {0, 1}  # one shard failed, the other's passes are in the merged report
    assert "Events &gt; Events &gt; List Events" in (reports / "index.html").read_text()
