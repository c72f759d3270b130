"""`flask dredd drift` and `flask dredd record`: contract runs that judge or rewrite the contract.

`drift` runs the whole contract against each deliberately drifted app of a catalogue
(`flask_dredd.authoring.drift`); `record` runs chosen transactions and writes their
real answers into their examples (`flask_dredd.authoring.record`).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click
from dredd_hooks_handler.handler import HookFileError

from flask_dredd.authoring.drift import Drift, Verdict, load_catalogue, run_catalogue, summary_line
from flask_dredd.authoring.record import choose, ensure_committed, record, volatile_table
from flask_dredd.cli.common import (
    app_import_path,
    fail,
    project_of,
    reports_dir_option,
    run_config,
    setting_option,
    settings_of,
    with_project_options,
)
from flask_dredd.contract.compiler import documented_transactions
from flask_dredd.errors import EXIT_INTERRUPTED
from flask_dredd.run.lifetime import Interrupted, interruptible
from flask_dredd.run.server import gunicorn_spec


@click.command("drift")
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
@reports_dir_option("reports/drift", "one reports folder per drift goes here")
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
    the unchanged app (the control, run alongside) does not pass, 130 when interrupted
    (Ctrl-C, SIGTERM: every run is stopped first).
    """
    try:
        with interruptible():  # Ctrl-C is ours to handle, never Click's `Aborted!` (exit 1)
            _drift(ctx, catalogue, jobs, reports_dir, blueprint, dredd_config, factories)
    except Interrupted as exc:
        click.echo(f"[drift] interrupted by {exc}: every run stopped, the work folder removed")
        sys.exit(EXIT_INTERRUPTED)


def _drift(ctx: click.Context, catalogue: str, jobs: int, reports_dir: Path,
           blueprint: Path | None, dredd_config: Path, factories: str) -> None:  # fmt: skip
    settings = settings_of(blueprint=blueprint, dredd_config=dredd_config, factories=factories)
    import_path = app_import_path(ctx, settings)
    project = project_of(settings)
    documented = documented_transactions(project.blueprint, project.node_modules)
    drifts = load_catalogue(catalogue, project.root)
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
        on_note=lambda note: click.echo(f"[drift] {note}"),
    )
    if control_verdict.caught_by or control_verdict.exit_code != 0:
        fail("the unchanged app does not pass the contract; fix that before judging drifts")
    click.echo(summary_line(verdicts, time.monotonic() - started))
    sys.exit(0 if all(v.caught_by for v in verdicts) else 1)


@click.command("record")
@click.argument("names", nargs=-1)
@click.option("--all", "every", is_flag=True, help="record every transaction")
@click.option(
    "--only-failing",
    is_flag=True,
    help="run the chosen transactions (all without NAMES) and write only those that fail",
)
@click.option("--force", is_flag=True, help="write even if the blueprint has uncommitted changes")
@setting_option("database-url")
@reports_dir_option("reports/record", "the run's reports and the captured responses")
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
    settings = settings_of(
        blueprint=blueprint, dredd_config=dredd_config, factories=factories,
        database_url=database_url,
    )  # fmt: skip
    import_path = app_import_path(ctx, settings)
    project = project_of(settings)
    documented = documented_transactions(project.blueprint, project.node_modules)
    chosen = choose(documented, names, every or (only_failing and not names))
    ensure_committed(project.blueprint, force)
    try:
        volatile = volatile_table(project)
    except HookFileError as exc:
        fail(f"{exc}\n(the hooks handler would refuse to start the same way)")
    root = project.root
    config = run_config(settings, import_path, root, reports_dir=reports_dir, workers=1)
    recording = record(
        config, project.blueprint, documented, chosen, volatile, only_failing=only_failing
    )
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


