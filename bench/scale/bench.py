"""The scale contract, one shard against `--parallel N`, side by side in one run.

Generates the scale project (`generate.py`: default 100 tables, 370 transactions) into
a temporary folder, then runs the whole contract there

1. as one run (`flask dredd run`), which records every transaction's duration;
2. as `flask dredd run --parallel N` (default 2), split by those recorded durations,

(the compiled blueprint cached for both, as after any first run) and prints both wall
times, the speed-up, the balance (the slowest shard's time over
the mean, from the merged run.json) and, from the recorded durations, the predicted
Dredd phase and wall time of 4, 8 and 16 shards on as many machines: the split
`flask dredd run --shard K/N` would make, its slowest shard's summed durations plus
Dredd's per-transaction gap, plus Dredd's start-up, measured by a third run of a shard
holding one action (see `predictions`).

`--database-url` runs on PostgreSQL instead of the default SQLite file (the URL's
database name must end in _contract or _test; shards get copies named after it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

from flask_dredd.contract.compile_cache import cached_compile  # noqa: E402
from flask_dredd.contract.compiler import documented_transactions  # noqa: E402
from flask_dredd.contract.reorder import parse  # noqa: E402
from flask_dredd.contract.shards import plan, read_timings  # noqa: E402

FLASK = str(Path(sys.executable).parent / "flask")


def run(project: Path, reports: Path, database_url: str, *args: str) -> tuple[float, int, str]:
    """Wall seconds, exit code and output of `flask --app scaleapp dredd run`."""
    command = [FLASK, "--app", "scaleapp", "dredd", "run", "--database-url", database_url,
               "--reports-dir", str(reports), "--server-timeout", "120", *args]  # fmt: skip
    env = {**os.environ, "FLASK_DREDD_MIGRATIONS": "none"}
    started = time.monotonic()
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    return time.monotonic() - started, done.returncode, done.stdout + done.stderr


def result_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("[flask-dredd] result")]
    return lines[-1].removeprefix("[flask-dredd] result").strip() if lines else "(no result)"


def predictions(
    project: Path, one: Path, alone: Path, counts: list[int]
) -> tuple[float, float, list[tuple[int, float, float]]]:
    """Dredd's start-up and per-transaction cost; (N, Dredd phase, wall) predicted.

    The recorded durations run from a transaction's first before_each hook to its last
    after_each hook; around them Dredd spends a fixed start-up (Node, the compile, the
    hooks handler's import, before_all) and a gap per transaction (its own validation
    and reporting). The start-up is what a shard of one action (``alone``) spends beyond
    its durations; the gap spreads the rest of run 1's Dredd phase over its transactions.
    """
    text = (project / "apiary.apib").read_text()
    compiled = documented_transactions(project / "apiary.apib", project / "node_modules")
    durations = read_timings(one / "transactions.jsonl")
    phases = json.loads((one / "run.json").read_text())["phases"]
    alone_run = json.loads((alone / "run.json").read_text())
    alone_names = [t["name"] for t in alone_run["transactions"]]
    startup = alone_run["phases"]["dredd"] - sum(durations[n] for n in alone_names)
    gap = max(0.0, (phases["dredd"] - startup - sum(durations.values())) / len(compiled))
    around = phases["total"] - phases["dredd"]  # contract, database, server: per machine
    found = []
    for count in counts:
        shards = plan(compiled, text, count, durations)
        slowest = max(sum(durations[compiled[p].name] + gap for p in s.positions) for s in shards)
        found.append((count, startup + slowest, around + startup + slowest))
    return startup, gap, found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=100)
    parser.add_argument("--transactions", type=int, default=370)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--database-url", help="PostgreSQL instead of a SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="flask-dredd-scale-") as tmp:
        project = generate(Path(tmp) / "scale", args.tables, args.transactions)
        url = args.database_url or f"sqlite:///{project / 'var' / 'scale_contract.db'}"
        print(f"scale contract: {args.tables} tables, {args.transactions} transactions "
              f"({'PostgreSQL' if args.database_url else 'SQLite'}), {os.cpu_count()} cores",
              flush=True)  # fmt: skip
        # Both runs find the blueprint compiled (contract/compile_cache.py), as every run
        # after the first does: the comparison is of the runs, not of one cold compile.
        apib, node_modules = project / "apiary.apib", project / "node_modules"
        compile_ = lambda: documented_transactions(apib, node_modules)  # noqa: E731
        cached_compile(apib.read_text(), node_modules, compile_, apib)
        one, parallel = project / "reports-1", project / f"reports-{args.parallel}"
        wall_1, code_1, out_1 = run(project, one, url)
        print(f"  1 shard:      {wall_1:6.1f} s wall, exit {code_1}: {result_line(out_1)}")
        if code_1 != 0:
            print(out_1[-4000:], file=sys.stderr)
            return code_1
        wall_n, code_n, out_n = run(project, parallel, url, "--parallel", str(args.parallel),
                                    "--timings", str(one / "transactions.jsonl"))  # fmt: skip
        print(f"  --parallel {args.parallel}: {wall_n:6.1f} s wall, exit {code_n}: "
              f"{result_line(out_n)}")  # fmt: skip
        if code_n != 0:
            print(out_n[-4000:], file=sys.stderr)
            return code_n
        merged = json.loads((parallel / "run.json").read_text())
        shards = ", ".join(f"{s['shard']} {s['seconds']:.1f} s" for s in merged["shards"])
        print(f"  speed-up:     {wall_1 / wall_n:.2f}x (target ≥ 1.6x on 2 cores)")
        print(f"  balance:      {merged['balance']:.2f} slowest / mean ({shards}; target ≤ 1.15)")
        phases = json.loads((one / "run.json").read_text())["phases"]
        print("  1 shard's phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()))
        actions = len(parse((project / "apiary.apib").read_text()).actions)
        alone = project / "reports-alone"
        run(project, alone, url, "--shard", f"1/{actions}",
            "--timings", str(one / "transactions.jsonl"))  # fmt: skip
        startup, gap, predicted = predictions(project, one, alone, [4, 8, 16])
        print(f"  Dredd phase model: start-up {startup:.1f} s (a shard of one action), "
              f"{gap * 1000:.0f} ms per transaction beyond its recorded duration")  # fmt: skip
        for count, dredd, wall in predicted:
            print(f"  predicted, {count:2} shards on {count} machines: Dredd phase {dredd:5.1f} s, "
                  f"wall {wall:5.1f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
