"""The whole reference contract on PostgreSQL, the seed design's way against ours.

    .venv/bin/python bench/contract_bench.py [--rounds 2]

- seed design: the stock handler (dredd-hooks-python 0.2.0) with the `rebuild` reset
  (drop the schema, create the tables, stamp, seed — before every transaction);
- flask-dredd: our handler with the default `tracked` reset.

Both run `flask dredd run` exactly as `make dredd` does, taking turns round by round on
the same machine, and we time the Dredd phase (hooks included; the database and server
phases are the same for both). Prints each median and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from flask_dredd.reporting.xunit import read_xunit

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("FLASK_DREDD_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
DATABASE = f"{PG_SERVER}/eventapi_bench_contract"

#: Under the stock handler, hooks registered through engine helpers reach it too.
STOCK_BRIDGE = str(Path(__file__).resolve().parent / "stock_bridge")
STOCK = Path(sys.executable).parent / "dredd-hooks-python"  # dredd_hooks 0.2.0, Python <= 3.11
STOCK_PORT = 61329  # not ours (a free port per run) nor Dredd's default (61321)

WAYS = {
    "seed design (dredd-hooks-python 0.2.0 + rebuild)": (
        # Dredd's own options after `--` override the run's dredd.run.yml: the stock
        # handler instead of ours, on a port of its own.
        ["--", f"--language={STOCK} --port {STOCK_PORT}",
         f"--hooks-worker-handler-port={STOCK_PORT}"],
        {"FLASK_DREDD_RESET": "rebuild", "PYTHONPATH": STOCK_BRIDGE},
    ),
    "flask-dredd (our handler + tracked)": ([], {"FLASK_DREDD_RESET": "tracked"}),
}


def timed_run(args: list[str], env: dict[str, str], reports: Path) -> tuple[float, int]:
    """Seconds of the Dredd phase and the number of transactions that passed."""
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run(
        [str(flask), "--app", "eventapi", "dredd", "run", "--database-url", DATABASE,
         "--reports-dir", str(reports), *args],
        cwd=ROOT,
        # The documented transactions alone, as before issue #11: the stock handler cannot
        # arm derived ones (bench/setting_bench.py derived measures those).
        env={**os.environ, "EVENTAPI_CONFIG": "contract", "FLASK_DREDD_DERIVED": "0", **env},
        capture_output=True,
        text=True,
        timeout=1800,
    )  # fmt: skip
    if result.returncode != 0:
        sys.exit(f"contract run failed ({' '.join(args) or 'default'}):\n{result.stdout[-3000:]}"
                 f"{result.stderr[-3000:]}")  # fmt: skip
    run = json.loads((reports / "run.json").read_text())
    return run["phases"]["dredd"], read_xunit(reports / "dredd.xml").passed


def main() -> None:
    if not STOCK.exists():
        sys.exit(f"the stock handler is not installed ({STOCK}): pip install 'dredd_hooks==0.2.0' "
                 "(runs on Python 3.11 at the latest)")  # fmt: skip
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    rounds = parser.parse_args().rounds
    times: dict[str, list[float]] = {way: [] for way in WAYS}
    passed: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for round_number in range(rounds):
            for way, (args, env) in WAYS.items():
                seconds, passed[way] = timed_run(args, env, Path(tmp) / f"{round_number}")
                times[way].append(seconds)
                print(f"  round {round_number + 1}: {way}: {seconds:.1f} s", flush=True)
    (seed, ours) = (statistics.median(times[way]) for way in WAYS)
    print(f"\nWhole reference contract on PostgreSQL ({max(passed.values())} transactions, "
          f"median of {rounds}, Dredd phase):")  # fmt: skip
    for way in WAYS:
        print(f"  {way:<52} {statistics.median(times[way]):6.1f} s")
    print(f"  ratio: the seed design takes {seed / ours:.1f}x as long as flask-dredd")


if __name__ == "__main__":
    main()
