"""`--server-timeout` is a bound: the readiness probe never holds the run past it.

Issue 18: the probe's own 2 s connect and read timeouts ran past the limit, by up to
2 s, against a server that accepts connections (gunicorn's master binds the port before
any worker has loaded the app) but never answers.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from flask_dredd.run.server import GunicornServer, ServerStartError

ROOT = Path(__file__).resolve().parents[2]
MARGIN = 0.5  # seconds past the limit: the loop's last look and the error's log read


@pytest.mark.parametrize("timeout", [1.0, 2.1, 3.3])  # each probe used to take 2 s
def test_a_server_that_never_answers_fails_within_the_server_timeout(tmp_path, timeout):
    server = GunicornServer(
        "tests.engine.never_ready:app",
        workers=1,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        log_path=tmp_path / "server.log",
    )
    server.start()
    try:
        started = time.monotonic()
        with pytest.raises(ServerStartError, match=f"did not answer on {server.url} within"):
            server.wait_ready(timeout=timeout)
        waited = time.monotonic() - started
    finally:
        server.stop(timeout=2)
    assert timeout <= waited < timeout + MARGIN, f"{waited:.2f} s for a {timeout} s limit"
