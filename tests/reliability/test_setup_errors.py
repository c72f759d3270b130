"""Setup errors: exit 2 within seconds, one clear message, no traceback, nothing touched.

Each case runs `flask dredd run` as a user does. "Before the database phase" is checked
on the database itself: the SQLite file the run names must not exist afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")
#: About 2 s on a quiet machine (the blueprint is compiled by Node); generous for a
#: loaded CI machine, still far under the 6-23 s a database and server phase take.
FAST = 12.0


@dataclass
class Failed:
    exit_code: int
    stderr: str
    stdout: str
    seconds: float
    database: Path


def run_expecting_setup_error(tmp_path: Path, *args: str, **env: str) -> Failed:
    database = tmp_path / "eventapi_contract.db"
    options = ["--reports-dir", str(tmp_path / "reports"), *args]
    started = time.monotonic()
    result = subprocess.run(
        [FLASK, "--app", "eventapi", "dredd", "run", "--database-url", f"sqlite:///{database}",
         *options],
        cwd=ROOT,
        env={**os.environ, "EVENTAPI_CONFIG": "contract", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    failed = Failed(
        result.returncode, result.stderr, result.stdout, time.monotonic() - started, database
    )
    output = failed.stdout + failed.stderr
    assert failed.exit_code == 2, output
    assert "Traceback" not in output, output
    assert failed.stderr.count("[flask-dredd] error:") == 1, output  # reported once
    assert "[flask-dredd] database" not in output, output
    assert not database.exists(), "the database was touched before the error"
    assert failed.seconds < FAST, f"{failed.seconds:.1f} s\n{output}"
    return failed


def dredd_yml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dredd.yml"
    path.write_text(text)
    return path


def test_an_empty_blueprint_is_an_error_not_a_green_run(tmp_path):
    empty = tmp_path / "empty.apib"
    empty.write_text("")
    failed = run_expecting_setup_error(tmp_path, "--blueprint", str(empty))
    assert f"{empty} holds no transactions" in failed.stderr
    assert "FORMAT: 1A" in failed.stderr  # what to check


def test_a_file_that_is_not_a_blueprint_is_an_error(tmp_path):
    failed = run_expecting_setup_error(tmp_path, "--blueprint", "README.md")
    assert "README.md holds no transactions" in failed.stderr


def test_invalid_yaml_in_dredd_yml_is_named_with_its_line(tmp_path):
    config = dredd_yml(tmp_path, "blueprint: apiary.apib\nhookfiles: [hooks/*.py\n")
    failed = run_expecting_setup_error(tmp_path, "--dredd-config", str(config))
    assert f"{config} is not valid YAML (line 3, column 1)" in failed.stderr


def test_a_dredd_yml_that_is_a_list_is_refused(tmp_path):
    config = dredd_yml(tmp_path, "- blueprint: apiary.apib\n- hookfiles: hooks/*.py\n")
    failed = run_expecting_setup_error(tmp_path, "--dredd-config", str(config))
    assert f"{config} must be a mapping of Dredd options" in failed.stderr
    assert "it is a YAML list" in failed.stderr


def test_options_of_the_wrong_type_are_each_named(tmp_path):
    config = dredd_yml(tmp_path, "blueprint: apiary.apib\nhookfiles: 3\nserver-wait: soon\n")
    failed = run_expecting_setup_error(tmp_path, "--dredd-config", str(config))
    assert "hookfiles: 3 is a YAML number; Dredd expects a string or a list of strings" in (
        failed.stderr
    )
    assert "server-wait: 'soon' is a YAML string; Dredd expects a number" in failed.stderr


def test_a_blueprint_dredd_yml_names_but_that_is_missing(tmp_path):
    config = dredd_yml(tmp_path, "blueprint: drafts/nowhere.apib\nhookfiles: hooks/*.py\n")
    failed = run_expecting_setup_error(tmp_path, "--dredd-config", str(config))
    assert "blueprint drafts/nowhere.apib (named in" in failed.stderr
    assert "--blueprint" in failed.stderr


def test_a_file_named_reports_where_the_folder_should_be(tmp_path):
    (tmp_path / "reports").write_text("not a folder")
    failed = run_expecting_setup_error(tmp_path)
    assert f"{tmp_path / 'reports'} is a file" in failed.stderr
    assert "--reports-dir" in failed.stderr


def test_an_unwritable_reports_folder(tmp_path):
    if os.geteuid() == 0:
        # root writes anywhere a mode allows; sysfs refuses new files even to root
        folder = Path("/sys/kernel")
    else:
        folder = tmp_path / "locked"
        folder.mkdir(mode=0o500)
    failed = run_expecting_setup_error(tmp_path, "--reports-dir", str(folder))
    assert f"cannot write reports into {folder}" in failed.stderr


@pytest.mark.parametrize("order", ["sideways", "shuffle:abc"])
def test_a_bad_order_is_refused_before_anything_runs(tmp_path, order):
    failed = run_expecting_setup_error(tmp_path, "--order", order)
    assert f"unknown order {order!r}" in failed.stderr
    assert "shuffle:SEED" in failed.stderr


def test_a_hook_timeout_not_under_dredds_own_is_refused(tmp_path):
    # Dredd would time the hook out first, and nothing could name it.
    failed = run_expecting_setup_error(tmp_path, "--hook-timeout", "5")
    assert "--hook-timeout 5 s (HOOK_TIMEOUT) is not under Dredd's hooks-worker-timeout" in (
        failed.stderr
    )


def test_the_authoring_commands_read_dredd_yml_with_the_same_checks(tmp_path):
    config = dredd_yml(tmp_path, "- blueprint: apiary.apib\n")
    result = subprocess.run(
        [FLASK, "--app", "eventapi", "dredd", "names", "--dredd-config", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert f"[flask-dredd] error: {config} must be a mapping of Dredd options" in result.stderr
