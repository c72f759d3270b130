"""A brand-new Flask project in a temporary directory, adopting flask-dredd.

Two variants of one small notes service (two models, five routes, one behind a token):
`fsqla` on Flask-SQLAlchemy and Flask-Migrate, `alembic` on plain SQLAlchemy 2 and
plain Alembic. Both share the contract (`apiary.apib`), the views and token auth
(`notes/api.py`, `notes/auth.py`), the fixtures (`factories.py`, `hooks/notes.py`) and the
glue; each has its own models, queries, migrations and `hooks/setup.py`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from flask_dredd.reporting.xunit import Summary, read_xunit
from tests.postgres import scratch_database

ROOT = Path(__file__).resolve().parents[2]
#: A setup error comes "in seconds": 2-3 s on a quiet machine, up to 3 times that on a
#: loaded 2-core one running tests side by side; still under the server's own 30 s
#: readiness limit, so a mistake reported within it was found before anything waited on it.
IN_SECONDS = 20.0
PROJECTS = Path(__file__).resolve().parent / "projects"
FLASK = str(Path(sys.executable).parent / "flask")
#: The files a project adds to adopt flask-dredd, beyond its own fixtures and examples.
GLUE = ("hooks/setup.py", "dredd.yml", "package.json")


@dataclass
class Run:
    exit_code: int
    output: str
    report: Summary | None


@dataclass
class NewProject:
    root: Path

    def env(self, **extra: str) -> dict[str, str]:
        # Nothing from this repository or the shell may leak in: only what a user has.
        leaks = ("FLASK", "DATABASE_URL", "EVENTAPI", "PYTHONPATH")
        env = {k: v for k, v in os.environ.items() if not k.startswith(leaks)}
        return {**env, **extra}

    def flask(self, *args: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [FLASK, "--app", "notes", *args], cwd=self.root, env=self.env(**env),
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip

    def run_contract(self, database_url: str, **env: str) -> Run:
        reports = self.root / "reports"
        done = self.flask("dredd", "run", "--database-url", database_url,
                          "--reports-dir", str(reports), **env)  # fmt: skip
        xunit = reports / "dredd.xml"
        return Run(done.returncode, done.stdout + done.stderr,
                   read_xunit(xunit) if xunit.exists() else None)  # fmt: skip

    def glue_lines(self) -> int:
        """Lines of the glue files that say something (not blank, not a comment)."""
        text = "\n".join((self.root / name).read_text() for name in GLUE)
        lines = (line.strip() for line in text.splitlines())
        return sum(1 for line in lines if line and not line.startswith("#"))


def new_project(tmp_path: Path, variant: str) -> NewProject:
    root = tmp_path / f"notes-{variant}"
    shutil.copytree(PROJECTS / "common", root, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PROJECTS / variant, root, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    # Dredd is installed from package.json in a real project; here the repository's copy.
    (root / "node_modules").symlink_to(ROOT / "node_modules")
    project = NewProject(root)
    if variant == "fsqla":
        # As the project's author did once: `flask db init`, then the first revision.
        done = project.flask("db", "init", DATABASE_URL="sqlite://")
        assert done.returncode == 0, done.stdout + done.stderr
    versions = root / "migrations" / "versions"  # git keeps no empty folder
    versions.mkdir(parents=True, exist_ok=True)
    (root / "0001_users_and_notes.py").rename(versions / "0001_users_and_notes.py")
    return project


@pytest.fixture(params=["fsqla", "alembic"])
def project(request: pytest.FixtureRequest, tmp_path: Path) -> NewProject:
    return new_project(tmp_path, request.param)


@pytest.fixture
def notes_postgres_url() -> Iterator[str]:
    """A fresh, designated PostgreSQL database for the notes service, dropped afterwards."""
    with scratch_database(f"notes_{uuid.uuid4().hex[:8]}_contract") as url:
        yield url.replace("postgresql://", "postgresql+psycopg2://", 1)
