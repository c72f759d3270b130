"""A one-route project of its own (no database, no fixtures) whose answer shows the
server's debug state and its TZ variable: for tests of how a run is started.
Its fixture, `state_project`, is shared through tests/conftest.py."""

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
def state_project(tmp_path: Path) -> Path:
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


