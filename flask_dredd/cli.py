"""`flask dredd …`: a thin Click layer over the runner, registered like `flask db`.

The group is a plain Click group, not Flask's AppGroup: the runner must not import
the application in this process, because the database URL it settles on has to be in
the environment before any application (server or hooks) reads its configuration.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import click
from flask.cli import ScriptInfo

from flask_dredd.actions import documented_transactions
from flask_dredd.authoring.derived_listing import derived_lines, derived_problems, vacuity_lines
from flask_dredd.blueprint import BlueprintError
from flask_dredd.check import Problem, hook_problems, raw_skip_problems, route_problems, strictness
from flask_dredd.contract.shards import SHARD_ENV
from flask_dredd.database import default_sqlite_url
from flask_dredd.drift import Drift, Verdict, load_catalogue, run_catalogue, summary_line
from flask_dredd.handler import HookFileError
from flask_dredd.inflight import HOOK_TIMEOUT_ENV
from flask_dredd.inventory import Inventory, describe_inventory, take_inventory
from flask_dredd.outcome import result_line
from flask_dredd.project import Project, ProjectError
from flask_dredd.record import RecordError, choose, ensure_committed, record, volatile_table
from flask_dredd.reporting.shards import MergeError, merge, summary_lines
from flask_dredd.routes import app_routes
from flask_dredd.run.parallel import run_parallel
from flask_dredd.runner import RunConfig, RunError, run
from flask_dredd.scaffold import ScaffoldError, scaffold
from flask_dredd.watchdog import DEFAULT_STALL_TIMEOUT, STALL_TIMEOUT_ENV


def _app_import_path(ctx: click.Context) -> str:
    info = ctx.ensure_object(ScriptInfo)
    if not info.app_import_path:
        raise click.UsageError(
            "no application given: run `flask --app <module> dredd run` or set FLASK_APP"
        )
    return info.app_import_path


def gunicorn_spec(import_path: str) -> str:
    """`eventapi` → `eventapi:create_app()`; an explicit `module:obj` is kept as is."""
    return import_path if ":" in import_path else f"{import_path}:create_app()"


# Shared by `run` and the authoring commands, so both read the same files.
blueprint_option = click.option(
    "--blueprint",
    envvar="BLUEPRINT",
    type=click.Path(path_type=Path),
    help="blueprint instead of dredd.yml's [env BLUEPRINT]",
)
dredd_config_option = click.option(
    "--dredd-config",
    envvar="DREDD_CONFIG",
    default="dredd.yml",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Dredd's configuration: blueprint, hook files, reporters [env DREDD_CONFIG]",
)


@click.group("dredd")
def dredd() -> None:
    """Contract testing: replay the API Blueprint against the app with Dredd."""


@dredd.command("run", context_settings={"ignore_unknown_options": True})
@click.option(
    "--workers",
    envvar="WORKERS",
    default=2,
    show_default=True,
    type=click.IntRange(1),
    help="gunicorn worker processes [env WORKERS]",
)
@click.option(
    "--database-url",
    envvar="DATABASE_URL",
    help="database for the run [env DATABASE_URL; default: SQLite under var/]",
)
@blueprint_option
@click.option(
    "--app-spec",
    envvar="FLASK_DREDD_APP_SPEC",
    help="what gunicorn serves [default: <app>:create_app()]",
)
@click.option(
    "--endpoint",
    help="test this running server instead of starting gunicorn (e.g. http://api:8000)",
)
@dredd_config_option
@click.option(
    "--order",
    envvar="ORDER",
    help="run the actions reversed (reverse) or shuffled (shuffle, shuffle:SEED) to prove "
    "isolation [env ORDER]",
)
@click.option(
    "--hooks-handler",
    type=click.Choice(["flask-dredd", "dredd-hooks-python"]),
    default="flask-dredd",
    show_default=True,
    help="hooks handler; the stock dredd-hooks-python is there to compare speed",
)
@click.option(
    "--reports-dir",
    envvar="FLASK_DREDD_REPORTS",
    default="reports",
    show_default=True,
    type=click.Path(path_type=Path),
    help="where reports and the server log go [env FLASK_DREDD_REPORTS]",
)
@click.option(
    "--stall-timeout",
    envvar=STALL_TIMEOUT_ENV,
    default=DEFAULT_STALL_TIMEOUT,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="seconds without transaction progress before the run is aborted (exit 3) "
    f"[env {STALL_TIMEOUT_ENV}; make STALL_TIMEOUT=…]",
)
@click.option(
    "--hook-timeout",
    envvar=HOOK_TIMEOUT_ENV,
    type=click.FloatRange(min=0, min_open=True),
    help="seconds one hook may run before the handler aborts the run [default: the "
    f"handler's, under Dredd's 5 s; env {HOOK_TIMEOUT_ENV}; make HOOK_TIMEOUT=…]",
)
@click.option(
    "--server-timeout",
    envvar="FLASK_DREDD_SERVER_TIMEOUT",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="seconds gunicorn may take to answer its first request "
    "[env FLASK_DREDD_SERVER_TIMEOUT; make SERVER_TIMEOUT=…]",
)
@click.option(
    "--dredd-timeout",
    envvar="FLASK_DREDD_DREDD_TIMEOUT",
    default=1800.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="seconds the whole Dredd phase may take [env FLASK_DREDD_DREDD_TIMEOUT; "
    "make DREDD_TIMEOUT=…]",
)
@click.option(
    "--no-migrate",
    is_flag=True,
    help="skip `flask db upgrade`: the database is already at head (e.g. a copy of a "
    "migrated one, as `flask dredd drift` makes)",
)
@click.option(
    "--shard",
    envvar=SHARD_ENV,
    metavar="K/N",
    help=f"run only shard K of N (whole actions, balanced by recorded durations) [env {SHARD_ENV}]",
)
@click.option(
    "--timings",
    envvar="FLASK_DREDD_TIMINGS",
    type=click.Path(path_type=Path),
    help="durations that balance --shard/--parallel: a run's transactions.jsonl or a JSON "
    "{name: seconds} [default: <reports>/transactions.jsonl if any; env FLASK_DREDD_TIMINGS]",
)
@click.option("--shard-plan", hidden=True, type=click.Path(path_type=Path))  # --parallel's
@click.option(
    "--parallel",
    envvar="FLASK_DREDD_PARALLEL",
    default=1,
    type=click.IntRange(1),
    help="run N shards at once, each with its own database copy, server and reports "
    "subfolder, merged at the end [env FLASK_DREDD_PARALLEL]",
)
@click.argument("dredd_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def run_command(
    ctx: click.Context,
    workers: int,
    database_url: str | None,
    blueprint: Path | None,
    app_spec: str | None,
    endpoint: str | None,
    dredd_config: Path,
    order: str | None,
    hooks_handler: str,
    reports_dir: Path,
    stall_timeout: float,
    hook_timeout: float | None,
    server_timeout: float,
    dredd_timeout: float,
    no_migrate: bool,
    shard: str | None,
    timings: Path | None,
    shard_plan: Path | None,
    parallel: int,
    dredd_args: tuple[str, ...],
) -> None:
    """Check the contract, prepare the database, start gunicorn, run Dredd, stop everything.

    Extra arguments go to Dredd as they are, e.g. `flask dredd run -- --only "Users > …"`.

    \b
    Exit codes:
      0    every transaction passed
      1    the contract failed (a transaction failed)
      2    setup or usage error: nothing ran (bad dredd.yml, blueprint, database, …)
      3    aborted: a hook over --hook-timeout, a hooks handler that died, no progress
           for --stall-timeout, or --dredd-timeout; the closing line names the cause
           and counts the transactions not run
      130  interrupted (Ctrl-C, SIGTERM)
    """
    import_path = _app_import_path(ctx)
    root = Path.cwd()
    config = RunConfig(
        root=root,
        flask_app=import_path,
        app_spec=app_spec or gunicorn_spec(import_path),
        database_url=database_url
        or default_sqlite_url(root, f"{import_path.split(':')[0].split('.')[0]}_contract"),
        blueprint=blueprint,
        endpoint=endpoint,
        dredd_config=dredd_config,
        order=order,
        hooks_handler=hooks_handler,
        reports_dir=reports_dir,
        workers=workers,
        dredd_args=dredd_args,
        dredd_timeout=dredd_timeout,
        migrate=not no_migrate,
        server_timeout=server_timeout,
        stall_timeout=stall_timeout,
        hook_timeout=hook_timeout,
        shard=shard,
        timings=timings,
        shard_plan=shard_plan,
    )
    try:
        result = run(config) if parallel == 1 else run_parallel(config, parallel)
    except RunError as exc:
        _fail(str(exc))
    sys.exit(result.exit_code)


# ---------------------------------------------------------------- authoring commands
# `names`, `check` and `scaffold` read dredd.yml's blueprint and hook files, exactly what
# a run uses. They load the hook files (and, for `check`, the app) in this process.

project_options = [
    blueprint_option,
    dredd_config_option,
    click.option(
        "--factories",
        envvar="FLASK_DREDD_FACTORIES",
        default="factories",
        show_default=True,
        help="the importable package of factory-boy factories [env FLASK_DREDD_FACTORIES]",
    ),
]


def with_project_options(command: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(project_options):
        command = option(command)
    return command


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"[flask-dredd] error: {message}", err=True)
    sys.exit(code)


def _take_inventory(project: Project) -> Inventory:
    """The blueprint's transactions with the hook files' say on each; exits on bad input."""
    try:
        documented = documented_transactions(project.blueprint, project.node_modules)
    except BlueprintError as exc:
        _fail(str(exc), 1)
    try:
        registry = project.load_hooks()
    except HookFileError as exc:
        _fail(f"{exc}\n(the hooks handler would refuse to start the same way)", 1)
    return take_inventory(documented, registry)


def _project(blueprint: Path | None, dredd_config: Path, factories: str) -> Project:
    try:
        return Project.load(Path.cwd(), dredd_config, blueprint, factories)
    except ProjectError as exc:
        _fail(str(exc))


@dredd.command("names")
@with_project_options
def names_command(blueprint: Path | None, dredd_config: Path, factories: str) -> None:
    """Every transaction of the blueprint and what gives it its data.

    States: fixtures (the hooks, file:line), no fixtures (declared as needing none),
    skipped (with the reason), MISSING (none of these: `flask dredd check` fails).
    """
    project = _project(blueprint, dredd_config, factories)
    inventory = _take_inventory(project)
    for line in describe_inventory(inventory, project.root):
        click.echo(line)
    for line in derived_lines(project.root, inventory):  # issue #11: from the policy
        click.echo(line)


@dredd.command("check")
@with_project_options
@click.option(
    "--reports-dir",
    type=click.Path(path_type=Path),
    default="reports",
    show_default=True,
    help="the last run's reports: its vacuous filters are listed",
)
@click.option("--strict", is_flag=True, help="also fail on a vacuous filter of the last run")
@click.pass_context
def check_command(
    ctx: click.Context,
    blueprint: Path | None,
    dredd_config: Path,
    factories: str,
    reports_dir: Path,
    strict: bool,
) -> None:
    """Fail when the blueprint, the hook files and the app's routes disagree.

    A hook naming no transaction, a transaction without fixtures or declaration, a skip
    or an inexact declaration without a reason, a route the blueprint does not document,
    a documented action no route serves. Exit status 1 when a problem is found. Lists
    the transactions opted out of exact comparison, with their reasons.
    """
    project = _project(blueprint, dredd_config, factories)
    inventory = _take_inventory(project)
    try:
        app = ctx.ensure_object(ScriptInfo).load_app()
    except Exception as exc:  # whatever the app's factory raises, say so and stop
        _fail(f"cannot load the app to read its routes: {type(exc).__name__}: {exc}")
    routes = app_routes(app)
    hook_paths = project.hook_paths()
    problems = (
        hook_problems(inventory, project.root)
        + raw_skip_problems(hook_paths, project.root)
        + route_problems([entry.transaction for entry in inventory.entries], routes)
    )
    policy, derived = derived_problems(project.root, inventory)
    problems += policy
    vacuous = vacuity_lines(project.root / reports_dir)
    if strict:
        problems += [Problem("vacuous", line) for line in vacuous]
    for problem in problems:
        click.echo(f"✗ {problem}")
    for line in strictness(inventory, project.root):
        click.echo(line)
    if not strict:
        for line in vacuous:
            click.echo(f"vacuous: {line}")
    counted = f"{len(inventory.entries)} " + (f"documented + {derived} derived " if derived else "")
    summary = (
        f"{counted}transactions, {len(hook_paths)} hook files, {len(routes)} routes of {app.name}"
    )
    if problems:
        click.echo(f"check: {len(problems)} problem(s) in {summary}")
        sys.exit(1)
    click.echo(f"check: OK, {summary}")


@dredd.command("scaffold")
@click.argument("name")
@with_project_options
def scaffold_command(name: str, blueprint: Path | None, dredd_config: Path, factories: str) -> None:
    """Write the fixture hook stub for transaction NAME into its resource's hook module."""
    project = _project(blueprint, dredd_config, factories)
    inventory = _take_inventory(project)
    try:
        done = scaffold(project, inventory, name)
    except ScaffoldError as exc:
        _fail(str(exc), 1)
    inside = done.path.is_relative_to(project.root)
    relative = done.path.relative_to(project.root) if inside else done.path
    made = "created" if done.created else "added to"
    uses = f" using {', '.join(done.factories)}" if done.factories else ""
    click.echo(f"{made} {relative}:{done.line}: {done.function}(){uses}")
    click.echo(
        f"next: make it create the example's rows, then run it alone:\n"
        f'  flask dredd run -- --only "{name}"'
    )


@dredd.command("drift")
@click.option(
    "--catalogue",
    envvar="FLASK_DREDD_DRIFTS",
    required=True,
    help="importable module whose DRIFTS lists the drifts, e.g. drift.catalogue",
)
@click.option(
    "--jobs",
    # One more than the cores: a run is Dredd, the handler and gunicorn taking turns, so
    # no run keeps a core busy all the time (measured: 2 cores, 3 jobs 15% faster than 2).
    default=(os.cpu_count() or 1) + 1,
    show_default="cores + 1",
    type=click.IntRange(1),
    help="contract runs at a time",
)
@click.option(
    "--reports-dir",
    default="reports/drift",
    show_default=True,
    type=click.Path(path_type=Path),
    help="one reports folder per drift goes here",
)
@with_project_options
@click.pass_context
def drift_command(
    ctx: click.Context,
    catalogue: str,
    jobs: int,
    reports_dir: Path,
    blueprint: Path | None,
    dredd_config: Path,
    factories: str,
) -> None:
    """Run the whole contract against each deliberately drifted app of a catalogue.

    Ends with `caught N of M drifts`; exit status 1 when a drift went uncaught, 2 when
    the unchanged app (the control, run alongside) does not pass.
    """
    import_path = _app_import_path(ctx)
    project = _project(blueprint, dredd_config, factories)
    try:
        documented = documented_transactions(project.blueprint, project.node_modules)
        drifts = load_catalogue(catalogue, project.root)
    except (BlueprintError, ImportError, TypeError) as exc:
        _fail(str(exc))
    control = Drift("control", gunicorn_spec(import_path), "the unchanged app")
    width = max(len(d.name) for d in [control, *drifts])

    def show(verdict: Verdict) -> None:
        text = verdict.describe()
        if verdict.drift is control:
            text = "passes" if not verdict.caught_by and verdict.exit_code == 0 else text
        click.echo(f"[drift] {verdict.drift.name:<{width}}  {text} ({verdict.seconds:.0f} s)")

    started = time.monotonic()
    control_verdict, verdicts = run_catalogue(
        drifts,
        control,
        documented,
        flask_app=import_path,
        root=project.root,
        reports=project.root / reports_dir,
        jobs=jobs,
        on_verdict=show,
    )
    if control_verdict.caught_by or control_verdict.exit_code != 0:
        _fail("the unchanged app does not pass the contract; fix that before judging drifts")
    click.echo(summary_line(verdicts, time.monotonic() - started))
    sys.exit(0 if all(v.caught_by for v in verdicts) else 1)


@dredd.command("record")
@click.argument("names", nargs=-1)
@click.option("--all", "every", is_flag=True, help="record every transaction")
@click.option(
    "--only-failing",
    is_flag=True,
    help="run the chosen transactions (all without NAMES) and write only those that fail",
)
@click.option("--force", is_flag=True, help="write even if the blueprint has uncommitted changes")
@click.option(
    "--database-url",
    envvar="DATABASE_URL",
    help="database for the run [env DATABASE_URL; default: SQLite under var/]",
)
@click.option(
    "--reports-dir",
    default="reports/record",
    show_default=True,
    type=click.Path(path_type=Path),
    help="the run's reports and the captured responses",
)
@with_project_options
@click.pass_context
def record_command(
    ctx: click.Context,
    names: tuple[str, ...],
    every: bool,
    only_failing: bool,
    force: bool,
    database_url: str | None,
    reports_dir: Path,
    blueprint: Path | None,
    dredd_config: Path,
    factories: str,
) -> None:
    """Run transactions NAME… and write their real answers into their examples.

    Status, the values of the headers each example documents, and the body (volatile
    values as their placeholder); MSON Attributes and other examples are left alone.
    Review the result with `git diff`. Refuses a blueprint with uncommitted changes.
    """
    import_path = _app_import_path(ctx)
    project = _project(blueprint, dredd_config, factories)
    try:
        documented = documented_transactions(project.blueprint, project.node_modules)
        chosen = choose(documented, names, every or (only_failing and not names))
        ensure_committed(project.blueprint, force)
        volatile = volatile_table(project)
    except (BlueprintError, RecordError) as exc:
        _fail(str(exc))
    except HookFileError as exc:
        _fail(f"{exc}\n(the hooks handler would refuse to start the same way)")
    root = project.root
    config = RunConfig(
        root=root,
        flask_app=import_path,
        app_spec=gunicorn_spec(import_path),
        database_url=database_url
        or default_sqlite_url(root, f"{import_path.split(':')[0].split('.')[0]}_contract"),
        dredd_config=dredd_config,
        reports_dir=reports_dir,
        workers=1,
    )
    try:
        recording = record(
            config, project.blueprint, documented, chosen, volatile, only_failing=only_failing
        )
    except RecordError as exc:
        _fail(str(exc))
    not_run = [o for o in recording.outcomes if any(n.startswith("not run") for n in o.notes)]
    for outcome in recording.outcomes:
        # Named transactions are all listed; of --all, those written or not run.
        if outcome.written or outcome in not_run or names:
            mark = "✎" if outcome.written else "✗" if outcome in not_run else "·"
            notes = "; ".join(outcome.notes)
            click.echo(f"{mark} {outcome.name}" + (f": {notes}" if notes else ""))
    where = project.blueprint.relative_to(root) if project.blueprint.is_relative_to(root) else (
        project.blueprint)  # fmt: skip
    unchanged = len(chosen) - len(recording.changed) - len(not_run)
    click.echo(
        f"record: wrote {len(recording.changed)} of {len(chosen)} examples into {where} "
        f"({unchanged} unchanged"
        + (f", {len(not_run)} not run" if not_run else "")
        + ")"
        + (f"; review them with `git diff {where}`" if recording.changed else "")
    )
    sys.exit(1 if not_run else 0)


@dredd.command("merge")
@click.argument("folders", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--reports-dir",
    default="reports",
    show_default=True,
    type=click.Path(path_type=Path),
    help="where the merged dredd.xml, run.json, transactions.jsonl and index.html go",
)
def merge_command(folders: tuple[Path, ...], reports_dir: Path) -> None:
    """Merge the reports folders of every shard of a run (`run --shard K/N`) into one.

    Refuses shards of different .apib files, a shard missing or twice, a transaction in
    two shards or none (exit 2). Exit code: 3 if a shard aborted, 1 if one failed, else 0.
    """
    try:
        merged = merge(list(folders), reports_dir)
    except MergeError as exc:
        _fail(str(exc))
    for line in summary_lines(merged):
        click.echo(f"[flask-dredd] shards    {line}")
    click.echo(f"[flask-dredd] result    {result_line(merged.report)}")
    click.echo(f"[flask-dredd] report    {reports_dir / 'index.html'}")
    sys.exit(merged.exit_code)
