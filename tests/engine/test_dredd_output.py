"""A run passes Dredd's output on without the lines that never concern the contract;
`--verbose` shows them."""

from __future__ import annotations

import io
import os
from pathlib import Path

from flask_dredd.run.dredd_output import DreddOutput
from tests.adoption.stateproject import flask_dredd

NOISE = [
    "(node:4242) Warning: Accessing non-existent property 'padLevels' of module exports "
    "inside circular dependency\n",
    "(Use `node --trace-warnings ...` to show where the warning was created)\n",
    "\x1b[33mwarn\x1b[39m: Error connecting to the hooks handler process. Is the handler "
    "running? Retrying.\n",
    "\x1b[33mwarn\x1b[39m: API description parser warning in /p/reports/apiary.run.apib:12 "
    "(from line 12 column 3 to column 10): unexpected header\n",
]
KEPT = [
    "\x1b[31mfail\x1b[39m: GET (200) /state duration: 326ms\n",
    "warn: API description parser warning in /p/apiary.apib:12: unexpected header\n",
    "(node:4242) Warning: something else\n",
]


def relayed(lines: list[str]) -> tuple[str, DreddOutput]:
    read, write = os.pipe()
    sink = io.BytesIO()
    with os.fdopen(read, "rb") as source:
        output = DreddOutput(source, "/p/reports", sink)
        with os.fdopen(write, "wb") as dredd:
            dredd.write("".join(lines).encode())
        output.finish()
    return sink.getvalue().decode(), output


def test_noise_is_dropped_and_everything_else_passes_in_order():
    text, output = relayed([NOISE[0], KEPT[0], *NOISE[1:], *KEPT[1:]])
    assert text == "".join(KEPT)
    assert output.hidden_warnings == 1  # the copy's parser warning, counted for the run


def test_a_run_is_quiet_and_verbose_shows_dredds_own_lines(state_project: Path):
    quiet = flask_dredd(state_project, "run")
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert "padLevels" not in quiet.stdout + quiet.stderr and "Retrying" not in quiet.stdout
    assert "complete: 1 passing" in quiet.stdout.replace("\x1b[32m", "").replace("\x1b[39m", "")
    verbose = flask_dredd(state_project, "run", "--verbose")
    assert verbose.returncode == 0, verbose.stdout + verbose.stderr
    assert "padLevels" in verbose.stdout + verbose.stderr
