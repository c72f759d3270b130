"""`flask dredd drift`: does the contract catch deliberate drifts of the implementation?

A catalogue (API-specific, e.g. the project's `drift/catalogue.py`) lists drifts, each an
app factory wrapping the real app with one change: a renamed field, a changed status,
a removed route… Each is served and run against the whole contract, like `make dredd`
does, and checked with `flask dredd check`'s route rules. A drift is caught when Dredd
fails at least one transaction or the route check finds a problem; its verdict shows the
most telling failure (`most_telling`): a status mismatch before a value difference with
its path, and those before Gavel's schema notes, whatever order Dredd printed them in.
The unchanged app runs first as the control: if it fails, no verdict on a drift would
mean anything.

Runs go in parallel (`jobs`), each with its own SQLite database (a copy of one migrated
once for all) and reports folder. The drifts share the hook files, so only the control
probes their wiring (`run.wiring_probe`): a mistake there fails the control, and with it
the whole judgement.
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from flask.cli import ScriptInfo

from flask_dredd.authoring.check import Problem, route_problems
from flask_dredd.contract.compiler import DocumentedTransaction
from flask_dredd.contract.routes import app_routes
from flask_dredd.errors import FlaskDreddError
from flask_dredd.reporting.events import TransactionResult
from flask_dredd.reporting.results import collect, parse_failure


@dataclass(frozen=True)
class Drift:
    name: str  # "renamed field"
    app: str  # an app factory call, for gunicorn and `flask --app`: "drift.catalogue:x()"
    change: str  # what the drifted implementation does differently


@dataclass
class Verdict:
    drift: Drift
    exit_code: int
    failed: list[TransactionResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    output: str = ""

    @property
    def caught_by(self) -> list[str]:
        by = ["Dredd"] if self.failed else []
        return by + (["check"] if self.problems else [])

    def describe(self) -> str:
        if not self.caught_by:
            if self.exit_code != 0:  # Dredd failed without failing a transaction
                return f"RUN FAILED (exit {self.exit_code}):\n{self.output[-2000:]}"
            return "MISSED: the contract passes and the routes match"
        evidence = []
        if self.failed:
            row, reason = most_telling(self.failed)
            count = len(self.failed)
            evidence.append(f"{count} transaction(s) failed, e.g. {row.name!r}: {reason}")
        if self.problems:
            evidence.append(str(self.problems[0]))
        return f"caught by {' and '.join(self.caught_by)}: " + "; ".join(evidence)


#: How telling a line of a failure is, most telling first: a status mismatch, then a
#: value that differs (exact comparison: a count of items or an id before other values,
#: then a key the documentation does not declare, then a header's value), then Gavel's
#: notes on headers and on the body's schema.
_TELLING = [
    re.compile(r"^statusCode: "),
    re.compile(r"^\$\S*: documented \d+ items?, got |^\$\S*\.id: documented "),
    re.compile(r"^\$\S*: documented "),
    re.compile(r"^\$\S*: (not documented, got |undocumented secret$)"),
    re.compile(r"^header \S+"),
    re.compile(r"^headers: "),
    re.compile(r"^body: "),
]


def telling_rank(line: str) -> int:
    """0 for the most telling kind of failure line, len(_TELLING) for anything else."""
    return next((i for i, kind in enumerate(_TELLING) if kind.search(line)), len(_TELLING))


def most_telling(failed: list[TransactionResult]) -> tuple[TransactionResult, str]:
    """The failed transaction and the line of its failure that best says what drifted.

    Dredd's message lists Gavel's header notes first and the status last, so its first
    line is often a schema note when the status is what changed. Ties go to the first
    transaction in run order and its first such line.
    """
    best: tuple[int, int, TransactionResult, str] | None = None
    for position, row in enumerate(failed):
        lines = [line.strip() for line in parse_failure(row.detail).message.splitlines()]
        for line in filter(None, lines):
            candidate = (telling_rank(line), position, row, line)
            if best is None or candidate[:2] < best[:2]:
                best = candidate
    if best is None:
        return failed[0], ""
    return best[2], best[3]


class CatalogueError(FlaskDreddError, TypeError):
    """The drift catalogue cannot be imported, or its DRIFTS is not a list of Drift."""


def load_catalogue(module: str, root: Path) -> list[Drift]:
    """The `DRIFTS` list of a module of the project at `root`, e.g. `drift.catalogue`."""
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        drifts = getattr(importlib.import_module(module), "DRIFTS", None)
    except ImportError as exc:
        raise CatalogueError(str(exc)) from exc
    if not isinstance(drifts, list) or not all(isinstance(d, Drift) for d in drifts):
        raise CatalogueError(
            f"{module} must define DRIFTS, a list of flask_dredd.authoring.drift.Drift"
        )
    return drifts


def slug(name: str) -> str:
    return re.sub(r"\W+", "_", name).strip("_").lower() or "drift"


TEMPLATE = "template_contract.db"


def migrated_template(flask_app: str, root: Path, work: Path) -> Path:
    """One SQLite database migrated to head, which every run starts from a copy of.

    Migrating costs each run a Python process that imports the app (4-5 s under load);
    the runs share the one result instead.
    """
    template = work / TEMPLATE
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{template}", "PYTHONPATH": str(root)}
    command = [sys.executable, "-m", "flask", "--app", flask_app, "db", "upgrade"]
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"`flask --app {flask_app} db upgrade` failed:\n{done.stderr[-2000:]}")
    return template


def contract_run(
    drift: Drift, flask_app: str, root: Path, reports: Path, work: Path, control: bool = False
) -> Verdict:
    """`flask dredd run` against the drifted app, as `make dredd` runs the real one, on a
    copy of the migrated template."""
    started = time.monotonic()
    folder = reports / slug(drift.name)
    database = work / f"{slug(drift.name)}_contract.db"
    shutil.copyfile(work / TEMPLATE, database)
    command = [
        sys.executable, "-m", "flask", "--app", flask_app, "dredd", "run",
        "--app-spec", drift.app, "--workers", "1", "--reports-dir", str(folder),
        "--database-url", f"sqlite:///{database}", "--no-migrate",
    ]  # fmt: skip
    if not control:  # the drifts share the hooks: the control's probe of their wiring does
        command.append("--no-wiring-probe")
    process = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=900)
    report = collect(folder, {}, process.returncode, "")
    return Verdict(
        drift,
        process.returncode,
        failed=[row for row in report.rows if row.status == "failed"],
        seconds=time.monotonic() - started,
        output=process.stdout + process.stderr,
    )


def check_routes(
    drift: Drift,
    documented: list[DocumentedTransaction],
    excluded: Mapping[str, str] | None = None,
) -> list[Problem]:
    """`flask dredd check`'s route rules against the drifted app, loaded in this process."""
    app = ScriptInfo(app_import_path=drift.app).load_app()
    return route_problems(documented, app_routes(app), app.url_map.converters, excluded)


def run_catalogue(
    drifts: list[Drift],
    control: Drift,
    documented: list[DocumentedTransaction],
    *,
    flask_app: str,
    root: Path,
    reports: Path,
    jobs: int,
    on_verdict: Callable[[Verdict], None],
    excluded: Mapping[str, str] | None = None,
) -> tuple[Verdict, list[Verdict]]:
    """The control's verdict and each drift's, in catalogue order.

    A drift is caught by check only through problems the unchanged app does not have: a
    partial contract's known gaps (the control's own problems) are no evidence.
    """
    lock = threading.Lock()
    known = {str(problem) for problem in check_routes(control, documented, excluded)}

    def judge(drift: Drift) -> Verdict:
        verdict = contract_run(drift, flask_app, root, reports, work, drift is control)
        with lock:  # Flask app loading is not meant to run in several threads at once
            problems = check_routes(drift, documented, excluded)
            verdict.problems = [p for p in problems if str(p) not in known]
            on_verdict(verdict)
        return verdict

    with tempfile.TemporaryDirectory(prefix="flask-dredd-drift-") as tmp:
        work = Path(tmp)
        migrated_template(flask_app, root, work)
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            verdicts = list(pool.map(judge, [control, *drifts]))
    return verdicts[0], verdicts[1:]


def summary_line(verdicts: list[Verdict], seconds: float) -> str:
    caught = [v for v in verdicts if v.caught_by]
    by_dredd = sum(1 for v in caught if "Dredd" in v.caught_by)
    by_check = sum(1 for v in caught if "check" in v.caught_by)
    return (
        f"caught {len(caught)} of {len(verdicts)} drifts "
        f"(by Dredd {by_dredd}, by check {by_check}) in {seconds:.0f} s"
    )
