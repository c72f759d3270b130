"""`flask dredd run --parallel N`: N shards of the contract at once on one machine.

1. the contract phase checks everything once and fixes the split: the durations that
   balance it (`--timings`, else the reports folder's transactions.jsonl of an earlier
   run, else counts) are written to `<reports>/timings.json`, which every shard reads,
   so all N compute the same split;
2. the configured database is prepared once (guarded, created, locked, migrated) and
   copied per shard (`shard_databases`). Its lock is held until the copies are dropped
   at the end (SQLite); PostgreSQL copies a database only with no session on it, so
   there the copies' own advisory lock is taken first (`RunLocks.hold_copies`) and held
   to the end instead. Either way a second parallel run on the same database is refused
   at once, and never copies over, migrates or drops what this one uses;
3. each shard is a child `flask dredd run --shard K/N --no-migrate` with its own database
   copy, server, handler port and reports folder `<reports>/shardK`; their output is
   shown line by line, prefixed `[shard K/N]`. They lock their own database and folder,
   so they never refuse each other; this run locks `<reports>` itself;
4. when all have ended, their reports are merged into `<reports>` (`reporting.shards`),
   and the copies are dropped.

Children run in sessions of their own and die with this process (`lifetime`); Ctrl-C or
SIGTERM is passed to each as SIGTERM, which makes it stop its server and Dredd and write
its reports, so no process is left and every shard's partial result is merged. A shard
that fails or aborts does not stop the others. The exit code is the merge's (the worst
shard's), 130 when interrupted.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

from flask_dredd.contract.shards import ShardError, contract_record, plan, read_timings, write_plan
from flask_dredd.errors import RunError
from flask_dredd.probes.followup import CONTRACT_ENV
from flask_dredd.reporting.console import progress, result_line
from flask_dredd.reporting.results import RECORD_FILE
from flask_dredd.reporting.shards import MergeError, merge, summary_lines
from flask_dredd.run.config import RunConfig, RunResult, child_environment
from flask_dredd.run.database import (
    DatabaseError,
    _psycopg2_params,
    open_run_database,
    parse_url,
)
from flask_dredd.run.lifetime import (
    RUN_ID_ENV,
    Interrupted,
    die_with_runner,
    interruptible,
    stop_sessions,
)
from flask_dredd.run.locks import LockError, RunIdentity, RunLocks
from flask_dredd.run.runner import (
    CONTRACT_FILE,
    check_contract,
    check_contract_and_wiring,
    check_tools,
    prepare_database,
)
from flask_dredd.run.shard_databases import ShardDatabaseError, ShardDatabases

TIMINGS_FILE = "timings.json"
#: How long a shard may take to stop its server and Dredd after SIGTERM.
STOP_GRACE = 60.0


def run_parallel(config: RunConfig, count: int) -> RunResult:
    """Run the contract as ``count`` shards at once and merge their reports."""
    if config.shard is not None:
        raise RunError("--parallel runs every shard itself: leave out --shard (or --parallel)")
    if config.endpoint is not None:
        raise RunError(
            "--parallel starts a server per shard: leave out --endpoint (a running server "
            "has one database, which the shards would reset under each other)"
        )
    identity = RunIdentity.current()
    with RunLocks(identity, note=lambda message: progress("lock", message)) as locks:
        return _run_locked(config, count, identity, locks)


def _run_locked(config: RunConfig, count: int, identity: RunIdentity, locks: RunLocks) -> RunResult:
    started = time.monotonic()
    reports = config.path(config.reports_dir)
    check_tools(config)
    contract = check_contract_and_wiring(config, reports)  # the shards need not probe
    try:
        locks.hold_reports(reports)
    except LockError as exc:
        raise RunError(str(exc)) from None
    timings = snapshot_timings(config, reports)
    for stale in ("dredd.xml", "index.html", "run.json", RECORD_FILE):
        (reports / stale).unlink(missing_ok=True)  # never an earlier run's, if the merge fails
    durations = json.loads(timings.read_text(encoding="utf-8"))
    # The split is of the document as written (with any derived actions); each shard
    # reorders its own actions.
    whole = (
        contract if config.order is None else check_contract(replace(config, order=None), reports)
    )
    text = whole.reordered_text or contract.source.read_text(encoding="utf-8")
    shards = plan(whole.transactions, text, count, durations)
    basis = "recorded durations" if durations else "transaction counts"
    progress(
        "contract",
        f"{len(contract.transactions)} transactions in {count} shards by {basis}: "
        + ", ".join(f"{s.spec} {len(s.positions)}" for s in shards),
    )
    plans: list[Path | None] = [None] * count
    if config.order is None:  # the children need not compile the blueprint again
        paths = [reports / f"plan-shard{s.spec.index}.json" for s in shards]
        plans = list(paths)
        for shard, path in zip(shards, paths, strict=True):
            everything = whole.transactions
            record = contract_record(contract.source, text, everything, shard.spec, shard.positions)
            write_plan(path, shard, record, everything, contract.source.read_text(encoding="utf-8"))
    env = child_environment(config)
    env[RUN_ID_ENV] = identity.run_id
    # Every shard's follow-up probes may ask any transaction of the contract.
    env[CONTRACT_ENV] = str(replace(whole, everything=whole.transactions).write_everything(
        reports / CONTRACT_FILE))
    t0 = time.monotonic()
    template_locks = RunLocks(identity, note=lambda m: progress("lock", m))
    databases: ShardDatabases | None = None
    try:
        with interruptible():  # the shards' own Ctrl-C handling starts in run_shards
            hold_copies(config, template_locks)
            summary = prepare_database(config, env, template_locks)
            assert template_locks.database is not None
            template = parse_url(env["DATABASE_URL"])
            databases = ShardDatabases(template, template_locks.database, identity)
            if template_locks.database.backend == "postgresql":
                # PostgreSQL copies a template only with no session on it; the copies'
                # lock, taken first, stays held. SQLite's stays held until the end.
                template_locks.release_database()
            urls = databases.create(count)
        progress(
            "database",
            f"{summary}; {count} copies: {', '.join(u.split('/')[-1] for u in urls)} "
            f"({time.monotonic() - t0:.1f} s)",
        )
        folders = [reports / f"shard{k}" for k in range(1, count + 1)]
        codes, interrupted = run_shards(config, count, urls, folders, timings, plans, env)
    except ShardDatabaseError as exc:
        raise RunError(str(exc)) from None
    except Interrupted as exc:
        progress("stopped", f"{exc} while preparing the shards' databases; no shard ran")
        return RunResult(exit_code=130, phases={"total": time.monotonic() - started})
    finally:
        for note in databases.drop() if databases is not None else []:
            progress("database", note)
        template_locks.release()  # only now: no other run may copy or use it before
    wall = time.monotonic() - started
    try:
        merged = merge(folders, reports)
    except MergeError as exc:
        progress("merge", f"cannot merge the shards' reports: {exc}")
        exit_code = 130 if interrupted else 2 if all(c == 2 for c in codes) else 3
        progress(
            "done", f"exit {exit_code} in {wall:.1f} s; each shard's reports in {reports}/shardK"
        )
        return RunResult(exit_code=exit_code, phases={"total": wall})
    for line in summary_lines(merged):
        progress("shards", line)
    progress("result", result_line(merged.report))
    exit_code = 130 if interrupted else merged.exit_code
    _note_wall(reports, wall)
    progress("done", f"exit {exit_code} in {wall:.1f} s (wall, {count} shards); merged reports "
                     f"in {reports}")  # fmt: skip
    return RunResult(exit_code=exit_code, phases={"total": wall})


def hold_copies(config: RunConfig, locks: RunLocks) -> None:
    """PostgreSQL: lock the shard copies of the configured database, before its own lock.

    A second parallel run on the same server and database is refused here at once,
    before it migrates the template or touches a copy.
    """
    from flask_dredd.isolation.guard import UnsafeDatabaseError

    try:
        url = parse_url(config.database_url)
        if url.get_backend_name() != "postgresql":
            return  # SQLite: the template's own lock is held for the whole run
        url, _, opened = open_run_database(url, config.root)
        locks.hold_copies(opened, lambda name: _psycopg2_params(url, dbname=name))
    except (DatabaseError, UnsafeDatabaseError, LockError) as exc:
        raise RunError(str(exc)) from None


def snapshot_timings(config: RunConfig, reports: Path) -> Path:
    """``<reports>/timings.json``: {name: seconds} every shard splits by ({}: by counts)."""
    source = config.path(config.timings) if config.timings else reports / RECORD_FILE
    try:
        durations = read_timings(source) if source.exists() or config.timings else {}
    except ShardError as exc:
        raise RunError(str(exc)) from None
    target = reports / TIMINGS_FILE
    target.write_text(json.dumps(durations, indent=0, sort_keys=True), encoding="utf-8")
    return target


def shard_command(config: RunConfig, index: int, count: int, url: str, folder: Path,
                  timings: Path, plan_file: Path | None) -> list[str]:  # fmt: skip
    command = [
        sys.executable, "-m", "flask", "--app", config.flask_app, "dredd", "run",
        "--shard", f"{index}/{count}", "--parallel", "1", "--timings", str(timings),
        "--database-url", url, "--reports-dir", str(folder), "--no-migrate",
        "--app-spec", config.app_spec, "--workers", str(config.workers),
        "--dredd-config", str(config.dredd_config),
        "--stall-timeout", str(config.stall_timeout),
        "--server-timeout", str(config.server_timeout),
        "--dredd-timeout", str(config.dredd_timeout), "--no-wiring-probe",
    ]  # fmt: skip
    if config.blueprint is not None:
        command += ["--blueprint", str(config.blueprint)]
    if plan_file is not None:
        command += ["--shard-plan", str(plan_file)]
    if config.order is not None:
        command += ["--order", config.order]
    if config.hook_timeout is not None:
        command += ["--hook-timeout", str(config.hook_timeout)]
    return [*command, "--", *config.dredd_args]


def run_shards(
    config: RunConfig, count: int, urls: list[str], folders: list[Path], timings: Path,
    plans: list[Path | None], env: dict[str, str],
) -> tuple[list[int], bool]:  # fmt: skip
    """Every shard's exit code, and whether the run was interrupted."""
    children: list[subprocess.Popen[str]] = []
    readers: list[threading.Thread] = []
    interrupted = False
    child_env = {k: v for k, v in env.items() if k not in ("DATABASE_URL",)}
    with interruptible():
        try:
            # Started from this (the main) thread: the parent-death signal is per thread.
            for index, (url, folder) in enumerate(zip(urls, folders, strict=True), start=1):
                process = subprocess.Popen(
                    shard_command(config, index, count, url, folder, timings, plans[index - 1]),
                    cwd=config.root,
                    env=child_env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    start_new_session=True,
                    preexec_fn=die_with_runner(),
                )
                children.append(process)
                reader = threading.Thread(
                    target=_relay, args=(process, f"[shard {index}/{count}] "), daemon=True
                )
                reader.start()
                readers.append(reader)
            for process in children:
                process.wait()
        except Interrupted as exc:
            interrupted = True
            progress("stopped", f"{exc}: stopping every shard")
            stop_sessions(children, STOP_GRACE)  # each shard's session, never ours
    for reader in readers:
        reader.join(timeout=5)
    return [p.returncode if p.returncode is not None else 3 for p in children], interrupted


def _relay(process: subprocess.Popen[str], prefix: str) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        sys.stdout.write(prefix + line)
        sys.stdout.flush()


def _note_wall(reports: Path, wall: float) -> None:
    """The merged run.json also says how long the whole parallel run took (wall clock)."""
    path = reports / "run.json"
    run = json.loads(path.read_text(encoding="utf-8"))
    run["wall_seconds"] = round(wall, 3)
    path.write_text(json.dumps(run, indent=2), encoding="utf-8")
