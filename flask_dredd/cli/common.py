"""What the commands share: settings, the app, the project's files, and how they fail.

Every command reads its settings the same way (command line > environment >
`[tool.flask-dredd]` > default, `flask_dredd.settings`) and finds the app the way
`flask --app` does. The authoring commands read dredd.yml's blueprint and hook files,
exactly what a run uses, and load the hook files (and, for `check`, the app) in this
process.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click
from dredd_hooks_handler.handler import HookFileError
from flask import Flask
from flask.cli import ScriptInfo

from flask_dredd.authoring.inventory import Inventory, take_inventory
from flask_dredd.authoring.project import Project
from flask_dredd.contract.compiler import documented_transactions
from flask_dredd.errors import ContractError
from flask_dredd.run.config import RunConfig
from flask_dredd.run.database import default_sqlite_url
from flask_dredd.run.server import gunicorn_spec
from flask_dredd.settings import BY_KEY, Settings, dredd_defaults, resolve


def fail(message: str, code: int = 2) -> NoReturn:
    """The one way a command ends on an error: the message on stderr, then the code."""
    click.echo(f"[flask-dredd] error: {message}", err=True)
    sys.exit(code)


def app_import_path(ctx: click.Context, settings: Settings) -> str:
    """`flask --app` (or FLASK_APP), else the `app` setting; a usage error without one, or
    when FLASK_APP (the shell's or a `.flaskenv`'s) names another app than the setting."""
    return app_and_source(ctx, settings)[0]


def app_and_source(ctx: click.Context, settings: Settings) -> tuple[str, str]:
    """The app (see `app_import_path`) and where it came from, for the server line."""
    info = ctx.ensure_object(ScriptInfo)
    root = ctx.find_root()
    from_environment = root.get_parameter_source("app") == click.core.ParameterSource.ENVIRONMENT
    given, setting = info.app_import_path, settings["app"]
    if given and setting and from_environment and given != setting:
        fail(
            f"FLASK_APP={given!r} (from the environment or .flaskenv) names another app than "
            f"the app setting {setting!r} ({settings.sources['app']}): unset FLASK_APP, make "
            "them agree, or pass `flask --app …` to choose for this command"
        )
    found = given or setting
    if not found:
        fail(
            "no app found: run `flask --app <module> dredd …`, set FLASK_APP, or write "
            "`app = \"mypkg:create_app()\"` under [tool.flask-dredd] in pyproject.toml "
            "(`flask dredd init` writes it)"
        )
    if given:
        source = "FLASK_APP" if from_environment else "--app"
    else:
        source = f"app setting, {settings.sources['app']}"
    return str(found), source


def load_app(import_path: str, settings: Settings | None = None) -> Flask:
    """The app, loaded here to read its routes and models: it gets the run's database
    URL if none is set (an app that reads DATABASE_URL at start needs one; nothing
    connects to it)."""
    if settings is not None:
        url = run_database_url(settings, Path.cwd(), import_path)
        os.environ.setdefault(settings["database-url-env"], url)
    try:
        return ScriptInfo(app_import_path=import_path, set_debug_flag=False).load_app()
    except Exception as exc:  # whatever the app's factory raises, say so and stop
        fail(f"no app found: cannot load {import_path!r}: {type(exc).__name__}: {exc}")


def settings_of(**given: object) -> Settings:
    """The effective settings (command line > environment > pyproject.toml > default);
    pyproject's values are exported for the processes a run starts."""
    settings = resolve(Path.cwd(), given)
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


def run_database_url(settings: Settings, root: Path, import_path: str) -> str:
    return settings["database-url"] or default_sqlite_url(
        root, f"{import_path.split(':')[0].split('.')[0]}_contract"
    )


def run_config(settings: Settings, import_path: str, root: Path, **given: Any) -> RunConfig:
    """The run's `RunConfig`: what every run takes from the settings, plus ``given``."""
    url = run_database_url(settings, root, import_path)
    return RunConfig(
        root=root,
        flask_app=import_path,
        app_spec=settings["app-spec"] or gunicorn_spec(import_path),
        database_url=url,
        dredd_config=Path(settings["dredd-config"]),
        env={**settings["env"], **url_env(settings, url)},
        dredd=Path(settings["dredd"]),
        dredd_defaults=dredd_defaults(settings),
        **given,
    )


def url_env(settings: Settings, url: str) -> dict[str, str]:
    """The app's own database variable, when the project named one other than DATABASE_URL."""
    name = settings["database-url-env"]
    return {} if name == "DATABASE_URL" else {name: url}


def reports_dir_option(default: str, help: str) -> Decorator:
    """`--reports-dir` of the commands that write reports somewhere of their own."""
    return click.option(
        "--reports-dir",
        default=default,
        show_default=True,
        type=click.Path(path_type=Path),
        help=help,
    )


# Shared by `run` and the authoring commands, so both read the same files.
blueprint_option = setting_option("blueprint", type=click.Path(path_type=Path))
dredd_config_option = setting_option("dredd-config", type=click.Path(path_type=Path))


project_options = [blueprint_option, dredd_config_option, setting_option("factories")]


def blueprint_setting(settings: Settings) -> Path | None:
    """The blueprint given as a setting (it overrides dredd.yml's), else None."""
    return Path(settings["blueprint"]) if settings.explicit("blueprint") else None


def with_project_options(command: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(project_options):
        command = option(command)
    return command


def inventory_of(project: Project) -> Inventory:
    """The blueprint's transactions with the hook files' say on each; exits on bad input."""
    try:
        documented = documented_transactions(project.blueprint, project.node_modules)
    except ContractError as exc:
        fail(str(exc), 1)
    try:
        registry = project.load_hooks()
    except HookFileError as exc:
        fail(f"{exc}\n(the hooks handler would refuse to start the same way)", 1)
    return take_inventory(documented, registry)


def project_of(settings: Settings) -> Project:
    """The project's files; hook files and factories import the app, which may read its
    database URL at import: it gets the run's (nothing connects to it here)."""
    info = click.get_current_context().find_object(ScriptInfo)
    app = (info.app_import_path if info else None) or settings["app"] or "app"
    url = run_database_url(settings, Path.cwd(), app)
    os.environ.setdefault(settings["database-url-env"], url)
    return Project.load(
        Path.cwd(),
        Path(settings["dredd-config"]),
        blueprint_setting(settings),
        settings["factories"],
        dredd_defaults(settings),
    )


