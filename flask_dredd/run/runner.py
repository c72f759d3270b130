"""One contract run, phase by phase: contract, database, server, Dredd, reports.

Each phase reports one progress line and records its duration in
``reports/run.json``: the runner prints and writes nothing itself, it emits events
(`flask_dredd.reporting.events`) that its observers render (by default the console,
index.html and run.json). Whatever happens (a failure, Ctrl-C, SIGTERM), the server and
Dredd are stopped before the run returns. The contract phase (`preflight`) checks
every input before anything is touched; the Dredd phase runs under the stall watchdog
(`watchdog`); `outcome` turns what happened into the exit code and honest reports.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from dredd_hooks_handler.handler import LOG_ENV as HANDLER_LOG_ENV
from dredd_hooks_handler.lifeline import LIFELINE_ENV

from flask_dredd.contract.compile_cache import dredd_node_options
from flask_dredd.errors import PreflightError, RunError
from flask_dredd.probes.followup import CONTRACT_ENV
from flask_dredd.recorder import RECORD_ENV
from flask_dredd.reporting.console import standard_events
from flask_dredd.reporting.events import Events, RunFinished
from flask_dredd.reporting.results import RECORD_FILE
from flask_dredd.reporting.shards import write_empty_shard
from flask_dredd.run import inflight, wiring_probe
from flask_dredd.run.config import RunConfig, RunResult, child_environment, server_description
from flask_dredd.run.database import (
    DatabaseError,
    _psycopg2_params,
    open_run_database,
    parse_url,
    refuse_in_memory,
)
from flask_dredd.run.dredd_config import (
    as_list,
    load_dredd_config,
    write_dredd_config,
)
from flask_dredd.run.dredd_output import DreddOutput
from flask_dredd.run.lifetime import (
    RUN_ID_ENV,
    Interrupted,
    die_with_runner,
    interruptible,
    raise_if_interrupted,
)
from flask_dredd.run.locks import LockError, RunIdentity, RunLocks
from flask_dredd.run.outcome import conclude
from flask_dredd.run.ports import free_port
from flask_dredd.run.preflight import Contract, preflight
from flask_dredd.run.server import (
    GunicornServer,
    ServerStartError,
    log_tail,
    slow_start_hint,
    stop_process_group,
)
from flask_dredd.run.watchdog import Stop, Watched, watch

HANDLER_LOG = "hooks-handler.log"
CONTRACT_FILE = "contract.json"  # the whole compiled contract, for follow-up probes


def prepare_database(config: RunConfig, env: dict[str, str], locks: RunLocks) -> str:
    """Guard, create the database if missing, lock it, migrate it. Returns a summary.

    The guard judges the database a real connection opened, before `flask db upgrade`.
    The lock is held until ``locks`` is released, after the reports.
    """
    # Imported here so that `flask dredd --help` does not pull in SQLAlchemy.
    from flask_dredd.isolation.guard import UnsafeDatabaseError
    from flask_dredd.isolation.migrations import (
        MigrationsNotFoundError,
        migrations_setting,
        upgrade_command,
        upgrade_hint,
    )

    try:
        migrations = migrations_setting(None, config.root, env)  # before creating anything
        url, created, opened = open_run_database(parse_url(config.database_url), config.root)
        # The lock is on the database the guard's connection reported, not on the URL's
        # spelling of it: every spelling of one file or database meets one lock.
        locks.hold_database(url, opened, lambda name: _psycopg2_params(url, dbname=name))
    except (DatabaseError, UnsafeDatabaseError, MigrationsNotFoundError, LockError) as exc:
        raise RunError(str(exc)) from None
    env["DATABASE_URL"] = url.render_as_string(hide_password=False)  # SQLite: made absolute
    state = f"{url.render_as_string()}: {'created, ' if created else ''}"
    if not config.migrate:
        return f"{state}not migrated (--no-migrate)"
    command = upgrade_command(migrations, config.flask_app)
    if command is None:
        return f"{state}no migrations"
    upgrade = subprocess.run(
        command,
        cwd=config.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=die_with_runner(),
    )
    if upgrade.returncode != 0:
        raise RunError(
            f"`{' '.join(command[2:])}` failed on {url.render_as_string()}:\n"
            f"{upgrade.stdout}{upgrade.stderr}{upgrade_hint(migrations)}"
        )
    return f"{state}migrated to head"


def dredd_command(config: RunConfig, effective_config: Path) -> list[str]:
    return [str(config.dredd_bin), "--config", str(effective_config), *config.dredd_args]


def run_dredd(
    command: list[str], config: RunConfig, env: dict[str, str], watched: Watched, events: Events
) -> tuple[int | None, Stop | None]:
    """Dredd's exit status, or None and why the watchdog stopped it."""
    # Dredd's own compile of the contract, kept between runs (contract.compile_cache).
    node_options = dredd_node_options(env.get("NODE_OPTIONS"))
    env = {**env, "NODE_OPTIONS": node_options} if node_options else env
    quiet = not config.verbose  # Dredd's noise dropped (run.dredd_output)
    process = subprocess.Popen(
        command,
        cwd=config.root,
        env=env,
        start_new_session=True,
        preexec_fn=die_with_runner(),
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.STDOUT if quiet else None,
    )
    output = None
    if quiet and process.stdout is not None:
        output = DreddOutput(process.stdout, str(config.path(config.reports_dir)))
    try:
        raise_if_interrupted()
        stop = watch(
            process,
            watched,
            stall_timeout=config.stall_timeout,
            dredd_timeout=config.dredd_timeout,
        )
        if stop is None:
            raise_if_interrupted()
            return process.returncode, None
        events.progress("dredd", f"stopping Dredd and the server: {stop.cause}")
        return None, stop
    finally:
        # Dredd starts the hooks handler in its own process group; take both down.
        stop_process_group(process, timeout=5)
        if output is not None:
            output.finish()
            if output.hidden_warnings:
                events.progress(
                    "dredd",
                    f"{output.hidden_warnings} parser warning(s) about the run's copy of the "
                    "blueprint hidden (`flask dredd check` gives them for the file; --verbose "
                    "shows them)",
                )


def check_tools(config: RunConfig) -> None:
    if not config.dredd_bin.exists():
        raise RunError(
            f"no Dredd binary: {config.dredd_bin} is missing. Install it in the project "
            "root with `npm install --save-dev --save-exact dredd@14.1.0` (Node.js 18+; "
            "`npm ci` where package.json and its lock already pin it). A new project needs "
            "a package.json first: `flask dredd init` writes one. Or name the binary with "
            "--dredd / FLASK_DREDD_DREDD."
        )


def start_wiring_probe(config: RunConfig) -> subprocess.Popen[str] | None:
    """The probe of the hooks' wiring (`run.wiring_probe`), or None without hook files."""
    try:
        settings = load_dredd_config(config.root, config.dredd_config, *config.dredd_defaults)
    except PreflightError:
        return None  # the contract phase says what is wrong with it
    patterns = as_list(settings.get("hookfiles"))
    if not patterns:
        return None
    return wiring_probe.start(patterns, config.root, child_environment(config))


def check_contract_and_wiring(config: RunConfig, reports: Path) -> Contract:
    """`check_contract`, with the hooks' wiring probed beside it (adoption mistakes named
    in seconds), unless a sibling run of the same hooks probes it (`probe_wiring`)."""
    probe = start_wiring_probe(config) if config.probe_wiring else None
    try:
        contract = check_contract(config, reports)  # compiles while the probe runs
        adoption_error = wiring_probe.finish(probe) if probe else None
    finally:
        if probe is not None and probe.poll() is None:
            probe.kill()
            probe.communicate()
    if adoption_error:
        raise RunError(adoption_error)
    return contract


def check_contract(config: RunConfig, reports: Path) -> Contract:
    """dredd.yml, the reports folder, --order and the compiled blueprint, or RunError."""
    try:
        return preflight(
            root=config.root,
            dredd_config=config.dredd_config,
            blueprint=config.blueprint,
            order=config.order,
            reports=reports,
            hook_timeout=config.hook_timeout,
            shard=config.shard,
            timings=None if config.timings is None else config.path(config.timings),
            shard_plan=config.shard_plan,
            dredd_defaults=config.dredd_defaults,
        )
    except PreflightError as exc:
        raise RunError(str(exc)) from None


def show_handler_log(log: Path, events: Events, lines: int = 30) -> None:
    """Print what the hooks handler reported, if anything: Dredd does not show it."""
    if log.exists() and log.read_text().strip():
        events.progress("hooks", f"the hooks handler reported ({log}):")
        print(log_tail(log, lines), flush=True)


def start_server(
    config: RunConfig, env: dict[str, str], reports: Path, events: Events
) -> GunicornServer:
    server = GunicornServer(
        config.app_spec, workers=config.workers, env=env, log_path=reports / "server.log"
    )
    try:
        server.start()
        waited = server.wait_ready(config.server_timeout)
    except ServerStartError as exc:
        timed_out = server.process is not None and server.process.poll() is None
        server.stop()
        hint = f"\n{slow_start_hint(config.workers, config.server_timeout)}" if timed_out else ""
        raise RunError(f"{exc}{hint}") from None
    except BaseException:  # Ctrl-C, SIGTERM: a partly started server is stopped too
        server.stop()
        raise
    if waited > config.server_timeout / 2:
        hint = slow_start_hint(config.workers, config.server_timeout)
        events.progress("server", f"slow start ({waited:.0f} s): {hint}")
    return server


def run(config: RunConfig, events: Events | None = None) -> RunResult:
    """Run the contract once, alone on its database and reports folder.

    Never leaves a server or Dredd behind; the locks are released last, after the reports.
    `events` (default: the console, index.html and run.json) observe the run.
    """
    events = events or standard_events()
    identity = RunIdentity.current()
    with RunLocks(identity, note=lambda message: events.progress("lock", message)) as locks:
        return _run_locked(config, identity, locks, events)


def _run_locked(
    config: RunConfig, identity: RunIdentity, locks: RunLocks, events: Events
) -> RunResult:
    phases: dict[str, float] = {}
    started = t0 = time.monotonic()
    reports = config.path(config.reports_dir)
    check_tools(config)
    try:
        refuse_in_memory(config.database_url)
    except DatabaseError as exc:
        raise RunError(str(exc)) from None
    with interruptible():
        try:
            contract = check_contract_and_wiring(config, reports)
        except Interrupted as exc:
            events.progress("stopped", f"{exc} while checking the contract; nothing else ran")
            return RunResult(exit_code=130, phases=phases)
    phases["contract"] = time.monotonic() - t0
    order = f", order {config.order}" if config.order else ""
    order += f", shard {contract.shard}" if contract.shard else ""
    events.progress(
        "contract",
        f"{_shown(contract.source, config.root)}{order}: {len(contract.transactions)} "
        f"transactions ({phases['contract']:.1f} s)",
    )
    env = child_environment(config)
    env[RUN_ID_ENV] = identity.run_id
    env[LIFELINE_ENV] = str(identity.pid)  # the handler, Dredd's child, ends with us too
    reports.mkdir(parents=True, exist_ok=True)
    try:
        locks.hold_reports(reports)
    except LockError as exc:
        raise RunError(str(exc)) from None
    stale = (RECORD_FILE, HANDLER_LOG, "dredd.xml", "index.html", "run.json")
    for name in (*stale, inflight.INFLIGHT_FILE, inflight.ABORT_FILE):
        (reports / name).unlink(missing_ok=True)  # never an older run's
    if contract.shard is not None and not contract.transactions:
        events.progress("done", f"shard {contract.shard} has no actions: nothing to run (exit 0)")
        write_empty_shard(reports, contract.record, phases)
        return RunResult(exit_code=0, phases=phases)
    env[RECORD_ENV] = str(reports / RECORD_FILE)
    env[inflight.INFLIGHT_ENV] = str(reports / inflight.INFLIGHT_FILE)
    env[inflight.ABORT_ENV] = str(reports / inflight.ABORT_FILE)
    whole = contract.write_everything(reports / CONTRACT_FILE)  # a parallel child: its parent's
    if whole is not None:
        env[CONTRACT_ENV] = str(whole)
    # Dredd shows the handler's stderr only at --loglevel=debug; the log keeps what a
    # user needs when hooks fail (a hook file that does not import, after_all errors).
    env.setdefault(HANDLER_LOG_ENV, str(reports / HANDLER_LOG))
    server: GunicornServer | None = None
    endpoint = config.endpoint
    dredd_exit: int | None = None
    stop: Stop | None = None
    interrupted: str | None = None

    def phase(name: str) -> float:
        phases[name] = time.monotonic() - t0
        return phases[name]

    with interruptible():
        try:
            t0 = time.monotonic()
            summary = prepare_database(config, env, locks)
            raise_if_interrupted()
            events.progress("database", f"{summary} ({phase('database'):.1f} s)")

            if endpoint is None:
                t0 = time.monotonic()
                server = start_server(config, env, reports, events)
                raise_if_interrupted()
                endpoint = server.url
                events.progress(
                    "server",
                    f"gunicorn, {config.workers} workers, ready on {endpoint} "
                    f"({phase('server'):.1f} s; log {reports / 'server.log'}); "
                    f"{server_description(config, env)}",
                )
            else:
                events.progress("server", f"using the running server at {endpoint}")

            t0 = time.monotonic()
            effective = write_dredd_config(config, contract, endpoint, free_port())
            events.progress("dredd", f"dredd --config {effective}")
            watched = Watched.in_folder(reports, contract.names, endpoint)
            dredd_exit, stop = run_dredd(
                dredd_command(config, effective), config, env, watched, events
            )
            phase("dredd")
            if dredd_exit != 0:
                show_handler_log(Path(env[HANDLER_LOG_ENV]), events)
        except Interrupted as exc:
            events.progress("stopped", f"{exc}: stopping the server and Dredd")
            interrupted = str(exc)
        finally:
            if server is not None:
                server.stop()
    phases["total"] = time.monotonic() - started
    conclusion = conclude(
        reports,
        contract.transactions,
        phases=phases,
        endpoint=endpoint or "",
        dredd_exit=dredd_exit,
        stop=stop,
        interrupted=interrupted,
    )
    report, outcome = conclusion.report, conclusion.outcome
    if conclusion.xunit_rewritten:
        events.progress("report", conclusion.xunit_rewritten)
    exit_code = outcome.exit_code
    report.excluded = dict(config.excluded_routes)
    record = {
        "exit_code": exit_code,
        "dredd_exit_code": dredd_exit,
        "cause": outcome.cause,
        "endpoint": endpoint,
        "workers": config.workers,
        "order": config.order,  # a shuffle's seed included: `--order` replays it
        "phases": phases,
        "resets": report.reset_seconds,  # within the dredd phase
        **contract.record,  # the .apib's hash, the shard, its transactions
    }
    events.emit(RunFinished(report, reports, record))  # closing lines, index.html, run.json
    dredd_said = "" if dredd_exit is None else f"; Dredd exit {dredd_exit}"
    events.progress(
        "done",
        f"exit {exit_code} ({outcome.label}{dredd_said}) in {phases['total']:.1f} s; "
        f"reports in {reports}",
    )
    return RunResult(exit_code=exit_code, phases=phases, endpoint=endpoint or "")


def _shown(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
