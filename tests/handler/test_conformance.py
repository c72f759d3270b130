"""Dredd's own conformance suite for hooks handlers, run against ours on each Python.

The suite (npm `dredd-hooks-template`: cucumber features and their step definitions)
runs from node_modules unchanged. `conformance.prepare_features` fills its placeholders
and uncomments its hook code into a temporary folder; the steps' Dredd is wrapped to
keep each run's output for the failure report (and to wait out a slow start).
Other Pythons are bare pyenv interpreters that see only the `flask_dredd` package: the
handler needs nothing but the standard library. The suite runs on the current Python,
3.12 and 3.13 ($CONFORMANCE_PYTHONS to choose, e.g. "current 3.13"): about 16 s per
Python on a quiet machine (30 s on a loaded one), most of it Dredd starting and waiting.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conformance import adapt, prepare_features
from .conftest import ROOT

TEMPLATE = ROOT / "node_modules" / "dredd-hooks-template"
CUCUMBER = ROOT / "node_modules" / ".bin" / "cucumber-js"
#: Hard-coded in the suite: the handler's default port and the scenarios' server.
FIXED_PORTS = (61321, 4567)
#: Added to each scenario's Dredd command line. A loaded machine can take more than
#: Dredd's 1.5 s to start a Python (`flask dredd run` allows 15 s too); and its fixed
#: 3 s wait for `node server.js` is 1 s here, still well over what node takes to listen
#: (and Dredd spends 0.6 s more connecting to the handler before the first request).
DREDD_TIMING = ("--hooks-worker-connect-timeout=30000", "--server-wait=1")
#: The Pythons to run the suite on ("current" is the one running the tests).
PYTHONS = os.environ.get("CONFORMANCE_PYTHONS", "current 3.12 3.13").split()

pytestmark = pytest.mark.conformance


def pyenv_root() -> str:
    """$PYENV_ROOT, else what `pyenv root` says, else ~/.pyenv."""
    if os.environ.get("PYENV_ROOT"):
        return os.environ["PYENV_ROOT"]
    if shutil.which("pyenv"):
        return subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
    return os.path.expanduser("~/.pyenv")


def pyenv_python(version: str) -> str | None:
    """The newest pyenv-installed `python3` of `version` (e.g. "3.13"), or None."""
    found = sorted(glob.glob(f"{pyenv_root()}/versions/{version}.*/bin/python3"))
    return found[-1] if found else None


@contextlib.contextmanager
def exclusive_fixed_ports() -> Iterator[None]:
    """Hold a machine-wide lock while the suite uses its fixed ports; fail if they're taken."""
    with open(Path(tempfile.gettempdir()) / "flask-dredd-conformance.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run of this test waits its turn
        for port in FIXED_PORTS:
            with socket.socket() as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    pytest.fail(f"port {port} is in use; the conformance suite hard-codes it")
        yield


def test_features_are_filled_in_without_touching_the_blueprints():
    feature = (TEMPLATE / "features" / "failing_transaction.feature").read_text()
    adapted = adapt(feature, "/usr/bin/python3 -m flask_dredd.handler")
    assert "{{" not in adapted
    assert '--language="/usr/bin/python3 -m flask_dredd.handler"' in adapted
    assert "--hookfiles=./hookfile.py" in adapted
    assert "      # My Api\n" in adapted  # the blueprint's heading stays a heading
    hook_code = adapted.split('named "hookfile.py" with:')[1].split('"""')[1]
    assert "##" not in hook_code
    assert "      import dredd_hooks as hooks\n" in hook_code
    assert "      @hooks.before('/message > GET')\n      def before(transaction):\n" in hook_code
    assert "          transaction['fail'] = 'Yay! Failed!'" in hook_code


def recording_dredd(workdir: Path, runs: Path) -> None:
    """Give the steps (which run `./node_modules/.bin/dredd` from their cwd) a Dredd that
    keeps each run's output in `runs`: cucumber shows a failed exit status, not why.

    It also adds DREDD_TIMING, which changes how long Dredd waits, never what it does.
    """
    bin_dir = workdir / "node_modules" / ".bin"
    bin_dir.mkdir(parents=True)
    (workdir / "node_modules" / "cucumber").symlink_to(ROOT / "node_modules" / "cucumber")
    runs.mkdir()
    wrapper = bin_dir / "dredd"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'log="{runs}/$(date +%s%N).log"\n'
        f'"{ROOT}/node_modules/.bin/dredd" "$@" {" ".join(DREDD_TIMING)} >"$log" 2>&1\n'
        "status=$?\n"
        'echo "exit status $status" >>"$log"\n'
        'cat "$log"\n'
        "exit $status\n"
    )
    wrapper.chmod(0o755)


def dredd_runs(runs: Path) -> str:
    """The end of every Dredd run's output, for a failure report."""
    return "".join(
        f"\n--- Dredd run {log.name}:\n" + "\n".join(log.read_text().splitlines()[-25:])
        for log in sorted(runs.glob("*.log"))
    )


@pytest.mark.parametrize("version", PYTHONS)
def test_dredd_hooks_template_suite_passes(version: str, tmp_path: Path) -> None:
    python = sys.executable if version == "current" else pyenv_python(version)
    if python is None:
        pytest.skip(f"no Python {version} under $(pyenv root)/versions/{version}.*")
    assert CUCUMBER.exists(), f"{CUCUMBER} missing: run `npm ci` in {ROOT}"
    features = prepare_features(TEMPLATE, tmp_path / "features", python)
    expected = sum(f.read_text().count("Scenario:") for f in features)
    recording_dredd(tmp_path / "cwd", tmp_path / "runs")

    # Only the package itself on the path: no project dependency can sneak in.
    (tmp_path / "path").mkdir()
    (tmp_path / "path" / "flask_dredd").symlink_to(ROOT / "flask_dredd")
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path / "path"),
        "PYTHONPYCACHEPREFIX": str(tmp_path / "pycache"),  # no bytecode in the repo
        "TMPDIR": str(tmp_path),  # the scenarios' own folders
    }
    env.pop("FLASK_DREDD_HOOKS_PORT", None)
    command = [
        "node",
        str(CUCUMBER),
        str(tmp_path / "features"),
        "--require",
        str(TEMPLATE / "features" / "support"),
    ]
    with exclusive_fixed_ports():
        proc = subprocess.run(
            command, cwd=tmp_path / "cwd", env=env, capture_output=True, text=True, timeout=600
        )
    output = proc.stdout + proc.stderr
    summary = re.search(r"(\d+) scenarios? \((\d+) passed\)", output)
    passed = proc.returncode == 0 and summary and int(summary[1]) == int(summary[2]) == expected
    assert passed, output[-5000:] + dredd_runs(tmp_path / "runs")
