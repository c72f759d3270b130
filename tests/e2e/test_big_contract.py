"""A big contract runs to the end: Dredd's own start-up is not counted as a stall.

Issue 18: a 3,000-transaction blueprint compiled in 53 s; Dredd's own parse of it then
took more than 60 s, and the stall watchdog aborted the healthy run ("no transaction
progress for 60 s on <the first transaction>", 3,000 not run). The stall clock now starts
at the first transaction; the start-up (Dredd's parse, the handler's start and its
before_all) has a limit of its own scaled by the contract (`watchdog.startup_limit`).

The scale project (`bench/scale/generate.py`: 500 tables, 3,000 transactions) gets a
blueprint no earlier run compiled (a unique description), so both compile caches miss
and Dredd parses it itself, as on a first run. Minutes of wall time: marked `slow`
(and `longest`, so `make test` starts it first), still part of `make test`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")
sys.path.insert(0, str(ROOT / "bench" / "scale"))

from generate import generate  # noqa: E402

CACHE = ROOT / "node_modules" / ".cache" / "flask-dredd"


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.longest
def test_a_3000_transaction_contract_runs_with_no_stall_abort(tmp_path: Path):
    project = generate(tmp_path / "scale", tables=500, transactions=3000)
    blueprint = project / "apiary.apib"
    text = blueprint.read_text()
    blueprint.write_text(text.replace("for the scale bench.", f"for run {uuid.uuid4()}.", 1))
    cached = set(CACHE.glob("*")) if CACHE.exists() else set()
    try:
        done = subprocess.run(
            [FLASK, "--app", "scaleapp", "dredd", "run", "--workers", "1",
             "--database-url", f"sqlite:///{tmp_path / 'scale_contract.db'}",
             "--reports-dir", str(tmp_path / "reports"), "--server-timeout", "300"],
            cwd=project, env={**os.environ, "FLASK_DREDD_MIGRATIONS": "none"},
            capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
    finally:  # this blueprint's compiled copies are of no use to any later run
        for entry in set(CACHE.glob("*")) - cached:
            entry.unlink(missing_ok=True)
    output = done.stdout + done.stderr
    closing = [line for line in output.splitlines() if line.startswith("[flask-dredd] result")]
    assert done.returncode == 0, "\n".join(closing) or output[-5000:]
    assert closing and closing[0].startswith(
        "[flask-dredd] result    3000 passed, 0 failed, 0 skipped of 3000 transactions"
    ), output[-3000:]
    assert "no transaction progress" not in output and "did not start" not in output
