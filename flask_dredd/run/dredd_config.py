"""dredd.yml, read once and written once: the single reader of Dredd's configuration.

`load_dredd_config` reads the project's dredd.yml (or the `[tool.flask-dredd]`
settings standing in for a missing one) and checks each known option has the YAML type
Dredd 14.1.0 expects, so that a mistake is named before anything runs; the contract
phase (`run.preflight`) and the authoring commands (`authoring.project`) both read it
here. `write_dredd_config` writes the run's effective copy, `reports/dredd.run.yml`:
the run's endpoint, blueprint, hooks handler and reports filled in, the engine's own
hook files added.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from dredd_hooks_handler.settings import limit_under

from flask_dredd.checks.engine import engine_hookfiles
from flask_dredd.errors import PreflightError, RunError
from flask_dredd.run.watchdog import startup_limit
from flask_dredd.sources import read_source

if TYPE_CHECKING:
    from flask_dredd.run.config import RunConfig
    from flask_dredd.run.preflight import Contract

#: Dredd 14.1.0's options (node_modules/dredd/options.json) and the YAML types each takes.
#: `None` (YAML `null`, what `dredd init` writes) is accepted for every one.
STRINGS = ("blueprint", "endpoint", "language", "server", "user", "loglevel",
           "hooks-worker-handler-host", "config")  # fmt: skip
NUMBERS = ("server-wait", "hooks-worker-timeout", "hooks-worker-connect-timeout",
           "hooks-worker-connect-retry", "hooks-worker-after-connect-wait",
           "hooks-worker-term-timeout", "hooks-worker-term-retry",
           "hooks-worker-handler-port")  # fmt: skip
BOOLEANS = ("dry-run", "init", "names", "sorted", "inline-errors", "details", "color")
STRING_LISTS = ("hookfiles", "require", "only", "reporter", "output", "header", "method", "path")
MAPPINGS = ("custom",)
DREDD_HOOKS_WORKER_TIMEOUT_MS = 5000  # Dredd 14.1.0's default (options.json)

#: (fallback for a missing dredd.yml, overrides of its values): see `load_dredd_config`.
DreddDefaults = tuple[dict[str, Any] | None, dict[str, Any] | None]


def load_dredd_config(
    root: Path,
    dredd_config: Path,
    fallback: dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """dredd.yml as a mapping, each known option of the type Dredd expects.

    `fallback` (from pyproject.toml's settings) stands in for a missing dredd.yml;
    `overrides` (settings given explicitly) replace dredd.yml's own values.
    """
    path = dredd_config if dredd_config.is_absolute() else root / dredd_config
    if fallback is not None and not path.exists():
        return {**fallback, **(overrides or {})}
    return {**_read_dredd_config(root, dredd_config, path), **(overrides or {})}


def _read_dredd_config(root: Path, dredd_config: Path, path: Path) -> dict[str, Any]:
    try:
        text = read_source(path, "Dredd configuration")
    except FileNotFoundError:
        raise PreflightError(
            f"{dredd_config} not found in {root}: run from the project's root, or name "
            "Dredd's configuration with --dredd-config / FLASK_DREDD_DREDD_CONFIG, or put "
            "the settings under [tool.flask-dredd] in pyproject.toml (`flask dredd init`)"
        ) from None
    except OSError as exc:
        raise PreflightError(f"cannot read {path}: {exc}") from None
    try:
        settings = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PreflightError(
            f"{path} is not valid YAML{_where(exc)}: {_problem(exc)}. Fix that line "
            "(`git diff` shows what changed), or restore the file from git."
        ) from None
    if settings is None:
        settings = {}
    if not isinstance(settings, dict):
        raise PreflightError(
            f"{path} must be a mapping of Dredd options (`blueprint: apiary.apib`, "
            f"`hookfiles: hooks/*.py`, …), but it is a YAML {_yaml_type(settings)}"
        )
    problems = [p for key, value in settings.items() if (p := _type_problem(str(key), value))]
    if problems:
        raise PreflightError(
            f"{path} has options of the wrong type:\n  "
            + "\n  ".join(problems)
            + "\nFix them (see `dredd --help` for each option)."
        )
    return settings


def write_dredd_config(
    config: RunConfig, contract: Contract, endpoint: str, hooks_port: int
) -> Path:
    """dredd.yml with this run's endpoint, blueprint, handler port and reports filled in.

    Dredd ignores positional blueprint and endpoint arguments whenever a config file
    exists (and it always reads ./dredd.yml), so the run's values go into a copy.
    """
    settings = dict(contract.settings)  # validated by preflight
    reports = config.path(config.reports_dir)
    settings["blueprint"] = str(contract.blueprint_for_run(reports))  # maybe reordered
    settings["endpoint"] = endpoint
    settings.setdefault("path", [])  # without it Dredd 14.1.0 stops: "invalid pattern"
    # Our handler, through the recorder that notes each transaction's name and reset time,
    # given the run's limits: the hook limit just under the hooks-worker-timeout written
    # here (Dredd's default when unset) unless --hook-timeout says, and the stall limit.
    dredd_ms = settings.get("hooks-worker-timeout") or DREDD_HOOKS_WORKER_TIMEOUT_MS
    hook_limit = config.hook_timeout if config.hook_timeout is not None else limit_under(dredd_ms)
    settings["language"] = (
        f"{sys.executable} -m flask_dredd.recorder --port {hooks_port} "
        f"--hook-timeout {hook_limit:g} --stall-timeout {config.stall_timeout:g}"
    )
    settings["hooks-worker-handler-port"] = hooks_port
    # Dredd gives the handler this long to start listening (it imports the hook files and
    # the app); the watchdog's start-up limit, scaled by the contract, judges the start
    # instead and says what it was doing, so Dredd's own limit is never the shorter.
    startup_ms = startup_limit(len(contract.names), config.stall_timeout) * 1000
    connect = settings.get("hooks-worker-connect-timeout") or 0
    settings["hooks-worker-connect-timeout"] = int(max(connect, startup_ms))
    try:  # the engine's own hook file: its checks (exact examples, state, follow-ups, …)
        extra = engine_hookfiles({**os.environ, **config.env})
    except ValueError as exc:
        raise RunError(str(exc)) from None
    settings["hookfiles"] = [*as_list(settings.get("hookfiles")), *extra]
    # The xunit report is what CI reads; keep whatever else dredd.yml asks for.
    reporters = [r for r in as_list(settings.get("reporter")) if r != "xunit"]
    # Into this run's folder, whatever dredd.yml says: runs side by side (each with its
    # own --reports-dir) must not write each other's reports.
    outputs = [str(reports / Path(out).name) for out in as_list(settings.get("output"))]
    outputs = outputs[: len(reporters)]
    settings["reporter"] = [*reporters, "xunit"]
    settings["output"] = [*outputs, str(reports / "dredd.xml")]
    effective = reports / "dredd.run.yml"
    effective.write_text(yaml.safe_dump(settings, sort_keys=False))
    return effective


def as_list(value: object) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _type_problem(key: str, value: object) -> str | None:
    if value is None:
        return None
    wanted, ok = None, True
    if key in STRINGS:
        wanted, ok = "a string", isinstance(value, str)
    elif key in NUMBERS:
        wanted = "a number"
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif key in BOOLEANS:
        wanted, ok = "true or false", isinstance(value, bool)
    elif key in STRING_LISTS:
        wanted = "a string or a list of strings"
        ok = isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        )
    elif key in MAPPINGS:
        wanted, ok = "a mapping", isinstance(value, dict) or value == []  # Dredd's default
    if ok:
        return None
    return f"{key}: {value!r} is a YAML {_yaml_type(value)}; Dredd expects {wanted}"


def _yaml_type(value: object) -> str:
    names = {dict: "mapping", list: "list", str: "string", bool: "boolean",
             int: "number", float: "number"}  # fmt: skip
    return names.get(type(value), type(value).__name__)


def _where(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    return f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""


def _problem(exc: yaml.YAMLError) -> str:
    return str(getattr(exc, "problem", None) or exc).strip()
