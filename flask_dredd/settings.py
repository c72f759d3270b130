"""Every setting of flask-dredd, defined once, and where each value comes from.

`SETTINGS` is the one table: each setting's name (its key under ``[tool.flask-dredd]`` in
pyproject.toml), its command-line option, its environment variable (one
``FLASK_DREDD_`` prefix; the database URL's variable is ``DATABASE_URL``, and its name is
itself the setting ``database-url-env``), its type, default and help. The CLI builds its
options from it, README.md's settings table is generated from it (`markdown_table`, a
test compares the two), and `resolve` settles each value with the precedence

    command line  >  environment  >  pyproject.toml  >  default

A key of ``[tool.flask-dredd]`` that is not in the table is an error listing the valid
keys (and the close one, for a misspelling): a setting silently ignored is worse than
none. Values from pyproject.toml are `export`ed into the environment (where nothing set
them), so the hooks handler, the server and the isolation read the same settings.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_dredd.errors import FlaskDreddError
from flask_dredd.sources import read_source

SECTION = "tool.flask-dredd"
PREFIX = "FLASK_DREDD_"


class SettingsError(FlaskDreddError, ValueError):
    """A setting is unknown, misspelt or of the wrong type; the message names the fix."""


@dataclass(frozen=True)
class Setting:
    key: str  # in [tool.flask-dredd], e.g. "workers"; the attribute is key with "_"
    kind: str  # str, int, float, list, table, choice
    default: Any
    help: str
    option: str | None = None  # the command-line option, if there is one
    env: str = ""  # "" means PREFIX + KEY
    choices: tuple[str, ...] = ()
    minimum: float | None = None

    @property
    def variable(self) -> str:
        return self.env or PREFIX + self.key.upper().replace("-", "_")

    @property
    def attribute(self) -> str:
        return self.key.replace("-", "_")


S = Setting
SETTINGS: tuple[Setting, ...] = (
    S("app", "str", None, "the app, as `flask --app` takes it: `module`, `module:app`, "
      "`module:create_app()`", option="flask --app"),
    S("app-spec", "str", None, "what gunicorn serves; default: `module:app` and "
      "`module:create_app()` as they are, a bare module through flask-dredd's loader "
      "(the same resolution as `flask --app`, once per worker)", option="--app-spec"),
    S("db", "str", None, "where the hooks find the database: `module:db` (Flask-SQLAlchemy's "
      "`db`, or an object with `engine`, `metadata`, `session`); default: the app's "
      "Flask-SQLAlchemy extension"),
    S("migrations", "str", None, "`flask-migrate` (`flask db upgrade`), a path to an "
      "`alembic.ini` (`alembic upgrade head`) or `none`; default: `./alembic.ini` if present, "
      "else Flask-Migrate if the app has it"),
    S("seed", "str", None, "`module:function` called with the session after each reset: the "
      "static rows every transaction starts with"),
    S("blueprint", "str", "apiary.apib", "the API Blueprint (overrides dredd.yml's)",
      option="--blueprint"),
    S("hookfiles", "list", ["hooks/*.py"], "the hook files, glob patterns (overrides "
      "dredd.yml's)"),
    S("dredd-config", "str", "dredd.yml", "Dredd's own configuration; optional when these "
      "settings name the blueprint and hook files", option="--dredd-config"),
    S("dredd", "str", "node_modules/.bin/dredd", "the Dredd 14.1.0 binary", option="--dredd"),
    S("factories", "str", "factories", "the importable package of factory-boy factories",
      option="--factories"),
    S("excluded-routes", "table", {}, "routes left out of the contract: "
      "`\"GET /docs\" = \"reason\"` (a rule as Flask writes it, with or without a method); "
      "the reason is required"),
    S("env", "env", {}, "the server's and the hooks' environment, `KEY = \"value\"` under "
      "[tool.flask-dredd.env] (`--env KEY=VALUE`, repeatable; env: a JSON object), over "
      "the shell's; `FLASK_DEBUG` is off unless set here", option="--env"),
    S("scaffold-prefix", "str", "", "URL prefix `scaffold` strips before naming the hook "
      "module and factories, e.g. `/api`"),
    S("database-url", "str", None, "the run's database; default: SQLite "
      "`var/<app>_contract.db`", option="--database-url", env="DATABASE_URL"),
    S("database-url-env", "str", "DATABASE_URL", "the environment variable the app reads its "
      "database URL from (the run sets it for the server and the hooks)"),
    S("allow-database", "str", None, "a database a run may reset although its name does "
      "not end in `_test` or `_contract`"),
    S("workers", "int", 2, "gunicorn worker processes", option="--workers", minimum=1),
    S("order", "str", None, "run the actions `reverse`d or `shuffle`d (`shuffle:SEED`) to "
      "prove isolation", option="--order"),
    S("reports-dir", "str", "reports", "where reports and logs go", option="--reports-dir",
      env="FLASK_DREDD_REPORTS"),
    S("reset", "choice", "tracked", "how the database is reset before each transaction",
      choices=("tracked", "truncate", "rebuild")),
    S("exact", "choice", "1", "exact comparison of examples and refusal of undocumented keys "
      "(closed responses): `1` on, `0` off; `strict`, the same as `1`, is kept for old "
      "configurations", choices=("1", "0", "strict")),
    S("secret-keys", "str", "password|secret|hash|token", "a regular expression (searched, "
      "case-insensitive) for the response keys that hold secrets: undocumented, they fail "
      "even where `extra_allowed` allows undocumented keys"),
    S("derived", "choice", "1", "derive the policy's negative transactions into the run "
      "(`0`: the documented transactions alone)", choices=("1", "0")),
    S("compile-cache", "choice", "1", "keep compiled contracts in "
      "node_modules/.cache/flask-dredd for the next run (`0`: compile every time)",
      choices=("1", "0")),
    S("hook-timeout", "float", None, "seconds a message may wait for its hooks before its "
      "transaction fails naming the hook (default: just under Dredd's hooks-worker-timeout)",
      option="--hook-timeout", minimum=0),
    S("stall-timeout", "float", 60.0, "seconds without transaction progress, or in one hook, "
      "before the run is aborted", option="--stall-timeout", minimum=0),
    S("server-timeout", "float", 30.0, "seconds gunicorn may take to answer",
      option="--server-timeout", minimum=0),
    S("dredd-timeout", "float", 1800.0, "seconds the whole Dredd phase may take",
      option="--dredd-timeout", minimum=0),
)
del S
BY_KEY = {setting.key: setting for setting in SETTINGS}
#: Settings the hooks handler, the server or the isolation read from the environment.
EXPORTED = ("app", "db", "migrations", "seed", "allow-database", "reset", "exact",
            "derived", "compile-cache", "hook-timeout")  # fmt: skip


@dataclass
class Settings:
    """The effective value of every setting, and where each came from."""

    values: dict[str, Any]
    sources: dict[str, str]  # key -> "command line" | "environment" | pyproject path | "default"
    pyproject: Path | None = None
    found_section: bool = False  # pyproject.toml has a [tool.flask-dredd] section
    extra: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def explicit(self, key: str) -> bool:
        return self.sources[key] != "default"

    def export(self, environ: dict[str, str] | os._Environ[str]) -> None:
        """Put pyproject's values of `EXPORTED` settings into `environ` where unset."""
        for key in EXPORTED:
            value, setting = self.values[key], BY_KEY[key]
            if value is not None and self.sources[key] not in ("environment", "default"):
                environ.setdefault(setting.variable, str(value))


def dredd_defaults(settings: Settings) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(stand-in for a missing dredd.yml, overrides of its values), from the settings.

    A project with a [tool.flask-dredd] section needs no dredd.yml: its blueprint and hook
    files come from the settings. Hook files set explicitly replace dredd.yml's.
    """
    fallback = None
    if settings.found_section:
        fallback = {
            "blueprint": settings["blueprint"],
            "hookfiles": list(settings["hookfiles"]),
            # A real app can take seconds to import in the handler under load.
            "hooks-worker-connect-timeout": 30000,
        }
    overrides = {"hookfiles": list(settings["hookfiles"])} if settings.explicit("hookfiles") else {}
    return fallback, overrides


def read_pyproject(root: Path) -> tuple[Path | None, dict[str, Any] | None]:
    """``[tool.flask-dredd]`` of ``root/pyproject.toml``: (path, table or None)."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return None, None
    try:
        data = tomllib.loads(read_source(path, "settings file"))
    except (tomllib.TOMLDecodeError, OSError) as exc:
        raise SettingsError(f"{path} cannot be read as TOML: {exc}") from None
    table = data.get("tool", {}).get("flask-dredd")
    if table is not None and not isinstance(table, dict):
        raise SettingsError(f"{path}: [{SECTION}] must be a table of settings")
    return path, table


#: Variables the server never inherits from the shell (or a `.flaskenv` the `flask`
#: command loaded): a contract is checked against the app as it is deployed, so a debug
#: server (which changes cookies, error pages and more) must be asked for in `env`.
NOT_INHERITED = ("FLASK_DEBUG",)

#: Sub-tables of [tool.flask-dredd] that another part of the engine reads, not settings:
#: ``[[tool.flask-dredd.policy]]``, the rules negatives are derived from
#: (`flask_dredd.contract.derived`).
SUB_TABLES = ("policy",)  # `env` is a table too, but a setting (`Setting.kind` "env")


def check_keys(table: Mapping[str, Any], where: str) -> None:
    unknown = [key for key in table if key not in BY_KEY and key not in SUB_TABLES]
    if not unknown:
        return
    lines = []
    for key in unknown:
        close = difflib.get_close_matches(key.replace("_", "-"), list(BY_KEY), n=1, cutoff=0.6)
        lines.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    raise SettingsError(
        f"{where}: unknown setting{'s' if len(unknown) > 1 else ''} in [{SECTION}]: "
        f"{', '.join(lines)}. Valid keys: {', '.join(BY_KEY)}; and [[{SECTION}.policy]] rules"
    )


def resolve(
    root: Path,
    given: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] = os.environ,
) -> Settings:
    """Every setting's value: `given` (the command line) > `environ` > pyproject > default."""
    pyproject, table = read_pyproject(root)
    table = table or {}
    where = str(pyproject) if pyproject else "pyproject.toml"
    check_keys(table, where)
    url_env = _value(BY_KEY["database-url-env"], given, environ, table, where)[0]
    values, sources = {}, {}
    for setting in SETTINGS:
        env_name = url_env if setting.key == "database-url" else setting.variable
        values[setting.key], sources[setting.key] = _value(
            setting, given, environ, table, where, env_name
        )
    values["env"], sources["env"] = _merged_env(given, environ, table, where)
    return Settings(values, sources, pyproject, bool(table) or _has_section(pyproject))


def _has_section(pyproject: Path | None) -> bool:
    return pyproject is not None and f"[{SECTION}" in read_source(pyproject, "settings file")


def _value(
    setting: Setting,
    given: Mapping[str, Any] | None,
    environ: Mapping[str, str],
    table: Mapping[str, Any],
    where: str,
    env_name: str | None = None,
) -> tuple[Any, str]:
    env_name = env_name or setting.variable
    if given is not None and given.get(setting.attribute) is not None:
        return given[setting.attribute], "command line"
    raw = environ.get(env_name, "").strip()
    if raw:
        return parse_text(setting, raw, f"environment {env_name}={raw!r}"), "environment"
    if setting.key in table:
        return check_value(setting, table[setting.key], f"{where}: {setting.key}"), where
    return setting.default, "default"


def _merged_env(
    given: Mapping[str, Any] | None,
    environ: Mapping[str, str],
    table: Mapping[str, Any],
    where: str,
) -> tuple[dict[str, str], str]:
    """`env` from every source, each over the one before: pyproject, the environment's
    JSON object, the command line's ``KEY=VALUE`` pairs. Its source names them all."""
    setting, merged, sources = BY_KEY["env"], {}, []
    layers = [
        (table.get("env"), where, f"{where}: [{SECTION}.env]"),
        (environ.get(setting.variable, "").strip() or None, "environment",
         f"environment {setting.variable}"),
        ((given or {}).get("env"), "command line", "--env"),
    ]  # fmt: skip
    for value, source, place in layers:
        if not value:
            continue
        if isinstance(value, str):
            value = parse_text(setting, value, place)
        merged.update(check_value(setting, value, place))
        sources.append(source)
    return merged, " + ".join(sources) or "default"


def parse_text(setting: Setting, raw: str, where: str) -> Any:
    """A value written as text (the environment) in the setting's type."""
    if setting.kind == "list":
        return [part.strip() for part in raw.replace(",", " ").split() if part.strip()]
    if setting.kind in ("table", "env"):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            what = "rule to reason" if setting.kind == "table" else "variable to value"
            raise SettingsError(f"{where}: write a JSON object of {what}") from None
        return check_value(setting, value, where)
    if setting.kind in ("int", "float"):
        try:
            number: float = int(raw) if setting.kind == "int" else float(raw)
        except ValueError:
            raise SettingsError(f"{where}: {setting.key} must be a number") from None
        return check_value(setting, number, where)
    return check_value(setting, raw, where)


def check_value(setting: Setting, value: Any, where: str) -> Any:
    """`value` of the setting's type, or SettingsError naming the place and the fix."""
    checks: dict[str, Callable[[Any], bool]] = {
        "str": lambda v: isinstance(v, str),
        "choice": lambda v: isinstance(v, str | int) and str(v) in setting.choices,
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "list": lambda v: isinstance(v, list) and all(isinstance(p, str) for p in v),
        "table": lambda v: isinstance(v, dict),
        "env": lambda v: isinstance(v, dict),
    }
    if not checks[setting.kind](value):
        wanted = {
            "choice": "one of " + ", ".join(setting.choices),
            "table": "a table",
            "env": "a table of variables",
            "list": "a list of strings",
            "str": "a string",
        }.get(setting.kind, "a number")
        raise SettingsError(f"{where}: {setting.key} must be {wanted}, not {value!r}")
    if setting.minimum == 0 and value <= 0:
        raise SettingsError(f"{where}: {setting.key} must be above 0, not {value!r}")
    if setting.minimum and value < setting.minimum:
        raise SettingsError(f"{where}: {setting.key} must be at least {setting.minimum:g}")
    if setting.kind == "table":
        for rule, reason in value.items():
            if not isinstance(reason, str) or not reason.strip():
                raise SettingsError(
                    f"{where}: the route {rule!r} is left out of the contract without a "
                    f'reason: write "{rule}" = "why it is not documented"'
                )
    if setting.kind == "env":
        for name, text in value.items():
            if not _VARIABLE.match(name) or not isinstance(text, str):
                raise SettingsError(
                    f"{where}: env {name} = {text!r}: write each variable as "
                    f'NAME = "value" (a string, e.g. FLASK_DEBUG = "1")'
                )
    return str(value) if setting.kind == "choice" else value


_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def markdown_table() -> str:
    """README.md's settings table, generated from `SETTINGS`."""
    rows = ["| pyproject key | option | environment | default | what it is |",
            "|---|---|---|---|---|"]  # fmt: skip
    for s in SETTINGS:
        # A `|` in a cell, even in a code span, would end it: GitHub reads `\|` as `|`.
        default = "—" if s.default in (None, "", [], {}) else f"`{_toml(s.default)}`"
        default = default.replace("|", "\\|")
        option = f"`{s.option}`" if s.option else "—"
        rows.append(f"| `{s.key}` | {option} | `{s.variable}` | {default} | {s.help} |")
    return "\n".join(rows)


def _toml(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


if __name__ == "__main__":  # python -m flask_dredd.settings: the table for README.md
    print(markdown_table())
