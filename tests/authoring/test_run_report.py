"""A real run with a declared skip and failures: summary, records and the HTML page.

The run serves `drift.catalogue:changed_status()` (creation answers 200, not 201) from a
copy of the project with one more hook file, skipping one transaction, so every count is
non-zero.
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

from flask_dredd.reporting.xunit import Summary, read_xunit

from .browser import Browser, chromium_path
from .conftest import ROOT

pytestmark = pytest.mark.e2e

SKIPPED = "Users > User > Retrieve a User > Example 2"
REASON = "token checks move to the gateway in issue 7"


@dataclass
class Expected:
    total: int
    failed: list[str]  # changed_status fails every documented 201, and only those

    @property
    def passed(self) -> int:
        return self.total - len(self.failed) - 1  # one skip


@pytest.fixture(scope="module")
def expected(documented) -> Expected:
    failed = [t.name for t in documented if t.status == 201]
    assert failed and SKIPPED in [t.name for t in documented if t.status != 201]
    return Expected(len(documented), failed)


@dataclass
class Run:
    exit_code: int
    output: str
    reports: Path
    xunit: Summary


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("project")
    for part in ("apiary.apib", "dredd.yml", "hooks", "factories", "drift"):
        copy = shutil.copytree if (ROOT / part).is_dir() else shutil.copy
        copy(ROOT / part, root / part)
    (root / "node_modules").symlink_to(ROOT / "node_modules")
    (root / "hooks" / "skips.py").write_text(
        f'from flask_dredd.declarations import skip\n\nskip("{SKIPPED}", reason="{REASON}")\n'
    )
    reports = root / "reports"
    process = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "eventapi", "dredd", "run",
         "--app-spec", "drift.catalogue:changed_status()", "--reports-dir", str(reports),
         "--database-url", f"sqlite:///{root / 'eventapi_contract.db'}"],
        # The reference API is importable from the repository only (the wheel holds the
        # engine alone), and this project is a copy elsewhere.
        cwd=root, env={**os.environ, "EVENTAPI_CONFIG": "contract", "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    output = process.stdout + process.stderr
    assert (reports / "dredd.xml").exists(), output
    return Run(process.returncode, output, reports, read_xunit(reports / "dredd.xml"))


def test_declared_skip_is_skipped_by_dredd_and_listed_with_its_reason(run: Run, expected):
    assert run.exit_code == 1, run.output  # the failures
    assert [c.title for c in run.xunit.cases if c.status == "skipped"] == ["GET (401) /users/1"]
    assert f"[flask-dredd] skipped   {SKIPPED}: {REASON}\n" in run.output
    assert (
        f"[flask-dredd] result    {expected.passed} passed, {len(expected.failed)} failed, "
        f"1 skipped of {expected.total} transactions" in run.output
    )


def test_every_transaction_is_recorded_with_its_name_and_reset_time(run: Run, expected):
    records = [json.loads(line) for line in (run.reports / "transactions.jsonl").open()]
    assert [r["id"] for r in records] == [c.title for c in run.xunit.cases]
    assert len({r["name"] for r in records}) == expected.total
    skipped = next(r for r in records if r["status"] == "skipped")
    assert (skipped["name"], skipped["skip_reason"]) == (SKIPPED, REASON)
    # Every transaction went through the project's reset, which takes time.
    assert all(r["reset_ms"] > 0 for r in records), records
    assert all(r["duration_ms"] >= r["reset_ms"] for r in records)
    run_json = json.loads((run.reports / "run.json").read_text())
    assert run_json["resets"] == pytest.approx(sum(r["reset_ms"] for r in records) / 1000)


@pytest.fixture(scope="module")
def browser() -> Browser:
    executable = chromium_path()
    if executable is None:
        pytest.fail(
            "Chromium is missing: `make test` installs it as root; otherwise run "
            "`sudo apt-get install -y chromium` (or set CHROMIUM=/path/to/chrome)"
        )
    opened = Browser(executable)
    yield opened
    opened.close()


def test_html_report_shows_the_runs_counts_and_logs_no_errors(
    run: Run, browser: Browser, expected: Expected
):
    browser.open((run.reports / "index.html").as_uri())
    counts = browser.evaluate(
        "Object.fromEntries([...document.querySelectorAll('#counts dd')]"
        ".map(dd => [dd.id, Number(dd.textContent)]))"
    )
    assert counts == {
        "count-total": len(run.xunit.cases),
        "count-passed": run.xunit.passed,
        "count-failed": run.xunit.failed,
        "count-skipped": run.xunit.skipped,
    }
    assert (run.xunit.passed, run.xunit.failed, run.xunit.skipped) == (
        expected.passed,
        len(expected.failed),
        1,
    )
    rows = browser.evaluate(
        "[...document.querySelectorAll('#transactions tbody tr')]"
        ".map(tr => [tr.cells[0].firstChild.textContent, tr.dataset.status])"
    )
    assert len(rows) == expected.total and [SKIPPED, "skipped"] in rows
    failures = browser.evaluate(
        "[...document.querySelectorAll('#failures .failure')]"
        ".map(f => [f.dataset.name, f.querySelector('tr.mismatch').textContent])"
    )
    assert failures == [[name, "statusexpected 201, actual 200"] for name in expected.failed]
    phases = browser.evaluate(
        "[...document.querySelectorAll('#phases tr[data-phase]')].map(tr => tr.dataset.phase)"
    )
    assert phases == ["database", "server start", "Dredd", "resets (within Dredd)", "total"]
    browser.screenshot(ROOT / "reports" / "index.png")
    # The filter shows the failed transactions only.
    browser.evaluate("document.querySelector('#filters [data-filter=failed]').click()")
    visible = browser.evaluate(
        "[...document.querySelectorAll('#transactions tbody tr')]"
        ".filter(tr => getComputedStyle(tr).display !== 'none').length"
    )
    assert visible == len(expected.failed)
    assert browser.errors() == []


def test_the_browser_hears_what_a_broken_page_logs(tmp_path: Path, browser: Browser):
    # The check above is only worth something if errors reach it.
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><img src="missing.png">'
        '<script>console.error("boom"); undefinedFunction();</script>'
    )
    browser.events.clear()
    browser.open(page.as_uri())
    errors = "\n".join(browser.errors())
    assert "boom" in errors and "undefinedFunction" in errors and "missing.png" in errors
