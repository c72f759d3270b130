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
from dredd_hooks_handler.handler import HookFileError
from flask import Flask
from flask.cli import ScriptInfo

from flask_dredd.authoring.check import (
    Problem,
    excluded_lines,
    hook_problems,
    python_string,
    raw_skip_problems,
    route_problems,
    strictness,
)
from flask_dredd.authoring.derived_listing import derived_lines, derived_problems, vacuity_lines
from flask_dredd.authoring.drift import Drift, Verdict, load_catalogue, run_catalogue, summary_line
from flask_dredd.authoring.inventory import Inventory, describe_inventory, take_inventory
from flask_dredd.authoring.project import Project, ProjectError
from flask_dredd.authoring.record import (
    RecordError,
    choose,
    ensure_committed,
    record,
    volatile_table,
)
from flask_dredd.authoring.scaffold import ScaffoldError, scaffold
from flask_dredd.contract.compiler import documented_transactions
from flask_dredd.contract.routes import app_routes
from flask_dredd.contract.shards import SHARD_ENV
from flask_dredd.errors import ContractError
from flask_dredd.reporting.shards import MergeError, merge, summary_lines
from flask_dredd.run.database import default_sqlite_url
from flask_dredd.run.outcome import result_line
from flask_dredd.run.parallel import run_parallel
from flask_dredd.run.runner import RunConfig, RunError, run
from flask_dredd.run.server import gunicorn_spec
from flask_dredd.settings import BY_KEY, Settings, SettingsError, dredd_defaults, resolve


def _app_import_path(ctx: click.Context, settings: Settings) -> str:
    """`flask --app` (or FLASK_APP), else the `app` setting; a usage error without one."""
    info = ctx.ensure_object(ScriptInfo)
    found = info.app_import_path or settings["app"]
    if not found:
        _fail(
            "no app found: run `flask --app <module> dredd …`, set FLASK_APP, or write "
            "`app = \"mypkg:create_app()\"` under [tool.flask-dredd] in pyproject.toml "
            "(`flask dredd init` writes it)"
        )
    return str(found)


def _load_app(import_path: str, settings: Settings | None = None) -> Flask:
    """The app, loaded here to read its routes and models: it gets the run's database
    URL if none is set (an app that reads DATABASE_URL at start needs one; nothing
    connects to it)."""
    if settings is not None:
        url = _run_database_url(settings, Path.cwd(), import_path)
        os.environ.setdefault(settings["database-url-env"], url)
    try:
        return ScriptInfo(app_import_path=import_path, set_debug_flag=False).load_app()
    except Exception as exc:  # whatever the app's factory raises, say so and stop
        _fail(f"no app found: cannot load {import_path!r}: {type(exc).__name__}: {exc}")


def _settings(**given: object) -> Settings:
    """The effective settings (command line > environment > pyproject.toml > default);
    pyproject's values are exported for the processes a run starts."""
    try:
        settings = resolve(Path.cwd(), given)
    except SettingsError as exc:
        _fail(str(exc))
    settings.export(os.environ)
    return settings


Decorator = Callable[[Callable[..., None]], Callable[..., None]]


def setting_option(key: str, **extra: object) -> Decorator:
    """The command-line option of a setting of `flask_dredd.settings.SETTINGS`."""
    setting = BY_KEY[key]
    types = {"int": click.IntRange(1), "float": click.FloatRange(min=0, min_open=True)}
    default = "" if setting.default in (None, "", [], {}) else f"; default {setting.default}"
    return click.option(
        str(setting.option),
        setting.attribute,
        default=None,
        type=extra.pop("type", types.get(setting.kind, click.STRING)),
        help=f"{setting.help} [env {setting.variable}; pyproject {setting.key}{default}]",
        **extra,  # type: ignore[arg-type]
    )


def _run_database_url(settings: Settings, root: Path, import_path: str) -> str:
    return settings["database-url"] or default_sqlite_url(
        root, f"{import_path.split(':')[0].split('.')[0]}_contract"
    )


def _url_env(settings: Settings, url: str) -> dict[str, str]:
    """The app's own database variable, when the project named one other than DATABASE_URL."""
    name = settings["database-url-env"]
    return {} if name == "DATABASE_URL" else {name: url}


# Shared by `run` and the authoring commands, so both read the same files.
blueprint_option = setting_option("blueprint", type=click.Path(path_type=Path))
dredd_config_option = setting_option("dredd-config", type=click.Path(path_type=Path))


@click.group("dredd")
def dredd() -> None:
    """Contract testing: replay the API Blueprint against the app with Dredd."""


@dredd.command("run", context_settings={"ignore_unknown_options": True})
@setting_option("workers")
@setting_option("database-url")
@blueprint_option
@setting_option("app-spec")
@click.option(
    "--endpoint",
    help="test this running server instead of starting gunicorn (e.g. http://api:8000)",
)
@dredd_config_option
@setting_option("order")
@setting_option("dredd", type=click.Path(path_type=Path))
@click.option(
    "--hooks-handler",
    type=click.Choice(["flask-dredd", "dredd-hooks-python"]),
    default="flask-dredd",
    show_default=True,
    help="hooks handler; the stock dredd-hooks-python is there to compare speed",
)
@setting_option("reports-dir", type=click.Path(path_type=Path))
@setting_option("stall-timeout")
@setting_option("hook-timeout")
@setting_option("server-timeout")
@setting_option("dredd-timeout")
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
    endpoint: str | None,
    hooks_handler: str,
    no_migrate: bool,
    shard: str | None,
    timings: Path | None,
    shard_plan: Path | None,
    parallel: int,
    dredd_args: tuple[str, ...],
    **given: object,
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
    settings = _settings(**given)
    import_path = _app_import_path(ctx, settings)
    root = Path.cwd()
    url = _run_database_url(settings, root, import_path)
    config = RunConfig(
        root=root,
        flask_app=import_path,
        app_spec=settings["app-spec"] or gunicorn_spec(import_path),
        database_url=url,
        blueprint=_blueprint(settings),
        endpoint=endpoint,
        dredd_config=Path(settings["dredd-config"]),
        order=settings["order"],
        hooks_handler=hooks_handler,
        reports_dir=Path(settings["reports-dir"]),
        workers=settings["workers"],
        dredd_args=dredd_args,
        dredd_timeout=settings["dredd-timeout"],
        migrate=not no_migrate,
        server_timeout=settings["server-timeout"],
        stall_timeout=settings["stall-timeout"],
        hook_timeout=settings["hook-timeout"],
        env=_url_env(settings, url),
        dredd=Path(settings["dredd"]),
        dredd_defaults=dredd_defaults(settings),
        excluded_routes=settings["excluded-routes"],
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

project_options = [blueprint_option, dredd_config_option, setting_option("factories")]


def _blueprint(settings: Settings) -> Path | None:
    """The blueprint given as a setting (it overrides dredd.yml's), else None."""
    return Path(settings["blueprint"]) if settings.explicit("blueprint") else None


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
    except ContractError as exc:
        _fail(str(exc), 1)
    try:
        registry = project.load_hooks()
    except HookFileError as exc:
        _fail(f"{exc}\n(the hooks handler would refuse to start the same way)", 1)
    return take_inventory(documented, registry)


def _project(settings: Settings) -> Project:
    """The project's files; hook files and factories import the app, which may read its
    database URL at import: it gets the run's (nothing connects to it here)."""
    info = click.get_current_context().find_object(ScriptInfo)
    app = (info.app_import_path if info else None) or settings["app"] or "app"
    url = _run_database_url(settings, Path.cwd(), app)
    os.environ.setdefault(settings["database-url-env"], url)
    try:
        return Project.load(
            Path.cwd(),
            Path(settings["dredd-config"]),
            _blueprint(settings),
            settings["factories"],
            dredd_defaults(settings),
        )
    except ProjectError as exc:
        _fail(str(exc))


@dredd.command("names")
@with_project_options
def names_command(blueprint: Path | None, dredd_config: Path, factories: str) -> None:
    """Every transaction of the blueprint and what gives it its data.

    States: fixtures (the hooks, file:line), no fixtures (declared as needing none),
    skipped (with the reason), MISSING (none of these: `flask dredd check` fails).
    """
    settings = _settings(blueprint=blueprint, dredd_config=dredd_config, factories=factories)
    project = _project(settings)
    inventory = _take_inventory(project)
    for line in describe_inventory(inventory, project.root):
        click.echo(line)
    for rule, reason in settings["excluded-routes"].items():
        click.echo(f"excluded: {rule}: {reason} (not in the contract)")
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
    settings = _settings(blueprint=blueprint, dredd_config=dredd_config, factories=factories)
    project = _project(settings)
    inventory = _take_inventory(project)
    app = _load_app(_app_import_path(ctx, settings), settings)
    routes = app_routes(app)
    hook_paths = project.hook_paths()
    excluded = settings["excluded-routes"]
    problems = (
        hook_problems(inventory, project.root)
        + raw_skip_problems(hook_paths, project.root)
        + route_problems(
            [entry.transaction for entry in inventory.entries],
            routes,
            app.url_map.converters,
            excluded,
        )
    )
    policy, derived = derived_problems(project.root, inventory)
    problems += policy
    vacuous = vacuity_lines(project.root / reports_dir)
    if strict:
        problems += [Problem("vacuous", line) for line in vacuous]
    for problem in problems:
        click.echo(f"✗ {problem}")
    for line in excluded_lines(routes, excluded):
        click.echo(line)
    for line in strictness(inventory, project.root):
        click.echo(line)
    if not strict:
        for line in vacuous:
            click.echo(f"vacuous: {line}")
    counted = f"{len(inventory.entries)} " + (f"documented + {derived} derived " if derived else "")
    summary = (
        f"{counted}transactions, {len(hook_paths)} hook files, {len(routes)} routes of {app.name}"
    )
    if excluded:
        summary += f" ({len(excluded_lines(routes, excluded))} left out of the contract)"
    if problems:
        click.echo(f"check: {len(problems)} problem(s) in {summary}")
        sys.exit(1)
    click.echo(f"check: OK, {summary}")


@dredd.command("scaffold")
@click.argument("name")
@with_project_options
def scaffold_command(name: str, blueprint: Path | None, dredd_config: Path, factories: str) -> None:
    """Write the fixture hook stub for transaction NAME into its resource's hook module."""
    settings = _settings(blueprint=blueprint, dredd_config=dredd_config, factories=factories)
    project = _project(settings)
    inventory = _take_inventory(project)
    try:
        done = scaffold(project, inventory, name, settings["scaffold-prefix"])
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
    settings = _settings(blueprint=blueprint, dredd_config=dredd_config, factories=factories)
    import_path = _app_import_path(ctx, settings)
    project = _project(settings)
    try:
        documented = documented_transactions(project.blueprint, project.node_modules)
        drifts = load_catalogue(catalogue, project.root)
    except (ContractError, ImportError, TypeError) as exc:
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
        excluded=settings["excluded-routes"],
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
@setting_option("database-url")
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
    settings = _settings(
        blueprint=blueprint, dredd_config=dredd_config, factories=factories,
        database_url=database_url,
    )  # fmt: skip
    import_path = _app_import_path(ctx, settings)
    project = _project(settings)
    try:
        documented = documented_transactions(project.blueprint, project.node_modules)
        chosen = choose(documented, names, every or (only_failing and not names))
        ensure_committed(project.blueprint, force)
        volatile = volatile_table(project)
    except (ContractError, RecordError) as exc:
        _fail(str(exc))
    except HookFileError as exc:
        _fail(f"{exc}\n(the hooks handler would refuse to start the same way)")
    root = project.root
    url = _run_database_url(settings, root, import_path)
    config = RunConfig(
        root=root,
        flask_app=import_path,
        app_spec=settings["app-spec"] or gunicorn_spec(import_path),
        database_url=url,
        dredd_config=Path(settings["dredd-config"]),
        reports_dir=reports_dir,
        workers=1,
        env=_url_env(settings, url),
        dredd=Path(settings["dredd"]),
        dredd_defaults=dredd_defaults(settings),
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


@dredd.command("init")
@click.option("--force", is_flag=True, help="replace files that exist already")
@click.pass_context
def init_command(ctx: click.Context, force: bool) -> None:
    """Write what this Flask project needs for contract tests, keeping what exists.

    The [tool.flask-dredd] settings in pyproject.toml, hooks/ (the setup line and the
    declarations), factories/ (a stub per model), apiary.apib (an action per route),
    package.json with Dredd pinned and its lock, a Makefile, .gitignore lines, a GitHub
    workflow and a docker-compose.yml. Existing files are kept unless --force.
    """
    from flask_dredd.authoring.init import init

    settings = _settings()
    import_path = _app_import_path(ctx, settings)
    app = _load_app(import_path, settings)
    root = Path.cwd()
    done = init(root, app, import_path, force=force, prefix=settings["scaffold-prefix"],
                url_env=settings["database-url-env"])  # fmt: skip
    for relative in done.written:
        click.echo(f"wrote {relative}")
    for relative in done.kept:
        click.echo(f"kept  {relative} (exists; --force replaces it)")
    click.echo("\nnext steps:")
    click.echo("  npm ci                  # Dredd 14.1.0, as package-lock.json pins it")
    click.echo("  flask dredd names       # every transaction: MISSING until it has its data")
    click.echo("  then fixtures for each (or a declaration in hooks/declarations.py):")
    for name in done.transactions:
        click.echo(f"  flask dredd scaffold {python_string(name)}")
    click.echo("  flask dredd run         # the first green run, once the examples are filled in")
