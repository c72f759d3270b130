"""Closed responses on a second API, not the reference one: the notes service's
`GET /users/{id}` starts answering with the user's password hash. Gavel passes it (the
example's keys are all there); the check `closed` fails the run naming the key as an
undocumented secret, without its value, and `extra_allowed` does not excuse it. An
undocumented CORS grant fails the same run by its header. (The unchanged service is green
with these defaults on: tests/adoption/test_new_project.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import new_project

pytestmark = pytest.mark.e2e

LEAK = '{"id": user.id, "email": user.email, "password_hash": user.password_hash}'
OPT_OUT = """
from flask_dredd.declarations import extra_allowed

extra_allowed("$.*", reason="admin clients read fields the examples leave out",
              only=["Users > User"])
"""
CORS = """

@bp.after_app_request
def grant(response):
    if request.path == "/notes" and request.method == "GET":
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response
"""


def test_a_leaked_password_hash_and_a_cors_grant_fail_the_run(tmp_path: Path) -> None:
    project = new_project(tmp_path, "fsqla")
    api = project.root / "notes" / "api.py"
    text = api.read_text()
    old = '{"id": user.id, "email": user.email}'
    assert old in text
    api.write_text(text.replace(old, LEAK) + CORS)
    (project.root / "hooks" / "opt_out.py").write_text(OPT_OUT)

    run = project.run_contract(f"sqlite:///{tmp_path / 'notes_contract.db'}")

    assert run.exit_code == 1, run.output
    assert run.report is not None, run.output
    failed = {case.title: case.detail for case in run.report.cases if case.status == "failed"}
    assert set(failed) == {"GET (200) /users/1", "GET (200) /notes"}, run.output
    assert "$.password_hash: undocumented secret" in failed["GET (200) /users/1"]
    assert 'header Access-Control-Allow-Origin: not documented, got "*"' in failed[
        "GET (200) /notes"]  # fmt: skip
    # The finding kept in the transaction's record names the key, never its value.
    records = [json.loads(line) for line in (project.root / "reports" / "transactions.jsonl")
               .read_text().splitlines()]  # fmt: skip
    [user] = [r for r in records if r["id"] == "GET (200) /users/1"]
    [secret] = [f for f in user["findings"] if f["kind"] == "undocumented secret"]
    assert (secret["check"], secret["where"], secret["actual"]) == (
        "closed", "$.password_hash", None)
    assert "pbkdf2" not in json.dumps(user["findings"]) and "scrypt" not in json.dumps(
        user["findings"])  # fmt: skip
