"""Bad input to `flask dredd run`: a clear message, a non-zero exit, nothing left running."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")


def flask_dredd(tmp_path: Path, *args: str, timeout: float = 120, **env: str):
    return subprocess.run(
        [FLASK, "--app", "eventapi", "dredd", "run", "--reports-dir", str(tmp_path), *args],
        cwd=ROOT,
        env={**os.environ, "EVENTAPI_CONFIG": "contract", **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def processes_whose_command_line_has(*needles: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError):
            continue
        if all(needle in cmdline for needle in needles):
            pids.append(int(proc.name))
    return pids


def test_malformed_database_url_is_named_with_an_example(tmp_path):
    started = time.monotonic()
    result = flask_dredd(tmp_path, "--database-url", "not a url")
    assert result.returncode == 2
    assert "'not a url' is not a database URL" in result.stderr
    assert "postgresql://" in result.stderr  # shows what a valid one looks like
    assert time.monotonic() - started < 30


def test_unsupported_backend_is_refused(tmp_path):
    result = flask_dredd(tmp_path, "--database-url", "mysql://root@127.0.0.1/eventapi_test")
    assert result.returncode == 2
    assert "supports sqlite, postgresql" in result.stderr


def test_unreachable_postgres_fails_within_seconds(tmp_path):
    started = time.monotonic()
    # Nothing listens on port 9 (discard); the connection is refused at once.
    result = flask_dredd(tmp_path, "--database-url", "postgresql://postgres@127.0.0.1:9/x_test")
    assert result.returncode == 2
    assert "cannot reach PostgreSQL at 127.0.0.1:9" in result.stderr
    assert time.monotonic() - started < 30


def test_database_not_designated_for_contract_testing_is_left_untouched(tmp_path):
    precious = tmp_path / "production.db"

    with sqlite3.connect(precious) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
        conn.execute("INSERT INTO users (email) VALUES ('keep@example.com')")
    result = flask_dredd(tmp_path, "--database-url", f"sqlite:///{precious}")
    assert result.returncode == 2
    assert "production" in result.stderr and "_contract" in result.stderr
    assert "FLASK_DREDD_ALLOW_DATABASE" in result.stderr
    with sqlite3.connect(precious) as conn:
        assert conn.execute("SELECT email FROM users").fetchall() == [("keep@example.com",)]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"users"}  # not even migrated


def test_server_that_cannot_start_shows_its_log_and_leaves_nothing(tmp_path):
    db = f"sqlite:///{tmp_path / 'eventapi_contract.db'}"
    result = flask_dredd(tmp_path, "--database-url", db, "--app-spec", "no_such_module:app")
    assert result.returncode == 2
    assert "gunicorn exited" in result.stderr
    assert "No module named 'no_such_module'" in result.stderr  # the log, shown


def test_ctrl_c_stops_server_and_dredd(tmp_path):
    db = f"sqlite:///{tmp_path / 'eventapi_contract.db'}"
    process = subprocess.Popen(
        [FLASK, "--app", "eventapi", "dredd", "run", "--database-url", db,
         "--reports-dir", str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "EVENTAPI_CONFIG": "contract"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    output = ""
    assert process.stdout is not None
    for line in process.stdout:
        output += line
        if "[flask-dredd] dredd" in line:
            break
    port = int(re.search(r"ready on http://127\.0\.0\.1:(\d+)", output).group(1))
    assert processes_whose_command_line_has("gunicorn", f"127.0.0.1:{port}")
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=30)
    assert process.returncode == 130, output + rest
    assert "stopping the server and Dredd" in rest
    assert processes_whose_command_line_has("gunicorn", f"127.0.0.1:{port}") == []
    assert processes_whose_command_line_has("dredd", str(tmp_path)) == []


BROKEN_HOOK_FILES = {
    "SyntaxError": ("import dredd_hooks as hooks\n\n\ndef broken(:\n    pass\n", 4),
    "ImportError": ("import dredd_hooks as hooks\nfrom factories import NoSuchFactory\n", 2),
    "ModuleNotFoundError": ("import dredd_hooks as hooks\n\nimport no_such_module\n", 3),
    "NameError": ("import dredd_hooks as hooks\n\n\nundefined_name + 1\n", 4),
}


@pytest.mark.parametrize("error", list(BROKEN_HOOK_FILES))
def test_a_hook_file_that_does_not_import_is_a_setup_error_within_seconds(tmp_path, error):
    """Issue 18 and 24: the wiring probe saw it but left it to the run, which migrated,
    started the server and Dredd, and aborted after 37 s with exit 3 and a traceback."""
    broken = tmp_path / "broken_hooks.py"
    text, line = BROKEN_HOOK_FILES[error]
    broken.write_text(text)
    config = yaml.safe_load((ROOT / "dredd.yml").read_text())
    config["hookfiles"] = [str(ROOT / "hooks" / "*.py"), str(broken)]
    dredd_yml = tmp_path / "dredd.yml"
    dredd_yml.write_text(yaml.safe_dump(config))
    database = tmp_path / "eventapi_contract.db"
    started = time.monotonic()
    result = flask_dredd(
        tmp_path, "--database-url", f"sqlite:///{database}", "--dredd-config", str(dredd_yml)
    )
    seconds = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    errors = [row for row in output.splitlines() if row.startswith("[flask-dredd] error:")]
    assert errors == [row for row in errors if f"error: {broken}:{line}: {error}: " in row], output
    assert len(errors) == 1 and "Traceback" not in output, output
    # Named before the database phase and the server's start, in seconds.
    assert not database.exists() and "[flask-dredd] server" not in output, output
    assert seconds < 30, f"{seconds:.1f} s\n{output}"


def test_an_interruption_whose_raise_was_lost_is_raised_again():
    """Python drops an exception raised in an at-fork hook (subprocess starting a child):
    the runner keeps the signal and raises it at its next check."""
    from flask_dredd.run.lifetime import Interrupted, interruptible, raise_if_interrupted

    with pytest.raises(Interrupted, match="SIGINT"), interruptible():
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)  # the handler runs here and raises
        except Interrupted:
            pass  # lost, as in an at-fork hook
        raise_if_interrupted()
    raise_if_interrupted()  # the record ends with the run
