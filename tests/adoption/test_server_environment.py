"""The server's environment is explicit: the shell's FLASK_DEBUG (or a `.flaskenv`'s, which
`flask` loads into it) never reaches the contract server; `[tool.flask-dredd.env]` does, and
the server line says which app is served and in which debug state, and where each came from.
A FLASK_APP naming another app than the `app` setting is refused, naming both."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")

APP = '''import os

from flask import Flask, jsonify


def create_app():
    app = Flask(__name__)

    @app.get("/state")
    def state():
        return jsonify(debug=app.debug, tz=os.environ.get("TZ", ""))

    return app
'''
BLUEPRINT = """FORMAT: 1A

# State

## State [/state]

### Show the state [GET]

+ Response 200 (application/json)

        {"debug": false, "tz": ""}
"""
SETTINGS = """[tool.flask-dredd]
app = "stateapp:create_app()"
migrations = "none"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A one-route app whose answer shows its debug state and its TZ variable."""
    root = tmp_path / "stateproject"
    (root / "hooks").mkdir(parents=True)
    (root / "stateapp.py").write_text(APP)
    (root / "apiary.apib").write_text(BLUEPRINT)
    (root / "pyproject.toml").write_text(SETTINGS)
    (root / "hooks" / "declarations.py").write_text(
        "from flask_dredd.declarations import no_fixtures\n\n"
        'no_fixtures("State > State > Show the state")\n'
    )
    (root / "node_modules").symlink_to(ROOT / "node_modules")
    return root


def flask_dredd(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK", "DATABASE_URL"))}
    return subprocess.run(
        [FLASK, "dredd", *args], cwd=root, env={**clean, **env},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def server_line(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("[flask-dredd] server"))


def test_the_shells_flask_debug_does_not_reach_the_server(project: Path):
    run = flask_dredd(project, "run", FLASK_DEBUG="1")
    assert run.returncode == 0, run.stdout + run.stderr  # served with debug off
    line = server_line(run.stdout)
    assert "app stateapp:create_app() (app setting, " in line, line
    assert "debug off (FLASK_DEBUG='1' of the shell or .flaskenv not passed on: set it " \
        "under [tool.flask-dredd.env]" in line, line


def test_the_env_setting_reaches_the_server_and_the_line_says_so(project: Path):
    with (project / "pyproject.toml").open("a") as settings:
        settings.write('\n[tool.flask-dredd.env]\nFLASK_DEBUG = "1"\n')
    run = flask_dredd(project, "run", "--env", "TZ=UTC")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "debug on (FLASK_DEBUG='1' set by the env setting)" in server_line(run.stdout)
    assert "$.debug: documented false, got true" in run.stdout
    assert '$.tz: documented "", got "UTC"' in run.stdout


def test_a_flask_app_that_names_another_app_is_refused_naming_both(project: Path):
    run = flask_dredd(project, "run", FLASK_APP="otherapp")
    assert run.returncode == 2, run.stdout + run.stderr
    assert run.stderr.startswith(
        "[flask-dredd] error: FLASK_APP='otherapp' (from the environment or .flaskenv) names "
        "another app than the app setting 'stateapp:create_app()' ("
    ), run.stderr
    assert "[flask-dredd] database" not in run.stdout  # nothing ran
