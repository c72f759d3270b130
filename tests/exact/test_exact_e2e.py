"""Exact comparison end to end: real Dredd, gunicorn and SQLite, through `flask dredd run`.

A blueprint of two exact examples of the reference API (a track, and the 404 of a track
whose event is in the trash), each run against the unchanged app and against one that
renames a track and an error code. Gavel passes the drift: the bodies keep their keys
and types. Exact comparison catches it with path-level messages; FLASK_DREDD_EXACT=0
gives Gavel's verdict back.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from flask_dredd.reports import Summary, read_xunit

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TRACK = "Programme > Track > Retrieve a Track"

BLUEPRINT = """\
FORMAT: 1A

# Exact examples

# Group Programme

## Track [/tracks/{id}]

+ Parameters
    + id: 1 (number) - The track's id.

### Retrieve a Track [GET]

+ Request

    + Headers

            Accept: application/json

+ Response 200 (application/json)

        {
          "id": 1,
          "event_id": 1,
          "name": "Track 1",
          "description": "",
          "created_at": "2026-01-01T09:00:00+00:00"
        }

+ Request Track of a trashed event

    + Headers

            Accept: application/json

+ Response 404 (application/json)

        {"error": {"status": 404, "code": "not_found", "message": "Track 1 was not found."}}
"""

VOLATILE = """\
from flask_dredd import matchers
from flask_dredd.declarations import volatile

volatile("$..created_at", matchers.DATETIME_UTC)
"""

DRIFTED = '''\
"""The reference API, with a track's name and the not-found code changed: same shapes."""

from eventapi import create_app


def create():
    app = create_app()

    @app.after_request
    def drift(response):
        body = response.get_json(silent=True)
        if isinstance(body, dict) and "name" in body:
            body["name"] = body["name"].replace("Track", "Room")
        if isinstance(body, dict) and "error" in body:
            body["error"]["code"] = "missing"
        if body is not None:
            response.set_data(app.json.dumps(body))
        return response

    return app
'''


@dataclass
class Run:
    exit_code: int
    output: str
    xunit: Summary
    reports: Path


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("exact")
    for part in ("dredd.yml", "hooks", "factories"):
        copy = shutil.copytree if (ROOT / part).is_dir() else shutil.copy
        copy(ROOT / part, root / part, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                          if (ROOT / part).is_dir() else {}))  # fmt: skip
    (root / "node_modules").symlink_to(ROOT / "node_modules")
    (root / "exact.apib").write_text(BLUEPRINT)
    (root / "hooks" / "exact_e2e_volatile.py").write_text(VOLATILE)
    (root / "drifted.py").write_text(DRIFTED)
    return root


def run(root: Path, name: str, app_spec: str, **env: str) -> Run:
    reports = root / f"reports-{name}"
    process = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "eventapi", "dredd", "run",
         "--blueprint", "exact.apib", "--app-spec", app_spec, "--workers", "1",
         "--reports-dir", str(reports), "--database-url",
         f"sqlite:///{root / f'{name}_contract.db'}"],
        cwd=root, env={**os.environ, "EVENTAPI_CONFIG": "contract", **env},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    output = process.stdout + process.stderr
    assert (reports / "dredd.xml").exists(), output
    return Run(process.returncode, output, read_xunit(reports / "dredd.xml"), reports)


def test_the_exact_examples_pass_on_the_unchanged_app(project: Path):
    done = run(project, "unchanged", "eventapi:create_app()")
    assert done.exit_code == 0, done.output
    assert (done.xunit.passed, done.xunit.failed) == (2, 0), done.output


def test_a_value_drift_gavel_passes_is_caught_with_its_path(project: Path):
    done = run(project, "drifted", "drifted:create()")
    assert done.exit_code == 1, done.output
    details = {case.title: case.detail for case in done.xunit.cases}
    assert (
        'Message:\n$.name: documented "Track 1", got "Room 1"\nRequest:'
        in details["GET (200) /tracks/1"]
    ), details
    assert '$.error.code: documented "not_found", got "missing"' in details["GET (404) /tracks/1"]
    # The HTML report lists each difference with its path, and the recorder saw the failure.
    page = (done.reports / "index.html").read_text()
    assert (
        "<li><code>$.error.code</code>: documented <b>&quot;not_found&quot;</b>, "
        "got <b>&quot;missing&quot;</b></li>"
    ) in page
    records = (done.reports / "transactions.jsonl").read_text()
    assert records.count('"status": "failed"') == 2, records


def test_exact_off_gives_gavels_verdict_back(project: Path):
    done = run(project, "off", "drifted:create()", FLASK_DREDD_EXACT="0")
    assert done.exit_code == 0, done.output
    assert (done.xunit.passed, done.xunit.failed) == (2, 0)
    effective = (done.reports / "dredd.run.yml").read_text()
    assert "exact_examples.py" not in effective
