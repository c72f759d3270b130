"""What a run came to: its exit code, the cause of an abort, and reports that say so.

Exit codes of `flask dredd run`:

    0  every transaction passed
    1  the contract failed: at least one transaction failed
    2  setup or usage error: nothing ran (raised as RunError before any phase)
    3  aborted: a hung hook, a hooks handler that died, a stall, Dredd's time limit;
       some transactions did not run
    130 interrupted: Ctrl-C or SIGTERM

A run is never green unless every transaction of the compiled contract has a result:
a transaction with no record, or one the handler marked `not_run`, makes the run
aborted even when Dredd itself exited 0. After an abort `settle()` completes the
report: each transaction that did not run says why, and `dredd.xml` is rewritten
from the records when Dredd's is missing, cut short, or does not list them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask_dredd.contract.compiler import DocumentedTransaction
from flask_dredd.errors import (
    EXIT_ABORTED,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_LABELS,
    EXIT_PASSED,
    EXIT_SETUP,
)
from flask_dredd.reporting.events import TransactionResult
from flask_dredd.reporting.results import RunReport, collect
from flask_dredd.reporting.xunit import NOT_RUN, XUNIT_FILE, Case, write_xunit, xunit_problem
from flask_dredd.run.inflight import ABORT_FILE, abort_cause, read_abort
from flask_dredd.run.watchdog import Stop, Watched


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    cause: str | None = None  # why the run was aborted or interrupted

    @property
    def label(self) -> str:
        return EXIT_LABELS.get(self.exit_code, "contract failed")


@dataclass
class Conclusion:
    report: RunReport
    outcome: Outcome
    xunit_rewritten: str | None  # why dredd.xml was rewritten; None: Dredd's was kept


def conclude(
    reports: Path,
    contract: list[DocumentedTransaction],
    *,
    phases: dict[str, float],
    endpoint: str,
    dredd_exit: int | None,
    stop: Stop | None = None,
    interrupted: str | None = None,
) -> Conclusion:
    """Read what the run left in ``reports``, judge it, and make its reports honest."""
    report = collect(reports, phases, dredd_exit or 0, endpoint, contract)
    watched = Watched.in_folder(reports, [t.name for t in contract], endpoint)
    outcome = judge(
        dredd_exit=dredd_exit,
        stop=stop,
        interrupted=interrupted,
        abort_notice=read_abort(reports / ABORT_FILE),
        not_run=report.count(NOT_RUN),
        in_flight=watched.in_flight,
    )
    return Conclusion(report, outcome, settle(report, outcome, reports / XUNIT_FILE))


def judge(
    *,
    dredd_exit: int | None,
    stop: Stop | None,
    interrupted: str | None,
    abort_notice: dict[str, object] | None,
    not_run: int,
    in_flight: Callable[[], str],
) -> Outcome:
    """The run's exit code and cause, from the most specific evidence to the least.

    ``dredd_exit`` is None when Dredd never ran or was stopped; ``in_flight`` names what
    was in flight, read only when a cause needs it.
    """
    if interrupted is not None:
        return Outcome(EXIT_INTERRUPTED, f"stopped by {interrupted}")
    if abort_notice is not None and abort_notice.get("setup"):  # the wiring's: no app, no db…
        return Outcome(EXIT_SETUP, abort_cause(abort_notice))
    if abort_notice is not None:  # the handler's own word: the root of a later stall too
        return Outcome(EXIT_ABORTED, abort_cause(abort_notice))
    if stop is not None:
        return Outcome(EXIT_ABORTED, stop.cause)
    if not_run:
        return Outcome(
            EXIT_ABORTED,
            f"the hooks handler stopped on {in_flight()} and Dredd ended the run early "
            f"(Dredd exit {dredd_exit}); Dredd's output above shows how the handler exited",
        )
    return Outcome(EXIT_PASSED if dredd_exit == 0 else EXIT_FAILED)


def settle(report: RunReport, outcome: Outcome, xunit: Path) -> str | None:
    """Give ``report`` the outcome; rewrite ``xunit`` if it cannot be trusted as it is.

    Returns why the xunit report was rewritten, or None when Dredd's was kept.
    """
    report.exit_code, report.cause = outcome.exit_code, outcome.cause
    for row in report.rows:
        if row.status == NOT_RUN and not row.detail:
            row.detail = f"not run: {outcome.cause or 'no record of it'}"
    problem = xunit_problem(xunit)
    not_run = report.count(NOT_RUN)
    if problem is None and not not_run:
        return None
    cases = [Case(row.id or row.name, row.status, row.seconds, _detail(row)) for row in report.rows]
    try:
        write_xunit(xunit, cases, report.phases.get("dredd", 0.0))
    except OSError as exc:  # a report must never hide the run's verdict
        return f"could not rewrite {xunit} ({problem or 'not-run cases'}): {exc}"
    reason = problem or f"{not_run} transaction(s) did not run, written as errors, not skips"
    return f"{xunit} rewritten from the records: {reason}"


def _detail(row: TransactionResult) -> str:
    if row.status == NOT_RUN:
        return f"{row.name}: {row.detail}"  # the id alone (GET (200) /users/1) is ambiguous
    if row.status == "skipped":
        return row.skip_reason or row.detail
    return row.detail
