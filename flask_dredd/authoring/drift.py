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
once for all, in a temporary work folder) and reports folder. The drifts share the hook
files, so only the control probes their wiring (`run.wiring_probe`): a mistake there
fails the control, and with it the whole judgement.

Drift owns its children as a run owns its own (`drift_runs`): each in a session of its
own, tied to drift's life; Ctrl-C or SIGTERM stops every one (SIGTERM, then SIGKILL
after 3 s), removes the work folder and ends drift with
:class:`~flask_dredd.run.lifetime.Interrupted` (the command's exit 130).
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from flask.cli import ScriptInfo

from flask_dredd.authoring.check import Problem, route_problems
from flask_dredd.authoring.drift_runs import POLL, Sessions, work_folder
from flask_dredd.contract.compiler import DocumentedTransaction
from flask_dredd.contract.routes import app_routes
from flask_dredd.errors import FlaskDreddError
from flask_dredd.reporting.events import TransactionResult
from flask_dredd.reporting.results import collect, parse_failure
from flask_dredd.run.lifetime import interruptible


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
#: The longest one contract run (or the template's migration) may take before it is stopped.
RUN_LIMIT = 900.0


def migrated_template(flask_app: str, root: Path, work: Path, sessions: Sessions) -> Path:
    """One SQLite database migrated to head, which every run starts from a copy of.

    Migrating costs each run a Python process that imports the app (4-5 s under load);
    the runs share the one result instead.
    """
    template = work / TEMPLATE
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{template}", "PYTHONPATH": str(root)}
    command = [sys.executable, "-m", "flask", "--app", flask_app, "db", "upgrade"]
    log = work / "migrate.log"
    if sessions.wait(sessions.start(command, cwd=root, env=env, log=log), RUN_LIMIT) != 0:
        output = log.read_text(encoding="utf-8", errors="replace")
        raise RuntimeError(f"`flask --app {flask_app} db upgrade` failed:\n{output[-2000:]}")
    return template


def start_run(drift: Drift, flask_app: str, root: Path, reports: Path, work: Path,
              sessions: Sessions, control: bool = False) -> subprocess.Popen[bytes]:  # fmt: skip
    """`flask dredd run` against the drifted app, as `make dredd` runs the real one, on a
    copy of the migrated template; its output goes to ``<work>/<slug>.log``."""
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
    log = work / f"{slug(drift.name)}.log"
    return sessions.start(command, cwd=root, env=dict(os.environ), log=log)


def run_verdict(drift: Drift, exit_code: int, reports: Path, work: Path, seconds: float
                ) -> Verdict:  # fmt: skip
    """What one finished run says of its drift: Dredd's failed transactions and its output."""
    report = collect(reports / slug(drift.name), {}, exit_code, "")
    output = (work / f"{slug(drift.name)}.log").read_text(encoding="utf-8", errors="replace")
    return Verdict(
        drift,
        exit_code,
        failed=[row for row in report.rows if row.status == "failed"],
        seconds=seconds,
        output=output,
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
    on_note: Callable[[str], None] = lambda note: None,
) -> tuple[Verdict, list[Verdict]]:
    """The control's verdict and each drift's, in catalogue order.

    A drift is caught by check only through problems the unchanged app does not have: a
    partial contract's known gaps (the control's own problems) are no evidence.

    At most ``jobs`` runs at a time, all started and waited for from this thread. Ctrl-C
    or SIGTERM raises :class:`~flask_dredd.run.lifetime.Interrupted` once every child
    has stopped and the work folder is gone.
    """
    known = {str(problem) for problem in check_routes(control, documented, excluded)}
    sessions = Sessions()
    everything = [control, *drifts]
    verdicts: dict[int, Verdict] = {}
    with interruptible(), work_folder(on_note) as work:
        try:
            migrated_template(flask_app, root, work, sessions)
            waiting = list(enumerate(everything))
            running: dict[subprocess.Popen[bytes], tuple[int, float]] = {}
            while waiting or running:
                while waiting and len(running) < jobs:
                    index, drift = waiting.pop(0)
                    on_note(f"started {drift.name}")
                    process = start_run(drift, flask_app, root, reports, work, sessions,
                                        drift is control)  # fmt: skip
                    running[process] = (index, time.monotonic())
                for process in sessions.ended():
                    index, started = running.pop(process)
                    drift = everything[index]
                    seconds = time.monotonic() - started
                    verdict = run_verdict(drift, process.returncode, reports, work, seconds)
                    problems = check_routes(drift, documented, excluded)
                    verdict.problems = [p for p in problems if str(p) not in known]
                    verdicts[index] = verdict
                    on_verdict(verdict)
                overdue = [p for p, (_, t) in running.items() if time.monotonic() - t > RUN_LIMIT]
                sessions.stop(overdue)  # each then ends like any run, with its exit code
                time.sleep(POLL)
        except BaseException:
            sessions.stop()  # before the work folder, which their databases are in, goes
            raise
    return verdicts[0], [verdicts[i] for i in range(1, len(everything))]


def summary_line(verdicts: list[Verdict], seconds: float) -> str:
    caught = [v for v in verdicts if v.caught_by]
    by_dredd = sum(1 for v in caught if "Dredd" in v.caught_by)
    by_check = sum(1 for v in caught if "check" in v.caught_by)
    return (
        f"caught {len(caught)} of {len(verdicts)} drifts "
        f"(by Dredd {by_dredd}, by check {by_check}) in {seconds:.0f} s"
    )
