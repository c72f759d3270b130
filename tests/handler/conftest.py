"""Fixtures for the hooks handler's tests: a real handler process and a real TCP client."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import selectors
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from flask_dredd import hooks
from flask_dredd.run.ports import free_port  # drawn as a run draws its ports

ROOT = Path(__file__).resolve().parents[2]
#: The dredd-hooks-handler distribution's source: on the path of bare Pythons.
PACKAGE = ROOT / "packages" / "dredd-hooks-handler"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DREDD = ROOT / "node_modules" / ".bin" / "dredd"
STARTUP_TIMEOUT = 20.0  # seconds; generous for a loaded CI machine, never a measurement
#: The handler's oldest and newest Pythons, besides the one running the tests.
OLDEST_NEWEST = ("current", "3.8", "3.13")


def pyenv_root() -> str:
    """$PYENV_ROOT, else what `pyenv root` says, else ~/.pyenv."""
    if os.environ.get("PYENV_ROOT"):
        return os.environ["PYENV_ROOT"]
    if shutil.which("pyenv"):
        return subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
    return os.path.expanduser("~/.pyenv")


def pyenv_python(version: str) -> str | None:
    """The newest pyenv-installed `python3` of `version` (e.g. "3.13"), or None."""
    found = glob.glob(f"{pyenv_root()}/versions/{version}.*/bin/python3")
    found = [path for path in found if re.search(rf"/{re.escape(version)}\.\d+/bin/", path)]
    found.sort(key=lambda path: [int(n) for n in re.findall(r"\d+", path.split("/")[-3])])
    return found[-1] if found else None


def python_for(version: str) -> str:
    """The interpreter for `version` ("current": this one); skips the test, saying why,
    when pyenv has no such Python."""
    if version == "current":
        return sys.executable
    python = pyenv_python(version)
    if python is None:
        pytest.skip(f"no Python {version} under {pyenv_root()}/versions/{version}.*")
    return python


def handler_env(bare: bool = False, **extra: str) -> dict[str, str]:
    """The environment a handler process gets: ours, flask_dredd importable; `bare`: only
    the dredd-hooks-handler package on the path, as on a Python without the project."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("FLASK_DREDD_", "DREDD_HOOKS_"))
    }
    paths = [str(PACKAGE)] if bare else [str(ROOT), str(PACKAGE), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(paths).rstrip(os.pathsep)
    env.update(extra)
    return env


class Client:
    """Talks to the handler as Dredd 14.1.0 does: the JSON, then the newline, apart."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=STARTUP_TIMEOUT)
        self.reader = self.sock.makefile("rb")

    def send(self, event: str, data: Any, message_id: str | None = None) -> str:
        """Send one message; returns its uuid."""
        message_id = message_id or str(uuid.uuid4())
        self.sock.sendall(json.dumps({"event": event, "uuid": message_id, "data": data}).encode())
        self.sock.sendall(b"\n")
        return message_id

    def send_raw(self, raw: bytes) -> None:
        """Send bytes as they are (malformed messages, odd framing)."""
        self.sock.sendall(raw)

    def receive(self) -> dict[str, Any]:
        """The next reply, parsed; fails the test if the handler closed the connection."""
        line = self.reader.readline()
        assert line, "the handler closed the connection instead of answering"
        assert line.endswith(b"\n")
        return json.loads(line)

    def exchange(self, event: str, data: Any) -> dict[str, Any]:
        """Send one message and return the reply's data, after checking uuid and event."""
        message_id = self.send(event, data)
        reply = self.receive()
        assert reply["uuid"] == message_id
        assert reply["event"] == event
        assert set(reply) == {"event", "uuid", "data"}
        return reply["data"]

    def close(self) -> None:
        """Disconnect, as Dredd does at the end."""
        self.reader.close()
        self.sock.close()


class Handler:
    """A `python -m flask_dredd.handler` process; stdout is a pipe, stderr a file.

    On another Python than this one it is `python -m dredd_hooks_handler.handler`, with only
    that package on the path: the distribution alone, as a user of an older stack has it.
    """

    def __init__(
        self,
        cwd: Path,
        args: list[str],
        python: str = sys.executable,
        port_from_env: bool | str = False,
        recorder: bool = False,
        **env: str,
    ) -> None:
        self.cwd = cwd
        self.port = free_port()
        self.stderr_path = cwd / f"handler-{self.port}.stderr"
        self.stdout_lines: list[str] = []
        if port_from_env:  # True: the handler's own variable, else the one named
            variable = "DREDD_HOOKS_HANDLER_PORT" if port_from_env is True else port_from_env
            env[variable] = str(self.port)
        else:
            args = ["--port", str(self.port), *args]
        bare = python != sys.executable
        package = "dredd_hooks_handler" if bare else "flask_dredd"
        module = f"{package}.recorder" if recorder else f"{package}.handler"
        with self.stderr_path.open("wb") as stderr:
            self.proc = subprocess.Popen(
                [python, "-m", module, *args],
                cwd=cwd,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=handler_env(bare, **env),
            )
        self._clients: list[Client] = []

    def lost_the_port(self) -> bool:
        """Wait for `Starting` (False; fail with stderr if the process ends first), or
        True when the handler could not listen because another process took its free port
        between `free_port()` and the bind: tests run side by side, and gunicorn and other
        handlers pick free ports too."""
        line = self.read_line(STARTUP_TIMEOUT)
        if line is None and self.proc.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)
        if line is None and self.proc.poll() == 4 and "already in use" in self.stderr():
            return True
        assert line is not None and line.startswith("Starting"), (
            f"no 'Starting' (got {line!r}); exit {self.proc.poll()}; stderr:\n{self.stderr()}"
        )
        return False

    def read_line(self, timeout: float) -> str | None:
        """The next stdout line, or None at end of output or after `timeout` seconds."""
        assert self.proc.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.proc.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                return None
        line = self.proc.stdout.readline().decode()
        self.stdout_lines.append(line)
        return line or None

    def client(self) -> Client:
        """A connected client (closed at teardown)."""
        client = Client(self.port)
        self._clients.append(client)
        return client

    def stderr(self) -> str:
        """What the handler wrote on stderr so far."""
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def wait(self, timeout: float = STARTUP_TIMEOUT) -> int:
        """The exit status, once the process has ended."""
        return self.proc.wait(timeout)

    def stop(self) -> None:
        """End it (SIGTERM, then SIGKILL) and close everything."""
        for client in self._clients:
            client.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        assert self.proc.stdout is not None
        self.proc.stdout.close()


@pytest.fixture
def write_hooks(tmp_path: Path) -> Callable[..., Path]:
    """`write_hooks("name.py", code)`: a hook file in tmp_path (dedented), its path."""

    def write(name: str, code: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code), encoding="utf-8")
        return path

    return write


@pytest.fixture
def start_handler(tmp_path: Path) -> Iterator[Callable[..., Handler]]:
    """`start_handler(*args, wait=True, port_from_env=False, python=…, recorder=False,
    **env)`: a handler (the recorder) in tmp_path, on this Python unless `python` says."""
    started: list[Handler] = []

    def start(
        *args: str | Path,
        wait: bool = True,
        port_from_env: bool | str = False,
        python: str = sys.executable,
        recorder: bool = False,
        **env: str,
    ):
        args_ = [str(a) for a in args]
        for _ in range(3):
            handler = Handler(tmp_path, args_, python, port_from_env, recorder, **env)
            started.append(handler)
            if not wait or not handler.lost_the_port():
                return handler
        raise AssertionError("three handlers in a row lost their free port to other processes")

    yield start
    for handler in started:
        handler.stop()


@pytest.fixture
def fresh_registry(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[hooks.Registry]:
    """An empty registry in place of the global one, for hook files loaded in-process.

    Undone afterwards: the global registry, `dredd_hooks` in sys.modules, sys.path, and
    the modules loaded from tmp_path.
    """
    registry = hooks.Registry()
    monkeypatch.setattr(hooks, "registry", registry)
    monkeypatch.delitem(sys.modules, "dredd_hooks", raising=False)
    monkeypatch.syspath_prepend(str(ROOT))  # saves sys.path, restored at teardown
    yield registry
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", "") or "").startswith(str(tmp_path)):
            del sys.modules[name]


def deadline(seconds: float) -> Callable[[], bool]:
    """A clock for polling loops: call it to know whether time is left."""
    end = time.monotonic() + seconds
    return lambda: time.monotonic() < end
