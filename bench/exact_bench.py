"""What exact comparison costs: the whole reference contract with it on and off.

    .venv/bin/python bench/exact_bench.py [--rounds 2] [--database-url URL]

Both ways run `flask dredd run` exactly as `make dredd` does (our handler, the default
reset), taking turns round by round on the same machine; only FLASK_DREDD_EXACT differs
(1: every response compared with its documented example in the hooks handler; 0:
Gavel's checks alone). We time the Dredd phase, which holds all of the comparison's
work, and print each median and the ratio. A run whose transactions fail is still timed
(the comparison did its work), and its counts are printed beside it.
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
WAYS = {"exact comparison on": "1", "exact comparison off (FLASK_DREDD_EXACT=0)": "0"}


def timed_run(exact: str, database_url: str, reports: Path) -> tuple[float, int, int]:
    """Seconds of the Dredd phase, transactions passed, transactions failed."""
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run(
        [str(flask), "--app", "eventapi", "dredd", "run", "--database-url", database_url,
         "--reports-dir", str(reports)],
        cwd=ROOT,
        env={**os.environ, "EVENTAPI_CONFIG": "contract", "FLASK_DREDD_EXACT": exact},
        capture_output=True,
        text=True,
        timeout=1800,
    )  # fmt: skip
    if result.returncode not in (0, 1) or not (reports / "dredd.xml").exists():
        sys.exit(f"contract run failed (FLASK_DREDD_EXACT={exact}):\n{result.stdout[-3000:]}"
                 f"{result.stderr[-3000:]}")  # fmt: skip
    run = json.loads((reports / "run.json").read_text())
    summary = read_xunit(reports / "dredd.xml")
    return run["phases"]["dredd"], summary.passed, summary.failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--database-url",
        default=f"{PG_SERVER}/eventapi_bench_exact_contract",
        help="the database both ways use (default: PostgreSQL, as the contract bench)",
    )
    args = parser.parse_args()
    times: dict[str, list[float]] = {way: [] for way in WAYS}
    counts: dict[str, tuple[int, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for round_number in range(args.rounds):
            for way, exact in WAYS.items():
                reports = Path(tmp) / f"{round_number}-{exact}"
                seconds, passed, failed = timed_run(exact, args.database_url, reports)
                times[way].append(seconds)
                counts[way] = (passed, failed)
                print(f"  round {round_number + 1}: {way}: {seconds:.1f} s "
                      f"({passed} passed, {failed} failed)", flush=True)  # fmt: skip
    on, off = (statistics.median(times[way]) for way in WAYS)
    print(f"\nWhole reference contract, median of {args.rounds}, Dredd phase:")
    for way in WAYS:
        passed, failed = counts[way]
        print(f"  {way:<45} {statistics.median(times[way]):6.1f} s  "
              f"({passed} passed, {failed} failed)")  # fmt: skip
    print(f"  ratio: with exact comparison the contract takes {on / off:.2f}x as long "
          f"({(on / off - 1) * 100:+.0f}%)")  # fmt: skip


if __name__ == "__main__":
    main()
