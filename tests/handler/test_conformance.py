"""Dredd's own conformance suite for hooks handlers, run against ours on every Python.

The suite (npm `dredd-hooks-template`: cucumber features and their step definitions)
runs from node_modules unchanged. `conformance.prepare_features` fills its placeholders
and uncomments its hook code into a temporary folder; the steps' Dredd is wrapped to
keep each run's output for the failure report (and to wait out a slow start).

Variants (parameters of one test): `current`, the Python running the tests, through
`python -m flask_dredd.handler` as dredd.yml says; each pyenv Python from 3.8 up (and
any newer one pyenv has), as `python -m dredd_hooks_handler` with only that package on
the path; and `wheel-3.8`, `wheel-3.13`: the distribution's wheel, built here, installed
in a venv that holds nothing else, run as its `dredd-hooks-handler` command. A Python
pyenv lacks is skipped, saying so. $CONFORMANCE_PYTHONS chooses (e.g. "current 3.13").

The suite hard-codes ports 61321 and 4567. Where Linux lets us (`unshare --net`, as root
or in a user namespace), each variant runs in a network namespace of its own, with its
own loopback, so $CONFORMANCE_JOBS (default 4) of them run at once: each takes about
16 s, mostly Dredd waiting. Elsewhere they run one at a time under a machine-wide lock.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import fcntl
import functools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conformance import adapt, prepare_features
from .conftest import PACKAGE, ROOT, pyenv_python, pyenv_root

TEMPLATE = ROOT / "node_modules" / "dredd-hooks-template"
CUCUMBER = ROOT / "node_modules" / ".bin" / "cucumber-js"
#: Hard-coded in the suite: the handler's default port and the scenarios' server.
FIXED_PORTS = (61321, 4567)
#: Added to each scenario's Dredd command line. A loaded machine can take more than
#: Dredd's 1.5 s to start a Python (`flask dredd run` allows 15 s too); and its fixed
#: 3 s wait for `node server.js` is 1 s here, still well over what node takes to listen
#: (and Dredd spends 0.6 s more connecting to the handler before the first request).
DREDD_TIMING = ("--hooks-worker-connect-timeout=30000", "--server-wait=1")
#: Cucumber's own limit for one step, 5 s by default: a step waiting for a handler to say
#: "Starting" can take longer on a loaded machine running 4 variants and other tests at
#: once (seen: a Python 3.8 venv). It changes how long a step may wait, never what it checks.
STEP_TIMEOUT_MS = 30_000
#: The handler's Pythons; newer ones pyenv has are added.
MINORS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13")
WHEELS = ("wheel-3.8", "wheel-3.13")
JOBS = int(os.environ.get("CONFORMANCE_JOBS", "4"))
#: Brings the loopback up in a fresh network namespace, then runs the command.
LOOPBACK_UP = (
    "import fcntl, os, socket, struct, sys\n"
    "sock = socket.socket()\n"
    "flags = struct.unpack('16sH', fcntl.ioctl(sock, 0x8913, struct.pack('16sH', b'lo', 0)))[1]\n"
    "fcntl.ioctl(sock, 0x8914, struct.pack('16sH', b'lo', flags | 1))\n"  # IFF_UP
    "os.execvp(sys.argv[1], sys.argv[1:])\n"
)

pytestmark = pytest.mark.conformance


def newer_pythons() -> list[str]:
    """Minor versions after 3.13 that pyenv has (e.g. "3.14")."""
    versions = Path(pyenv_root(), "versions")
    names = [path.name for path in versions.glob("3.*")] if versions.is_dir() else []
    found = {m[1] for m in (re.match(r"(3\.(\d+))\.\d+$", name) for name in names)
             if m and int(m[2]) > 13}  # fmt: skip
    return sorted(found, key=lambda version: int(version.split(".")[1]))


def variants() -> list[str]:
    chosen = os.environ.get("CONFORMANCE_PYTHONS")
    if chosen:
        return chosen.split()
    return ["current", *MINORS, *newer_pythons(), *WHEELS]


@functools.lru_cache(maxsize=1)
def namespace_prefix() -> tuple[str, ...] | None:
    """The command prefix that runs a command in a network namespace of its own, or None."""
    unshare = shutil.which("unshare")
    if unshare is None or not sys.platform.startswith("linux"):
        return None
    for flags in (["--net"], ["--net", "--map-root-user"]):
        prefix = (unshare, *flags, sys.executable, "-c", LOOPBACK_UP)
        listen = "import socket; socket.create_server(('127.0.0.1', 61321))"
        probe = subprocess.run([*prefix, sys.executable, "-c", listen], capture_output=True)
        if probe.returncode == 0:
            return prefix
    return None


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
                    raise RuntimeError(
                        f"port {port} is in use; the conformance suite hard-codes it"
                    ) from None
        yield


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


class Outcome:
    """One variant's result: skipped (with why), or the suite's output and verdict."""

    def __init__(self, skip: str = "", passed: bool = False, report: str = "") -> None:
        self.skip, self.passed, self.report = skip, passed, report


class Conformance:
    """Runs the selected variants, several at once where namespaces allow, on first ask."""

    def __init__(self, selected: list[str], tmp: Path) -> None:
        self.selected = selected
        self.tmp = tmp
        self.prefix = namespace_prefix()
        self._lock = threading.Lock()
        self._wheel: Path | None = None
        self._futures: dict[str, concurrent.futures.Future[Outcome]] = {}
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=JOBS if self.prefix else 1)

    def outcome(self, variant: str) -> Outcome:
        if not self._futures:
            for name in dict.fromkeys([variant, *self.selected]):
                self._futures[name] = self._pool.submit(self.run, name)
        if variant not in self._futures:
            self._futures[variant] = self._pool.submit(self.run, variant)
        return self._futures[variant].result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def wheel(self) -> Path:
        """The distribution's wheel, built once, as pip builds it for a user."""
        with self._lock:
            if self._wheel is None:
                # From a copy: setuptools writes build/ and *.egg-info beside the sources.
                source, out = self.tmp / "source", self.tmp / "wheel"
                shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns(
                    "build", "*.egg-info", "__pycache__"))  # fmt: skip
                subprocess.run(
                    [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out),
                     str(source)],
                    check=True, capture_output=True, timeout=600,
                )  # fmt: skip
                (self._wheel,) = out.glob("dredd_hooks_handler-*.whl")
            return self._wheel

    def command(self, variant: str, work: Path) -> tuple[list[str], dict[str, str]] | str:
        """The handler's command line and environment for `variant`, or why it is skipped."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_DREDD_")}
        env.pop("PYTHONPATH", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")  # no bytecode in the repo
        if variant == "current":
            env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(PACKAGE)])
            return [sys.executable, "-m", "flask_dredd.handler"], env
        version = variant.removeprefix("wheel-")
        python = pyenv_python(version)
        if python is None:
            return f"no Python {version} under {pyenv_root()}/versions/{version}.*"
        if variant.startswith("wheel-"):
            return [install_wheel(self.wheel(), python, work / "venv")], env
        # Only the package itself on the path: nothing of the project can sneak in.
        (work / "path").mkdir()
        (work / "path" / "dredd_hooks_handler").symlink_to(PACKAGE / "dredd_hooks_handler")
        env["PYTHONPATH"] = str(work / "path")
        return [python, "-m", "dredd_hooks_handler"], env

    def run(self, variant: str) -> Outcome:
        work = self.tmp / variant
        work.mkdir()
        found = self.command(variant, work)
        if isinstance(found, str):
            return Outcome(skip=found)
        command, env = found
        features = prepare_features(TEMPLATE, work / "features", command)
        expected = sum(f.read_text().count("Scenario:") for f in features)
        recording_dredd(work / "cwd", work / "runs")
        env["TMPDIR"] = str(work)  # the scenarios' own folders
        timing = work / "step_timeout.js"
        timing.write_text(f"require({json.dumps(str(ROOT / 'node_modules' / 'cucumber'))})"
                          f".setDefaultTimeout({STEP_TIMEOUT_MS});\n")  # fmt: skip
        cucumber = ["node", str(CUCUMBER), str(work / "features"),
                    "--require", str(TEMPLATE / "features" / "support"),
                    "--require", str(timing)]  # fmt: skip
        lock = contextlib.nullcontext() if self.prefix else exclusive_fixed_ports()
        with lock:
            proc = subprocess.run(
                [*(self.prefix or ()), *cucumber],
                cwd=work / "cwd", env=env, capture_output=True, text=True, timeout=900,
            )  # fmt: skip
        output = proc.stdout + proc.stderr
        summary = re.search(r"(\d+) scenarios? \((\d+) passed\)", output)
        passed = proc.returncode == 0 and summary is not None
        passed = passed and int(summary[1]) == int(summary[2]) == expected
        return Outcome(passed=passed, report=output[-5000:] + dredd_runs(work / "runs"))


def install_wheel(wheel: Path, python: str, venv: Path) -> str:
    """A venv of `python` holding the wheel and nothing else; its `dredd-hooks-handler`."""
    subprocess.run([python, "-m", "venv", str(venv)], check=True, capture_output=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--no-index", "--no-deps", str(wheel)], check=True,
                   capture_output=True)  # fmt: skip
    # Not even pip or setuptools left: the handler must need nothing but itself.
    subprocess.run([*pip, "uninstall", "--yes", "pip", "setuptools"], check=True,
                   capture_output=True)  # fmt: skip
    (site,) = venv.glob("lib/python3.*/site-packages")
    left = sorted(p.name for p in site.iterdir() if p.name != "__pycache__")
    assert [name.split("-")[0] for name in left] == ["dredd_hooks_handler"] * 2, left
    return str(venv / "bin" / "dredd-hooks-handler")


@pytest.fixture(scope="session")
def conformance(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Conformance]:
    # Start every variant this session selected at once; each test waits for its own.
    selected = [
        item.callspec.params["variant"]
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_dredd_hooks_template_suite_passes"
    ]
    runs = Conformance(selected, tmp_path_factory.mktemp("conformance"))
    yield runs
    runs.close()


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


def test_the_wheel_is_the_handler_alone_with_sane_metadata(conformance):
    with zipfile.ZipFile(conformance.wheel()) as wheel:
        names = wheel.namelist()
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        meta = wheel.read(metadata).decode()
        scripts = wheel.read(entry_points).decode()
    assert {n.split("/")[0] for n in names} == {
        "dredd_hooks_handler",
        metadata.split("/")[0],
    }, names
    assert "Name: dredd-hooks-handler\n" in meta
    assert re.search(r"^Version: \d+\.\d+\.\d+$", meta, re.M)
    assert "Requires-Python: >=3.8\n" in meta
    assert "Requires-Dist" not in meta  # the standard library only
    assert "dredd-hooks-handler = dredd_hooks_handler.handler:main" in scripts


@pytest.mark.parametrize("variant", variants())
def test_dredd_hooks_template_suite_passes(variant: str, conformance: Conformance) -> None:
    assert CUCUMBER.exists(), f"{CUCUMBER} missing: run `npm ci` in {ROOT}"
    outcome = conformance.outcome(variant)
    if outcome.skip:
        pytest.skip(outcome.skip)
    assert outcome.passed, outcome.report
