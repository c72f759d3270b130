"""The oldest supported stack: Flask 2.2 with Flask-SQLAlchemy 3.0 and Flask-Migrate.

A project pinned at Flask 2 installs flask-dredd without its Flask being replaced, and
its contract runs green on SQLite and PostgreSQL. The stack is a virtual environment of
its own, built once from the package index, with the engine and the handler installed
from this checkout without their dependencies (as `pip` resolves them, the pins below
satisfy flask-dredd's own).
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from .conftest import ROOT, NewProject, new_project

pytestmark = pytest.mark.e2e
OLDEST = [
    "flask==2.2.*", "werkzeug==2.2.*", "flask-sqlalchemy==3.0.*", "flask-migrate==4.0.*",
    "sqlalchemy==2.0.*", "gunicorn", "click", "pyyaml", "factory-boy", "psycopg2-binary",
]  # fmt: skip


@pytest.fixture(scope="module")
def flask2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `flask` command of a virtual environment on the oldest supported stack."""
    home = tmp_path_factory.mktemp("flask2") / "venv"
    venv.create(home, with_pip=True)
    pip = [str(home / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    for args in (OLDEST, ["--no-deps", "-e", str(ROOT / "packages/dredd-hooks-handler"),
                          "-e", str(ROOT)]):  # fmt: skip
        done = subprocess.run([*pip, *args], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
    check = subprocess.run([str(home / "bin" / "python"), "-m", "pip", "check"],
                           capture_output=True, text=True)  # fmt: skip
    assert check.returncode == 0, check.stdout  # flask-dredd's requirements hold on Flask 2
    return home / "bin" / "flask"


def run(project: NewProject, flask: Path, url: str) -> subprocess.CompletedProcess[str]:
    reports = project.root / "reports"
    return subprocess.run(
        [str(flask), "--app", "notes", "dredd", "run", "--database-url", url,
         "--reports-dir", str(reports)],
        cwd=project.root, env=project.env(), capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_flask_2_project_green_on_sqlite_and_postgres(
    flask2: Path, tmp_path: Path, notes_postgres_url: str
):
    version = subprocess.run([str(flask2), "--version"], capture_output=True, text=True)
    assert "Flask 2.2." in version.stdout, version.stdout
    project = new_project(tmp_path, "fsqla")
    for url in (f"sqlite:///{tmp_path / 'notes_contract.db'}", notes_postgres_url):
        done = run(project, flask2, url)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "8 passed, 0 failed, 0 skipped of 8 transactions" in done.stdout, done.stdout


assert sys.version_info >= (3, 11)  # the engine's own floor; Flask 2.2 runs there too
