"""`make bench`: every speed claim of the project, measured side by side in one run.

1. the hooks handler: Dredd with no hooks, no-op JavaScript hooks, dredd-hooks-python
   0.2.0 and ours, on one blueprint with empty hooks (bench/handler_bench.py);
2. the reset strategies at 10 to 200 tables on PostgreSQL and SQLite
   (bench/reset_bench.py);
3. the whole reference contract on PostgreSQL, the seed design against ours
   (bench/contract_bench.py);
4. the whole reference contract with exact comparison of examples on and off, with
   and without the transactions derived from the policy, and with and without the
   compile cache (bench/setting_bench.py, one setting at a time);
5. the scale contract (370 transactions, 100 tables) as one shard and with
   `--parallel 2`, and the predicted time of 4, 8 and 16 CI shards
   (bench/scale/bench.py).

Pass --quick for a short smoke run of all of them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    rounds = "1" if quick else "2"
    steps = [
        ("hooks handler", ["handler_bench.py", *(["--rounds", "1"] if quick else [])]),
        ("reset strategies", ["reset_bench.py", *(["--quick"] if quick else [])]),
        ("whole contract", ["contract_bench.py", "--rounds", "1" if quick else "2"]),
        *(
            (f"setting: {setting}", ["setting_bench.py", setting, "--rounds", rounds])
            for setting in ("exact", "derived", "compile-cache")
        ),
        ("scale: shards", ["scale/bench.py", *(["--transactions", "120"] if quick else [])]),
    ]
    for title, (script, *args) in steps:
        print(f"\n=== {title} ({script}) ===", flush=True)
        code = subprocess.call([sys.executable, str(HERE / script), *args])
        if code != 0:
            print(f"{script} failed with status {code}", file=sys.stderr)
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
