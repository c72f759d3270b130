"""Exact comparison end to end: real Dredd, gunicorn, SQLite and PostgreSQL, `flask dredd run`.

A blueprint of four exact examples of the reference API (opening a browser session as
JSON and as a form, a track, the 404 of a track whose event is in the trash), run
against the unchanged app and against one that drops HttpOnly from the session cookie
and renames a track and an error code. Gavel passes that drift: bodies keep their keys
and types, and it checks Set-Cookie for presence only. Exact comparison catches it,
with path-level messages, except where a declaration opts out; FLASK_DREDD_EXACT=0
gives Gavel's verdict back.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from flask_dredd import matchers
from flask_dredd.reporting.xunit import Summary, read_xunit

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
OPEN = "Auth > Session > Open a Session"
SESSION_BODY = (
    '{"user_id": 1, "created_at": "2026-01-01T09:00:00+00:00", '
    '"expires_at": "2026-01-01T09:00:00+00:00", "expires_in": 1800, '
    f'"csrf_token": "{matchers.token(64).placeholder}"}}'
)
COOKIE = "session=3q2-7wXQ8iM0m1sF6b3k9yZr4cJ5nV0aL2pD8eT6uHc; HttpOnly; Path=/; SameSite=Lax"

BLUEPRINT = (
    f"""\
FORMAT: 1A

# Exact examples

# Group Auth

## Session [/auth/session]

### Open a Session [POST]

+ Request (application/json)

    + Headers

            X-CSRFToken: <login csrf token>

    + Body

            {{"email": "ada@example.com", "password": "correct-horse-battery"}}

+ Response 201 (application/json)

    + Headers

            Set-Cookie: {COOKIE}
            Vary: Cookie

    + Body

            {SESSION_BODY}

+ Request From a form (application/x-www-form-urlencoded)

    + Body

            csrf_token=<login csrf token>&password=correct-horse-battery&email=ada%40example.com

+ Response 201 (application/json)

    + Headers

            Set-Cookie: {COOKIE}

    + Body

            {SESSION_BODY}

"""
    + """\
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
)

DECLARATIONS = f"""\
from flask_dredd import matchers
from flask_dredd.declarations import inexact, volatile, volatile_header

volatile("$..created_at", matchers.DATETIME_UTC)
volatile("$.expires_at", matchers.DATETIME_UTC)
volatile("$.csrf_token", matchers.token(64))
volatile_header("Set-Cookie", matchers.token(43), cookie="session")
# Example 1's `$.expires_in` is declared by the project's own hooks/auth.py, copied here.
inexact("{OPEN} > Example 2", reason="the form login is covered by its own suite")
"""

DRIFTED = '''\
"""The reference API, with a track's name, the not-found code and a cookie flag changed."""

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

    # The session cookie is set after after_request hooks: drop the flag on the way out.
    inner = app.wsgi_app

    def without_httponly(environ, start_response):
        def start(status, headers, exc_info=None):
            headers = [(k, v.replace("; HttpOnly", "")) for k, v in headers]
            return start_response(status, headers, exc_info)

        return inner(environ, start)

    app.wsgi_app = without_httponly
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
    (root / "hooks" / "exact_e2e_declarations.py").write_text(DECLARATIONS)
    (root / "drifted.py").write_text(DRIFTED)
    return root


def run(root: Path, name: str, app_spec: str, database_url: str = "", **env: str) -> Run:
    reports = root / f"reports-{name}"
    database_url = database_url or f"sqlite:///{root / f'{name}_contract.db'}"
    process = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "eventapi", "dredd", "run",
         "--blueprint", "exact.apib", "--app-spec", app_spec, "--workers", "1",
         "--reports-dir", str(reports), "--database-url", database_url],
        # The reference API is importable from the repository only (the wheel holds the
        # engine alone), and this project is a copy elsewhere.
        cwd=root, env={**os.environ, "EVENTAPI_CONFIG": "contract", "PYTHONPATH": str(ROOT),
                       **env},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    output = process.stdout + process.stderr
    assert (reports / "dredd.xml").exists(), output
    return Run(process.returncode, output, read_xunit(reports / "dredd.xml"), reports)


def test_the_exact_examples_pass_on_the_unchanged_app(project: Path):
    done = run(project, "unchanged", "eventapi:create_app()")
    assert done.exit_code == 0, done.output
    assert (done.xunit.passed, done.xunit.failed) == (4, 0), done.output
    # Opt-outs are listed like skips, in the closing lines and the HTML report.
    assert (
        f"[flask-dredd] opt-out   {OPEN} > Example 1: inexact at $.expires_in: "
        "seconds left count down while the request runs\n"
        f"[flask-dredd] opt-out   {OPEN} > Example 2: inexact: the form login is covered by "
        "its own suite\n"
    ) in done.output
    page = (done.reports / "index.html").read_text()
    reason = "seconds left count down while the request runs"
    assert (
        f'<div class="id note opt-out">opt-out: inexact at $.expires_in: {reason}</div>' in page
    )
    # The note is a finding in the transaction's record, not in a file of its own.
    records = [json.loads(line) for line in (done.reports / "transactions.jsonl").open()]
    found = [f for r in records if r["name"] == f"{OPEN} > Example 1" for f in r["findings"]]
    [note] = [f for f in found if f["kind"] == "opt-out"]
    assert (note["check"], note["kind"], note["severity"]) == ("exact-body", "opt-out", "note")
    assert not (done.reports / "exactness.jsonl").exists()


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_a_drift_gavel_passes_is_caught_with_its_path(project: Path, database: str, request):
    url = request.getfixturevalue("postgres_url") if database == "postgres" else ""
    done = run(project, f"drifted-{database}", "drifted:create()", url)
    assert done.exit_code == 1, done.output
    json_login, form_login, *_ = done.xunit.cases  # both are POST (201) /auth/session
    assert (
        "Message:\nheader Set-Cookie session: documented HttpOnly, got none\nRequest:"
        in json_login.detail
    ), json_login.detail
    # The form login is opted out: compared by shape only, so Gavel's pass stands.
    assert (json_login.status, form_login.status) == ("failed", "passed")
    details = {case.title: case.detail for case in done.xunit.cases[2:]}
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
    assert records.count('"status": "failed"') == 3, records
    # Each difference is a finding of its check in the transaction's record.
    first = json.loads(records.splitlines()[0])
    [cookie] = [f for f in first["findings"] if f["severity"] == "fail"]
    assert (cookie["check"], cookie["where"], cookie["expected"], cookie["actual"]) == (
        "exact-headers", "header Set-Cookie session", "HttpOnly", "none")  # fmt: skip


def test_exact_off_gives_gavels_verdict_back(project: Path):
    done = run(project, "off", "drifted:create()", FLASK_DREDD_EXACT="0")
    assert done.exit_code == 0, done.output
    assert (done.xunit.passed, done.xunit.failed) == (4, 0)
    # The engine's checks still run (state, follow-ups); the exact ones are off.
    effective = (done.reports / "dredd.run.yml").read_text()
    assert "hookfiles/checks.py" in effective
    records = [json.loads(line) for line in (done.reports / "transactions.jsonl").open()]
    assert not [f for r in records for f in r["findings"] if f["check"].startswith("exact")]
