"""What one run is given (`RunConfig`) and gives back (`RunResult`), and its children's environment.

The CLI fills a `RunConfig` from options, the environment and pyproject.toml
(`flask_dredd.settings`); the runner, `--parallel`'s shards, `record` and `drift` build
one too. `child_environment` is the one environment `flask db`, gunicorn, Dredd and the
hooks handler share.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from flask_dredd.run.dredd_config import DreddDefaults
from flask_dredd.run.watchdog import DEFAULT_STALL_TIMEOUT
from flask_dredd.settings import NOT_INHERITED


@dataclass
class RunConfig:
    """Everything one run needs; the CLI fills it from options and the environment."""

    root: Path
    flask_app: str  # what `flask --app` takes, e.g. "eventapi"
    app_spec: str  # what gunicorn takes, e.g. "eventapi:create_app()"
    database_url: str
    blueprint: Path | None = None  # None: the one dredd.yml names
    endpoint: str | None = None  # None: start gunicorn; else test that running server
    workers: int = 2
    order: str | None = None  # None: the blueprint's order; "reverse", "shuffle[:SEED]"
    dredd_config: Path = Path("dredd.yml")
    reports_dir: Path = Path("reports")
    dredd_args: tuple[str, ...] = ()
    dredd_timeout: float = 1800.0
    migrate: bool = True  # False: the database is already at head (a migrated copy)
    server_timeout: float = 30.0
    stall_timeout: float = DEFAULT_STALL_TIMEOUT  # no transaction progress for this long
    hook_timeout: float | None = None  # None: the handler's own default
    shard: str | None = None  # "K/N": run only shard K of N (contract/shards.py)
    timings: Path | None = None  # what balances the shards; None: reports/transactions.jsonl
    shard_plan: Path | None = None  # the shard cut and compiled by `--parallel`'s parent
    env: dict[str, str] = field(default_factory=dict)  # over the shell's, for every child
    app_source: str = ""  # where `flask_app` came from, for the server line
    dredd: Path | None = None  # the Dredd binary; None: node_modules/.bin/dredd
    dredd_defaults: DreddDefaults = (None, None)  # from the settings: see preflight
    excluded_routes: dict[str, str] = field(default_factory=dict)  # reported, with reasons
    # False where another run of the same hooks probes their wiring (`run.wiring_probe`)
    # for this one: --parallel's parent for its shards, drift's control for the drifts.
    probe_wiring: bool = True
    verbose: bool = False  # Dredd's output as it is, noise included (run.dredd_output)

    def path(self, p: Path) -> Path:
        return p if p.is_absolute() else self.root / p

    @property
    def dredd_bin(self) -> Path:
        return self.path(self.dredd) if self.dredd else self.root / "node_modules/.bin/dredd"


def server_description(config: RunConfig, env: dict[str, str]) -> str:
    """The app the server serves and its debug state, each with where it came from."""
    app = f"app {config.flask_app}" + (f" ({config.app_source})" if config.app_source else "")
    debug = env.get("FLASK_DEBUG", "").strip().lower() not in ("", "0", "false", "no")
    if "FLASK_DEBUG" in config.env:
        value = env["FLASK_DEBUG"]
        state = f"debug {'on' if debug else 'off'} (FLASK_DEBUG={value!r} set by the env setting)"
    elif os.environ.get("FLASK_DEBUG"):
        state = (
            f"debug off (FLASK_DEBUG={os.environ['FLASK_DEBUG']!r} of the shell or .flaskenv "
            "not passed on: set it under [tool.flask-dredd.env] to serve in debug mode)"
        )
    else:
        state = "debug off"
    return f"{app}, {state}"


@dataclass
class RunResult:
    exit_code: int
    phases: dict[str, float]
    endpoint: str = ""


def child_environment(config: RunConfig) -> dict[str, str]:
    """The environment shared by `flask db`, gunicorn, Dredd and the hooks handler: the
    shell's, less what a server must not inherit (`NOT_INHERITED`), plus `config.env`."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(config.env)
    env["DATABASE_URL"] = config.database_url
    env.setdefault("FLASK_DREDD_APP", config.flask_app)  # the app `flask_dredd.install` builds
    env["PYTHONUNBUFFERED"] = "1"
    # `python` in dredd.yml's language line and the handler's imports must resolve to
    # this interpreter and this project, whichever shell started the run.
    bin_dirs = [str(Path(sys.executable).parent), str(config.root / "node_modules" / ".bin")]
    env["PATH"] = os.pathsep.join([*bin_dirs, env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(config.root), env.get("PYTHONPATH", "")) if p
    )
    return env
