"""`--order shuffle` draws its seed, prints it and keeps it in run.json, so a failure that
shows only in that order replays with `--order shuffle:SEED`."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask_dredd.cli.run import seeded
from tests.adoption.stateproject import flask_dredd


def test_a_shuffle_without_a_seed_gets_a_new_one_each_run():
    drawn = {seeded("shuffle") for _ in range(5)}
    assert len(drawn) > 1 and all(re.fullmatch(r"shuffle:\d+", order) for order in drawn)
    assert seeded("shuffle:7") == "shuffle:7" and seeded("reverse") == "reverse"
    assert seeded(None) is None


def test_the_seed_is_printed_and_kept_in_run_json(state_project: Path):
    result = flask_dredd(state_project, "run", "--order", "shuffle")
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("[flask-dredd] contract"))
    printed = re.search(r", order (shuffle:\d+):", line)
    assert printed, line
    run = json.loads((state_project / "reports" / "run.json").read_text())
    assert run["order"] == printed.group(1)
