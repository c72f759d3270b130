"""Each adoption mistake stops `flask dredd run` in seconds, naming the fix, with no
database created or changed."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from .conftest import FLASK, IN_SECONDS, NewProject, new_project


def timed(project: NewProject, *args: str, app: bool = True, **env: str) -> tuple[int, str, float]:
    command = [FLASK, *(["--app", "notes"] if app else []), "dredd", "run", *args]
    started = time.monotonic()
    done = subprocess.run(command, cwd=project.root, env=project.env(**env),
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


@pytest.fixture
def fresh(tmp_path: Path) -> NewProject:
    return new_project(tmp_path, "fsqla")


def test_no_app(fresh: NewProject, tmp_path: Path) -> None:
    code, output, seconds = timed(fresh, app=False)
    assert code == 2 and seconds < IN_SECONDS, output
    assert "no app found: run `flask --app <module> dredd …`" in output
    assert "[tool.flask-dredd]" in output and "Traceback" not in output


def test_no_dredd_binary_gives_the_npm_command(fresh: NewProject, tmp_path: Path) -> None:
    (fresh.root / "node_modules").unlink()
    database = tmp_path / "notes_contract.db"
    code, output, seconds = timed(fresh, "--database-url", f"sqlite:///{database}")
    assert code == 2 and seconds < IN_SECONDS, output
    assert "npm install --save-dev --save-exact dredd@14.1.0" in output
    assert "`flask dredd init` writes one" in output
    assert not database.exists()


def test_a_misspelt_settings_key(fresh: NewProject, tmp_path: Path) -> None:
    (fresh.root / "pyproject.toml").write_text("[tool.flask-dredd]\nmigration = 'none'\n")
    database = tmp_path / "notes_contract.db"
    code, output, seconds = timed(fresh, "--database-url", f"sqlite:///{database}")
    assert code == 2 and seconds < IN_SECONDS, output
    assert "'migration' (did you mean 'migrations'?)" in output and "Valid keys:" in output
    assert not database.exists()


def test_no_migrations_found(fresh: NewProject, tmp_path: Path) -> None:
    settings = "[tool.flask-dredd]\nmigrations = 'db/alembic.ini'\n"
    (fresh.root / "pyproject.toml").write_text(settings)
    database = tmp_path / "notes_contract.db"
    code, output, seconds = timed(fresh, "--database-url", f"sqlite:///{database}")
    assert code == 2 and seconds < IN_SECONDS, output
    assert "no migrations found" in output and "db/alembic.ini" in output
    assert not database.exists()


@pytest.mark.parametrize("parallel", ["1", "2"])
def test_an_unsupported_db_object_lists_what_is_accepted(tmp_path: Path, parallel: str) -> None:
    # With --parallel the parent probes the wiring once, before any shard starts.
    project = new_project(tmp_path, "alembic")
    (project.root / "hooks/setup.py").write_text("from flask_dredd import install\n\ninstall()\n")
    (project.root / "pyproject.toml").write_text("[tool.flask-dredd]\ndb = 'notes.auth'\n")
    database = tmp_path / "notes_contract.db"
    url = f"sqlite:///{database}"
    code, output, seconds = timed(project, "--database-url", url, "--parallel", parallel)
    assert code == 2 and seconds < IN_SECONDS, output
    assert output.count("isolation cannot use notes.auth as the database") == 1, output
    assert "accepts" in output
    assert not database.exists()
    assert not list(tmp_path.glob("notes_contract*.db")), "a shard's database was created"


def test_a_setup_notice_of_the_wiring_makes_the_run_a_setup_error(tmp_path, monkeypatch):
    """What the probe cannot see (install() arguments known only at run time) still ends
    as a setup error: the wiring's before_all leaves a setup notice in the abort file."""
    from flask_dredd.errors import EXIT_SETUP
    from flask_dredd.run.inflight import read_abort
    from flask_dredd.run.outcome import judge
    from flask_dredd.wiring import WiringError, report_setup_error

    abort = tmp_path / "abort.json"
    monkeypatch.setenv("FLASK_DREDD_ABORT_FILE", str(abort))
    report_setup_error(WiringError("db not found: x"), "hooks/setup.py:3 prepare_database")
    outcome = judge(dredd_exit=1, stop=None, interrupted=None, abort_notice=read_abort(abort),
                    not_run=0, in_flight=lambda: "")  # fmt: skip
    assert outcome.exit_code == EXIT_SETUP
    assert outcome.cause.startswith("setup error: db not found: x")
