"""Beyond one response, end to end: a drift whose answers are right but whose state is
wrong fails on its post-condition and follow-up probe; a rule broken on one route fails
the transaction derived from the policy. Real Dredd, real gunicorn, real SQLite."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import run_contract

pytestmark = pytest.mark.e2e

DELETE = "Events > Event > Delete an Event > Example 1"
PATCH_NO_CSRF = "Events > Event > Update an Event > Example 5 [derived: no CSRF]"


def failures(run) -> dict[str, str]:
    assert run.report is not None, run.output
    return {c.title: c.detail for c in run.report.cases if c.status == "failed"}


def test_a_hard_delete_fails_its_post_condition_and_its_follow_up(tmp_path: Path, sqlite_url: str):
    reports = tmp_path / "reports"
    run = run_contract(reports, sqlite_url, "--app-spec", "drift.state:hard_delete()",
                       "--", "--only", DELETE)  # fmt: skip
    assert run.exit_code == 1, run.output
    [(title, detail)] = failures(run).items()
    assert "state after the request: table events, row id=1: expected to exist, not found" in detail
    assert "follow-up 'Events > Event > Retrieve a Trashed Event > Example 1'" in detail
    assert "status: documented 200, got 404" in detail
    html = (reports / "index.html").read_text(encoding="utf-8")
    assert "table events, row id=1: expected to exist, not found" in html


def test_csrf_dropped_on_one_method_fails_the_derived_transaction(tmp_path: Path, sqlite_url: str):
    run = run_contract(tmp_path / "reports", sqlite_url,
                       "--app-spec", "drift.policy:csrf_dropped_for_event_patch()",
                       "--", "--only", PATCH_NO_CSRF, "--only", DELETE)  # fmt: skip
    assert run.exit_code == 1, run.output
    found = failures(run)
    # Only the derived transaction fails: the delete, run beside it, is unchanged.
    assert list(found) == ["PATCH (403) /events/1"], run.output
    assert "Expected status code '403', but got '200'" in found["PATCH (403) /events/1"]
    assert re.search(r"of \d+ transactions \(107 documented \+ \d+ derived\)", run.output)


@pytest.mark.parametrize(
    ("drift", "derived", "expected", "got"),
    [
        ("speaker_unlinkable_by_anyone",
         "Programme > Talk Speaker > Remove a Speaker from a Talk > Example 1"
         " [derived: another user]",
         403, 204),
        ("speakers_list_accepts_unknown_parameters",
         "Speakers > Speakers > List Speakers [derived: unknown query parameter]", 400, 200),
        ("unknown_track_update_fails",
         "Programme > Track > Update a Track > Example 1 [derived: unknown id]", 404, 500),
        ("csrf_of_another_session_for_event_patch",
         "Events > Event > Update an Event > Example 5 [derived: another session's CSRF token]",
         403, 200),
    ],
)  # fmt: skip
def test_each_new_rule_broken_on_one_route_fails_its_derived_transaction(
    tmp_path: Path, sqlite_url: str, drift: str, derived: str, expected: int, got: int
):
    source = derived.rsplit(" [derived: ", 1)[0]
    run = run_contract(tmp_path / "reports", sqlite_url, "--app-spec", f"drift.policy:{drift}()",
                       "--", "--only", source, "--only", derived)  # fmt: skip
    assert run.exit_code == 1, run.output
    [detail] = failures(run).values()  # the derived one; its source still passes
    assert f"Expected status code '{expected}', but got '{got}'" in detail, run.output
