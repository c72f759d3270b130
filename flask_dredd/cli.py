"""`flask dredd …`: a thin Click layer over the runner, registered like `flask db`.

The group is a plain Click group, not Flask's AppGroup: the runner must not import
the application in this process, because the database URL it settles on has to be in
the environment before any application (server or hooks) reads its configuration.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import ScriptInfo

from flask_dredd.database import default_sqlite_url
from flask_dredd.runner import RunConfig, RunError, run


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
@click.option(
    "--blueprint",
    envvar="BLUEPRINT",
    type=click.Path(path_type=Path),
    help="blueprint to run instead of dredd.yml's [env BLUEPRINT]",
)
@click.option(
    "--app-spec",
    envvar="FLASK_DREDD_APP_SPEC",
    help="what gunicorn serves [default: <app>:create_app()]",
)
@click.option(
    "--endpoint",
    help="test this running server instead of starting gunicorn (e.g. http://api:8000)",
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
    "--dredd-timeout",
    default=1800.0,
    show_default=True,
    help="seconds before a hung Dredd is stopped",
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
    reports_dir: Path,
    dredd_timeout: float,
    dredd_args: tuple[str, ...],
) -> None:
    """Prepare the database, start gunicorn, run Dredd, stop everything.

    Extra arguments go to Dredd as they are, e.g. `flask dredd run -- --only "Users > …"`.
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
        reports_dir=reports_dir,
        workers=workers,
        dredd_args=dredd_args,
        dredd_timeout=dredd_timeout,
    )
    try:
        result = run(config)
    except RunError as exc:
        click.echo(f"[flask-dredd] error: {exc}", err=True)
        sys.exit(2)
    sys.exit(result.exit_code)
