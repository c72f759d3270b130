"""`flask dredd record` end to end: on a copy of the project under git, real Dredd, real
gunicorn, real SQLite and PostgreSQL.

The round trip: two examples of the committed reference blueprint are spoiled (a list's
body removed, an error's code renamed) and committed; recording those two transactions
must give back the reference text exactly (so it writes what the fixtures really make,
with the volatile placeholders, in the file's layout), touching no other line; then the
whole contract passes on the recorded copy.
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flask_dredd.contract.apib_text import find_examples, pair_with
from flask_dredd.contract.compiler import documented_transactions

from .conftest import ROOT, run_contract

pytestmark = pytest.mark.e2e

FLASK = str(Path(sys.executable).parent / "flask")
LIST_USERS = "Users > Users > List Users > Example 1"
UNKNOWN_EVENT = "Events > Event > Retrieve an Event > Example 2"
COPIED = (".gitignore", "apiary.apib", "dredd.yml", "eventapi", "hooks", "factories", "migrations")
GIT = ["git", "-c", "user.name=Record Test", "-c", "user.email=record@example.com"]


def spoil(text: str) -> str:
    """The reference blueprint with LIST_USERS's body gone and UNKNOWN_EVENT's code renamed."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("### List Users"))
    body = next(i for i in range(start, len(lines)) if lines[i] == "    + Body\n")
    end = next(i for i in range(body + 1, len(lines)) if lines[i].startswith("+ "))
    del lines[body:end]
    spoiled = "".join(lines)
    renamed = '"code": "not_found", "message": "Event 1 was not found."'
    first = spoiled.index("### Retrieve an Event [GET]")
    at = spoiled.index(renamed, first)
    wrong = renamed.replace("not_found", "no_such_event")
    return spoiled[:at] + wrong + spoiled[at + len(renamed) :]


def git(root: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=root, check=True, capture_output=True,
                          text=True).stdout  # fmt: skip


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the reference project with the spoiled blueprint, committed to git."""
    root = tmp_path / "project"
    root.mkdir()
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, root / name)
    (root / "node_modules").symlink_to(ROOT / "node_modules")
    (root / "apiary.apib").write_text(spoil((ROOT / "apiary.apib").read_text()))
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "spoiled")
    return root


def record(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FLASK, "--app", "eventapi", "dredd", "record", *args],
        cwd=root,
        env={**os.environ, "EVENTAPI_CONFIG": "contract"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def changed_old_lines(old: str, new: str) -> set[int]:
    matcher = difflib.SequenceMatcher(a=old.splitlines(), b=new.splitlines(), autojunk=False)
    return {i for tag, i1, i2, _, _ in matcher.get_opcodes() if tag != "equal"
            for i in (range(i1, i2) if i2 > i1 else [i1])}  # fmt: skip


def response_lines(text: str, name: str) -> set[int]:
    """The line numbers of `name`'s response in `text`, as record finds them."""
    examples = find_examples(text.splitlines())
    # The spoiled copy has the reference's transactions: only bodies differ.
    pair_with(examples, documented_transactions(ROOT / "apiary.apib", ROOT / "node_modules"))
    response = next(e.response for e in examples if e.name == name)
    return set(range(response.start, response.end + 1))


def round_trip(project: Path, tmp_path: Path, database_url: str, *chosen: str) -> None:
    spoiled = (project / "apiary.apib").read_text()
    result = record(project, *chosen, "--database-url", database_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"✎ {LIST_USERS}" in result.stdout and f"✎ {UNKNOWN_EVENT}" in result.stdout
    assert re.search(r"^record: wrote 2 of \d+ examples into apiary.apib", result.stdout, re.M)
    recorded = (project / "apiary.apib").read_text()
    # What the fixtures really make is what the reference blueprint documents...
    assert recorded == (ROOT / "apiary.apib").read_text()
    # ...and only the two transactions' responses changed.
    touched = changed_old_lines(spoiled, recorded)
    allowed = response_lines(spoiled, LIST_USERS) | response_lines(spoiled, UNKNOWN_EVENT)
    assert touched and touched <= allowed, sorted(touched - allowed)
    assert git(project, "status", "--porcelain") == " M apiary.apib\n"

    run = run_contract(tmp_path / "reports", database_url, cwd=project)
    assert run.exit_code == 0, run.output
    assert run.report is not None and run.report.failed == 0, run.output


def test_record_only_failing_round_trip_on_sqlite(project: Path, tmp_path: Path, sqlite_url: str):
    # Every transaction runs; only the two that fail are written.
    round_trip(project, tmp_path, sqlite_url, "--only-failing")


@pytest.mark.postgres
def test_record_round_trip_on_postgres(project: Path, tmp_path: Path, postgres_url: str):
    round_trip(project, tmp_path, postgres_url, LIST_USERS, UNKNOWN_EVENT)


def test_record_refuses_a_blueprint_with_uncommitted_changes(project: Path, sqlite_url: str):
    blueprint = project / "apiary.apib"
    blueprint.write_text(blueprint.read_text() + "\n")
    before = blueprint.read_text()
    result = record(project, LIST_USERS, "--database-url", sqlite_url)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "apiary.apib has uncommitted changes" in result.stderr
    assert "--force" in result.stderr
    assert "[flask-dredd] database" not in result.stdout  # nothing ran
    assert blueprint.read_text() == before


def test_record_names_the_nearest_transactions_for_an_unknown_name(project: Path):
    result = record(project, "Users > Users > List users > Example 1")
    assert result.returncode == 2
    assert f"did you mean {LIST_USERS!r}" in result.stderr, result.stderr


def test_a_transaction_whose_hook_fails_is_not_recorded(project: Path, sqlite_url: str):
    (project / "hooks" / "zz_broken.py").write_text(
        "import dredd_hooks as hooks\n\n\n"
        f"@hooks.before({LIST_USERS!r})\n"
        "def broken(transaction):\n"
        "    raise KeyError('id')\n"
    )
    before = (project / "apiary.apib").read_text()
    result = record(project, LIST_USERS, "--database-url", sqlite_url)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"✗ {LIST_USERS}: not run: " in result.stdout
    assert "hook broken raised KeyError: 'id'" in result.stdout
    summary = "record: wrote 0 of 1 examples into apiary.apib (0 unchanged, 1 not run)"
    assert summary in result.stdout
    assert (project / "apiary.apib").read_text() == before
