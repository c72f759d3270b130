"""The API under gunicorn, as a child process the runner owns from start to stop.

Dredd's own ``--server`` option only sleeps a fixed time before testing; we start
gunicorn ourselves, wait for a real HTTP answer, and always stop the whole process
group, so no worker outlives the run.

What gunicorn serves when the app is named as `flask --app` names it: gunicorn takes
``module:app`` and ``module:create_app()`` itself, but not a bare module, which `flask
--app` resolves by looking for ``app``/``application`` or a ``create_app``/``make_app``
factory. The runner serves a bare module as ``flask_dredd.run.server:serve('module')``,
so the server and the hooks find the app the same way, once per gunicorn worker.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from flask import Flask
from flask.cli import ScriptInfo

from flask_dredd.errors import FlaskDreddError
from flask_dredd.run.lifetime import die_with_runner
from flask_dredd.run.ports import free_port

#: The longest one readiness probe waits (connect and answer), within the time left.
PROBE_TIMEOUT = 2.0


class ServerStartError(FlaskDreddError, RuntimeError):
    """The server exited or never answered; the message carries its log."""


def log_tail(path: Path, lines: int = 40) -> str:
    """The last ``lines`` lines of a log file, or a note that there is none."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no log was written)"
    return "\n".join(text.splitlines()[-lines:]) or "(the log is empty)"


class GunicornServer:
    """gunicorn serving ``app_spec`` (e.g. ``eventapi:create_app()``) on a free port."""

    def __init__(
        self,
        app_spec: str,
        *,
        workers: int,
        env: dict[str, str],
        log_path: Path,
        host: str = "127.0.0.1",
        port: int | None = None,
    ) -> None:
        self.app_spec = app_spec
        self.workers = workers
        self.env = env
        self.log_path = log_path
        self.host = host
        self.port = port or free_port(host)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def command(self) -> list[str]:
        # On SIGTERM the master waits this long for its workers before SIGKILL. A worker
        # still loading the app exits only once loaded (seconds on a busy machine), and a
        # stopped run has no request worth waiting for: keep the stop short.
        return [
            sys.executable, "-m", "gunicorn",
            "--workers", str(self.workers),
            "--bind", f"{self.host}:{self.port}",
            "--access-logfile", "-",
            "--graceful-timeout", "2",
            self.app_spec,
        ]  # fmt: skip

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            # A session of its own: Ctrl-C reaches the runner only, which then stops
            # the server deliberately, and killpg reaches every worker. SIGKILL of the
            # runner cannot be caught: the master gets SIGTERM then and stops its workers.
            self.process = subprocess.Popen(
                self.command(),
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_runner(),
            )

    def wait_ready(self, timeout: float = 30.0, probe_path: str = "/") -> float:
        """Block until the server answers any HTTP response; return the seconds waited.

        Never longer than ``timeout``: each probe's connect and read are bounded by the
        time left (a server that accepts but never answers held a 2 s probe past it).
        """
        assert self.process is not None, "start() first"
        started = time.monotonic()
        deadline = started + timeout
        while True:
            code = self.process.poll()
            if code is not None:
                raise ServerStartError(
                    f"gunicorn exited with status {code} before answering "
                    f"(log {self.log_path}):\n{log_tail(self.log_path)}"
                )
            if self._answers(probe_path, deadline):
                return time.monotonic() - started
            if time.monotonic() >= deadline:
                raise ServerStartError(
                    f"gunicorn did not answer on {self.url} within {timeout:.0f} s "
                    f"(log {self.log_path}):\n{log_tail(self.log_path)}"
                )
            time.sleep(max(0.0, min(0.05, deadline - time.monotonic())))

    def _answers(self, path: str, deadline: float) -> bool:
        """Whether the server answers before ``deadline`` (at most PROBE_TIMEOUT per try)."""

        def left() -> float:
            return min(PROBE_TIMEOUT, deadline - time.monotonic())

        if left() <= 0:
            return False
        conn = http.client.HTTPConnection(self.host, self.port, timeout=left())
        try:
            conn.connect()
            if left() <= 0 or conn.sock is None:
                return False
            conn.sock.settimeout(left())  # the read gets what the connect left, not afresh
            conn.request("GET", path)
            conn.getresponse().read()
            return True
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop gunicorn and all its workers; escalate to SIGKILL if they linger."""
        if self.process is None or self.process.poll() is not None:
            return
        stop_process_group(self.process, timeout)


def slow_start_hint(workers: int, timeout: float) -> str:
    """What to try when gunicorn is slow to answer: every worker imports the app."""
    cores = os.cpu_count() or 1
    return (
        f"each of the {workers} gunicorn workers imports the app on {cores} core(s); try "
        f"fewer workers (WORKERS={min(workers, 2 * cores) // 2 or 1}) or allow longer "
        f"than {timeout:.0f} s (--server-timeout / SERVER_TIMEOUT)"
    )


def stop_process_group(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """SIGTERM the process group led by ``process``, then SIGKILL after ``timeout``."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        # A frozen (SIGSTOPped) group would hold SIGTERM pending until the SIGKILL below.
        os.killpg(process.pid, signal.SIGCONT)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout)
    # Workers or grandchildren may outlive the leader; sweep the group either way.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def serve(import_path: str) -> Flask:
    """The app `flask --app import_path` would load."""
    return ScriptInfo(app_import_path=import_path, set_debug_flag=False).load_app()


def gunicorn_spec(import_path: str) -> str:
    """`module:app` and `module:create_app()` as they are; a bare module through `serve`."""
    if ":" in import_path:
        return import_path
    return f"flask_dredd.run.server:serve({import_path!r})"
