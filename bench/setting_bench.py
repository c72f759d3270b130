"""What one setting costs or saves: the whole reference contract with it on and off.

    .venv/bin/python bench/setting_bench.py SETTING [--rounds 2] [--database-url URL]

SETTING is one of flask-dredd's on/off settings:

- `exact`: every response compared with its documented example in the hooks handler
  (`0`: Gavel's checks alone);
- `derived`: the policy's negative transactions derived into the run's contract
  (`0`: the documented transactions alone);
- `compile-cache`: compiled contracts kept between runs, for the preflight and for
  Dredd's own compile (`0`: both compile every time). The first round fills the cache.

Both ways run `flask dredd run` exactly as `make dredd` does (our handler, the default
reset), taking turns round by round on the same machine; only the setting's
environment variable differs. We time the whole run and the Dredd phase, and print
each median, the transaction counts and the ratio. A run whose transactions fail is
still timed (the work was done), and its counts are printed beside it.
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
from flask_dredd.settings import BY_KEY

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get("FLASK_DREDD_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
SETTINGS = ("exact", "derived", "compile-cache")


def timed_run(variable: str, value: str, database_url: str, reports: Path) -> dict[str, float]:
    """Seconds of the whole run and of the Dredd phase, transactions passed and failed."""
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run(
        [str(flask), "--app", "eventapi", "dredd", "run", "--database-url", database_url,
         "--reports-dir", str(reports)],
        cwd=ROOT,
        env={**os.environ, "EVENTAPI_CONFIG": "contract", variable: value},
        capture_output=True,
        text=True,
        timeout=1800,
    )  # fmt: skip
    if result.returncode not in (0, 1) or not (reports / "dredd.xml").exists():
        sys.exit(f"contract run failed ({variable}={value}):\n{result.stdout[-3000:]}"
                 f"{result.stderr[-3000:]}")  # fmt: skip
    phases = json.loads((reports / "run.json").read_text())["phases"]
    summary = read_xunit(reports / "dredd.xml")
    return {"total": phases["total"], "dredd": phases["dredd"],
            "passed": summary.passed, "failed": summary.failed}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("setting", choices=SETTINGS)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--database-url", help="default: a PostgreSQL database of its own")
    args = parser.parse_args()
    variable = BY_KEY[args.setting].variable
    database_url = args.database_url or (
        f"{PG_SERVER}/eventapi_bench_{args.setting.replace('-', '_')}_contract"
    )
    ways = {f"{args.setting} on": "1", f"{args.setting} off ({variable}=0)": "0"}
    runs: dict[str, list[dict[str, float]]] = {way: [] for way in ways}
    with tempfile.TemporaryDirectory() as tmp:
        for round_number in range(args.rounds):
            for way, value in ways.items():
                reports = Path(tmp) / f"{round_number}-{value}"
                run = timed_run(variable, value, database_url, reports)
                runs[way].append(run)
                print(f"  round {round_number + 1}: {way}: {run['total']:.1f} s, Dredd "
                      f"{run['dredd']:.1f} s ({run['passed']:.0f} passed, "
                      f"{run['failed']:.0f} failed)", flush=True)  # fmt: skip

    def median(way: str, phase: str) -> float:
        return statistics.median(run[phase] for run in runs[way])

    print(f"\nWhole reference contract, median of {args.rounds}:")
    for way in ways:
        last = runs[way][-1]
        print(f"  {way:<45} {median(way, 'total'):6.1f} s (Dredd {median(way, 'dredd'):5.1f} s; "
              f"{last['passed']:.0f} passed, {last['failed']:.0f} failed)")  # fmt: skip
    on, off = ways
    for phase in ("total", "dredd"):
        ratio = median(on, phase) / median(off, phase)
        print(f"  ratio, {phase}: with {args.setting} on, {ratio:.2f}x as long "
              f"({(ratio - 1) * 100:+.0f}%)")  # fmt: skip


if __name__ == "__main__":
    main()
