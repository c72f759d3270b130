"""Benchmark: what a Python hooks handler costs a Dredd run, measured side by side.

    .venv/bin/python bench/handler_bench.py [--rounds 3]

One generated blueprint (90 GET transactions with small JSON bodies, so that Dredd's own
work per transaction does not drown the handlers' costs) against a stdlib server, run
by Dredd 14.1.0 four ways: no hooks, no-op JavaScript hooks, dredd-hooks-python 0.2.0
and `python -m flask_dredd.handler`, the two Python handlers with the same hook file.
Rounds interleave the ways (rotating their order), so load on the machine hits all of
them alike; the medians and ratios come from one run. Two more ways: a bare echo
handler, the floor for any handler outside Dredd's process, and ours with Dredd's
connection waits shortened. A last section times single messages of a real API's size
(3, 7 and 25 KB) against each Python handler: round trips from a client that writes
the JSON and its newline apart, as Dredd does.

Ours runs twice: on this Python (`python -m flask_dredd.handler`, as dredd.yml says) and,
where pyenv has it, on the oldest Python the dredd-hooks-handler distribution supports
(`python3.8 -m dredd_hooks_handler`), for the same side-by-side figure there.

dredd-hooks-python 0.2.0 imports `imp`, so it needs Python 3.11 or older. Found as
$DREDD_HOOKS_PYTHON, .venv-bench/bin/dredd-hooks-python, .venv/bin/dredd-hooks-python
or on PATH; without it, its column is skipped with instructions.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "packages" / "dredd-hooks-handler"  # the handler's distribution
OLDEST = "3.8"  # the oldest Python dredd-hooks-handler supports
FIXTURES = Path(__file__).resolve().parent / "handler"
sys.path.insert(0, str(FIXTURES))
import contract  # noqa: E402 (the fixture folder is not a package)

DREDD = ROOT / "node_modules" / ".bin" / "dredd"
INSTALL_HINT = """\
dredd-hooks-python 0.2.0 not found. It needs Python <= 3.11 (it imports `imp`):
    python3.11 -m venv .venv-bench && .venv-bench/bin/pip install dredd_hooks==0.2.0
or point DREDD_HOOKS_PYTHON at its `dredd-hooks-python` script."""
TUNED = ["--hooks-worker-connect-retry", "20", "--hooks-worker-after-connect-wait", "0"]


@dataclass
class Way:
    """One way of running Dredd and the times it took."""

    label: str
    args: list[str]  # after `dredd BLUEPRINT URL`; {port} is a free port per run
    walls: list[float] = field(default_factory=list)
    tests: list[float] = field(default_factory=list)  # Dredd's own "Tests took"


def free_port() -> int:
    """A port nothing listens on now (the kernel's pick)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_dredd_hooks_python() -> str | None:
    """A dredd-hooks-python 0.2.0 command that runs (on Python 3.12+ it cannot), or None."""
    candidates = [
        os.environ.get("DREDD_HOOKS_PYTHON", ""),
        str(ROOT / ".venv-bench" / "bin" / "dredd-hooks-python"),
        str(ROOT / ".venv" / "bin" / "dredd-hooks-python"),
        shutil.which("dredd-hooks-python") or "",
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            probe = subprocess.run([candidate, "--help"], capture_output=True, timeout=60)
            if probe.returncode == 0:
                return candidate
            print(f"{candidate} does not run: {probe.stderr.decode()[-200:]}", file=sys.stderr)
    return None


def oldest_python() -> str | None:
    """pyenv's newest Python 3.8.x, or None."""
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    found = sorted(
        Path(root, "versions").glob(f"{OLDEST}.*/bin/python3"),
        key=lambda path: int(path.parts[-3].split(".")[-1]),
    )
    return str(found[-1]) if found else None


def python_path() -> str:
    """PYTHONPATH for every handler: the repository and the handler's distribution."""
    return os.pathsep.join([str(ROOT), str(PACKAGE)])


def start_server(port: int) -> subprocess.Popen[bytes]:
    """The contract server, answering once this returns."""
    proc = subprocess.Popen(
        [sys.executable, str(FIXTURES / "contract.py"), str(port)], stdout=subprocess.PIPE
    )
    assert proc.stdout is not None
    proc.stdout.readline()  # "serving": listening from here on
    return proc


def run_dredd(way: Way, workdir: Path, url: str) -> None:
    """Run Dredd once the way `way` says; record its times; stop on any failure."""
    port = str(free_port())
    args = [arg.replace("{port}", port) for arg in way.args]
    env = {**os.environ, "PYTHONPATH": python_path()}
    started = time.perf_counter()
    proc = subprocess.run(
        [str(DREDD), "bench.apib", url, "--reporter=dot", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    output = proc.stdout + proc.stderr
    took = re.search(r"Tests took (\d+)ms", output)
    passing = re.search(r"(\d+) passing, 0 failing, 0 errors", output)
    if proc.returncode != 0 or not took or not passing or int(passing[1]) != contract.RESOURCES:
        sys.exit(f"{way.label}: Dredd failed (exit {proc.returncode}):\n{output[-3000:]}")
    way.walls.append(wall)
    way.tests.append(int(took[1]) / 1000)


def ways(hooks_python: str | None) -> list[Way]:
    """The ways to run Dredd, in the order they are printed."""
    ours = f"{sys.executable} -m flask_dredd.handler --port {{port}}"
    python_args = ["--hookfiles=noop_hooks.py", "--hooks-worker-handler-port={port}"]
    found = [
        Way("no hooks", []),
        Way("no-op JavaScript hooks", ["--hookfiles=noop_hooks.js"]),
    ]
    if hooks_python:
        found.append(
            Way(
                "dredd-hooks-python 0.2.0",
                [f"--language={hooks_python} --port {{port}}"] + python_args,
            )
        )
    found.append(Way("flask_dredd.handler", [f"--language={ours}"] + python_args))
    oldest = oldest_python()
    if oldest:
        on_oldest = f"{oldest} -m dredd_hooks_handler --port {{port}}"
        found.append(Way(f"dredd-hooks-handler on {OLDEST}", [f"--language={on_oldest}"]
                         + python_args))  # fmt: skip
    echo = f"{sys.executable} {FIXTURES / 'echo_handler.py'} --port {{port}}"
    found.append(Way("floor: a bare echo handler*", [f"--language={echo}"] + python_args))
    found.append(
        Way(
            "flask_dredd.handler, short connect waits*",
            [f"--language={ours}"] + python_args + TUNED,
        )
    )
    return found


# ------------------------------------------------------------ single-message latency


def sample_messages() -> list[bytes]:
    """One transaction's three messages, shaped and sized as Dredd's for this blueprint."""
    body = json.dumps(contract.record(7, fields=40), indent=2)
    request = {"method": "GET", "uri": "/items/7", "headers": {"User-Agent": "Dredd/14.1.0"}}
    origin = {"apiName": "Bench API", "resourceName": "Item 7", "actionName": "Read item 7"}
    expected = {"headers": {"Content-Type": "application/json"}, "body": body, "statusCode": "200"}
    data = {
        "name": "Item 7 > Read item 7",
        "request": request,
        "expected": expected,
        "origin": origin,
    }
    real = {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": body}
    validated = {**data, "real": real, "results": {"fields": {"body": {"values": [body] * 4}}}}
    validated["test"] = {"status": "pass", "valid": True, "expected": expected, "actual": real}
    return [
        json.dumps({"event": event, "uuid": "0" * 36, "data": payload}).encode()
        for event, payload in [
            ("beforeEach", data),
            ("beforeEachValidation", {**data, "real": real}),
            ("afterEach", validated),
        ]
    ]


def round_trips(command: list[str], messages: list[bytes], repeat: int) -> list[float]:
    """Round-trip times (ms) of `messages`, each sent as Dredd does: JSON, then newline."""
    port = free_port()
    handler = subprocess.Popen(
        [*command, "--port", str(port), str(FIXTURES / "noop_hooks.py")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": python_path()},
    )
    try:
        assert handler.stdout is not None
        handler.stdout.readline()  # "Starting …"
        times = []
        with socket.create_connection(("127.0.0.1", port)) as sock:
            reader = sock.makefile("rb")
            for _ in range(repeat):
                for message in messages:
                    started = time.perf_counter()
                    sock.sendall(message)
                    sock.sendall(b"\n")
                    reader.readline()
                    times.append((time.perf_counter() - started) * 1000)
        return times
    finally:
        handler.terminate()
        handler.wait()


# ------------------------------------------------------------ main


def main() -> None:
    """Run every way `--rounds` times, interleaved, then print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    if not DREDD.exists():
        sys.exit(f"{DREDD} missing: run `npm ci` in {ROOT}")
    hooks_python = find_dredd_hooks_python()
    if not hooks_python:
        print(INSTALL_HINT, file=sys.stderr)
    all_ways = ways(hooks_python)
    with tempfile.TemporaryDirectory(prefix="handler-bench-") as tmp:
        workdir = Path(tmp)
        (workdir / "bench.apib").write_text(contract.blueprint())
        for name in ("noop_hooks.py", "noop_hooks.js"):
            shutil.copy(FIXTURES / name, workdir / name)
        server_port = free_port()
        server = start_server(server_port)
        try:
            for round_index in range(rounds):
                shift = round_index % len(all_ways)
                for way in all_ways[shift:] + all_ways[:shift]:
                    run_dredd(way, workdir, f"http://127.0.0.1:{server_port}")
                    times = f"{way.walls[-1]:.2f} s (tests {way.tests[-1]:.2f} s)"
                    print(f"round {round_index + 1}: {way.label}: {times}", flush=True)
        finally:
            server.terminate()
            server.wait()
    report(all_ways, rounds)
    latency(hooks_python)


def report(all_ways: list[Way], rounds: int) -> None:
    """Medians side by side, and each way's ratio to our handler."""
    ours = next(w for w in all_ways if w.label == "flask_dredd.handler")
    ours_wall, ours_tests = statistics.median(ours.walls), statistics.median(ours.tests)
    print(f"\n{contract.RESOURCES} transactions, median of {rounds} interleaved rounds")
    print(f"{'':44}{'wall':>8}{'÷ ours':>8}{'tests*':>9}{'÷ ours':>8}")
    for way in all_ways:
        wall, tests = statistics.median(way.walls), statistics.median(way.tests)
        ratios = f"{wall / ours_wall:8.2f}{tests:8.2f}s{tests / ours_tests:8.2f}"
        print(f"{way.label:44}{wall:7.2f}s{ratios}")
    print(
        "tests*: Dredd's own 'Tests took' (from starting the hooks handler to the last result;"
        "\n        excludes Node's start and the blueprint's parse, the same for every way)."
        "\nfloor*: a handler that echoes each line (no JSON, no hooks): what any"
        "\n        out-of-process handler costs Dredd 14.1.0 at the least."
        "\nshort connect waits*: " + " ".join(TUNED) + "\n        (Dredd otherwise waits 500 ms"
        " before its first connection attempt and 100 ms after it)."
    )


def latency(hooks_python: str | None) -> None:
    """Median round trip of one message, per event, for each Python handler."""
    messages = sample_messages()
    sizes = ", ".join(f"{len(m) / 1000:.0f} KB" for m in messages)
    events = "beforeEach, beforeEachValidation, afterEach"
    print(f"\nOne message round trip, median ms ({events}: {sizes})")
    commands = {"flask_dredd.handler": [sys.executable, "-m", "flask_dredd.handler"]}
    oldest = oldest_python()
    if oldest:
        commands[f"dredd-hooks-handler on {OLDEST}"] = [oldest, "-m", "dredd_hooks_handler"]
    if hooks_python:
        commands["dredd-hooks-python 0.2.0"] = [hooks_python]
    for label, command in commands.items():
        repeat = 10 if "0.2.0" in label else 100
        times = round_trips(command, messages, repeat)
        per_event = [statistics.median(times[i :: len(messages)]) for i in range(len(messages))]
        print(f"{label:44}" + "".join(f"{t:9.2f}" for t in per_event))


if __name__ == "__main__":
    main()
