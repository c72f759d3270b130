"""`flask dredd run` and `flask dredd merge`: one contract run, and the shards' reports merged.

`run` turns its options and settings into a `RunConfig` and hands it to the runner
(`flask_dredd.run.runner`), or to `--parallel`'s shards (`flask_dredd.run.parallel`);
its exit code is the run's.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import click

from flask_dredd.cli.common import (
    app_and_source,
    blueprint_option,
    blueprint_setting,
    dredd_config_option,
    fail,
    reports_dir_option,
    run_config,
    setting_option,
    settings_of,
)
from flask_dredd.contract.shards import SHARD_ENV
from flask_dredd.reporting.console import result_line
from flask_dredd.reporting.shards import merge, summary_lines
from flask_dredd.run.parallel import run_parallel
from flask_dredd.run.runner import run


@click.command("run", context_settings={"ignore_unknown_options": True})
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
@setting_option("reports-dir", type=click.Path(path_type=Path))
@setting_option("stall-timeout")
@setting_option("hook-timeout")
@setting_option("server-timeout")
@setting_option("dredd-timeout")
@setting_option("env", multiple=True, metavar="KEY=VALUE")
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
# --parallel's shards and drift's drifts: their parent (or control) probes the wiring.
@click.option("--no-wiring-probe", "no_wiring_probe", is_flag=True, hidden=True)
@click.option(
    "--verbose",
    is_flag=True,
    help="Dredd's output as it is, with what a run hides: Node's padLevels warning, the "
    "handler connect retries, parser warnings about the run's copy of the blueprint",
)
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
    no_migrate: bool,
    shard: str | None,
    timings: Path | None,
    shard_plan: Path | None,
    no_wiring_probe: bool,
    verbose: bool,
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
      3    aborted: a hook still running after --stall-timeout, a hooks handler that
           died, no progress for --stall-timeout, or --dredd-timeout; the closing line
           names the cause and counts the transactions not run
      130  interrupted (Ctrl-C, SIGTERM)
    """
    given["env"] = env_pairs(given.get("env"))
    settings = settings_of(**given)
    import_path, app_source = app_and_source(ctx, settings)
    config = run_config(
        settings,
        import_path,
        Path.cwd(),
        blueprint=blueprint_setting(settings),
        endpoint=endpoint,
        order=seeded(settings["order"]),
        reports_dir=Path(settings["reports-dir"]),
        workers=settings["workers"],
        dredd_args=dredd_args,
        dredd_timeout=settings["dredd-timeout"],
        migrate=not no_migrate,
        server_timeout=settings["server-timeout"],
        stall_timeout=settings["stall-timeout"],
        hook_timeout=settings["hook-timeout"],
        excluded_routes=settings["excluded-routes"],
        shard=shard,
        timings=timings,
        shard_plan=shard_plan,
        probe_wiring=not no_wiring_probe,
        app_source=app_source,
        verbose=verbose,
    )
    result = run(config) if parallel == 1 else run_parallel(config, parallel)
    sys.exit(result.exit_code)




def seeded(order: str | None) -> str | None:
    """`shuffle` with a seed drawn now, so the run (and each of its shards) says which
    order it ran in and `--order shuffle:SEED` replays it; any other order as it is."""
    if order != "shuffle":
        return order
    return f"shuffle:{random.SystemRandom().randrange(1, 1_000_000)}"


def env_pairs(pairs: object) -> dict[str, str] | None:
    """`--env KEY=VALUE`, repeated, as a table (None when not given)."""
    if not pairs:
        return None
    table = {}
    for pair in pairs:  # type: ignore[attr-defined]
        name, sep, value = str(pair).partition("=")
        if not sep or not name.strip():
            fail(f"--env {pair!r}: write KEY=VALUE, e.g. --env FLASK_DEBUG=1")
        table[name.strip()] = value
    return table


@click.command("merge")
@click.argument("folders", nargs=-1, type=click.Path(path_type=Path))
@reports_dir_option(
    "reports", "where the merged dredd.xml, run.json, transactions.jsonl and index.html go"
)
def merge_command(folders: tuple[Path, ...], reports_dir: Path) -> None:
    """Merge the reports folders of every shard of a run (`run --shard K/N`) into one.

    Refuses shards of different .apib files, a shard missing or twice, a transaction in
    two shards or none (exit 2). Exit code: 3 if a shard aborted, 1 if one failed, else 0.
    """
    merged = merge(list(folders), reports_dir)
    for line in summary_lines(merged):
        click.echo(f"[flask-dredd] shards    {line}")
    click.echo(f"[flask-dredd] result    {result_line(merged.report)}")
    click.echo(f"[flask-dredd] report    {reports_dir / 'index.html'}")
    sys.exit(merged.exit_code)


