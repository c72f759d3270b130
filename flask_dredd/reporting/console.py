"""The console reporter: progress lines while a run goes, the closing lines when it ends.

Every line is `[flask-dredd] <phase> <message>`, flushed at once so that a CI log
interleaves it correctly with Dredd's and gunicorn's output. On `RunFinished` it prints
the counts (`result_line`), every skip with its reason, every note the checks left
(an opt-out from exact comparison, a vacuous example: `Finding`s that did not fail,
grouped by kind) and every route left out of the contract.
"""

from __future__ import annotations

from flask_dredd.contract.derived import split_name
from flask_dredd.errors import EXIT_LABELS
from flask_dredd.reporting.events import Event, Events, Progress, RunFinished
from flask_dredd.reporting.html import HtmlReporter
from flask_dredd.reporting.results import RunReport, write_run_json
from flask_dredd.reporting.xunit import NOT_RUN


def progress(phase: str, message: str) -> None:
    print(f"[flask-dredd] {phase:<9} {message}", flush=True)


def result_line(report: RunReport) -> str:
    """`25 passed, 0 failed, 0 skipped, 76 not run of 101 transactions: aborted — <cause>`."""
    counts = (
        f"{report.count('passed')} passed, {report.count('failed')} failed, "
        f"{report.count('skipped')} skipped"
    )
    derived = sum(1 for row in report.rows if split_name(row.name or "") is not None)
    if report.cause is None:
        split = f" ({report.contract_total - derived} documented + {derived} derived)"
        return (
            f"{counts} of {report.contract_total} transactions{split if derived else ''} "
            f"(resets {report.reset_seconds:.1f} s)"
        )
    return (
        f"{counts}, {report.count(NOT_RUN)} not run of {report.contract_total} transactions: "
        f"{EXIT_LABELS.get(report.exit_code, 'aborted')} — {report.cause}"
    )


def closing_lines(report: RunReport) -> list[tuple[str, str]]:
    """The closing lines: counts, every skip with its reason, notes, exclusions."""
    lines = []
    if report.rows or report.cause is not None:
        lines.append(("result", result_line(report)))
    lines += [("skipped", f"{row.name}: {row.skip_reason or 'no reason recorded'}")
              for row in report.skips]  # fmt: skip
    notes = [(note.kind, f"{row.name}: {note.message}") for row in report.rows
             for note in row.notes]  # fmt: skip
    lines += sorted(notes, key=lambda line: line[0])  # by kind, stable: in run order
    lines += [("excluded", f"{rule}: {reason} (not in the contract)")
              for rule, reason in report.excluded.items()]  # fmt: skip
    return lines


class ConsoleReporter:
    """Prints every progress line, and the closing lines of a finished run."""

    def __call__(self, event: Event) -> None:
        if isinstance(event, Progress):
            progress(event.phase, event.message)
        elif isinstance(event, RunFinished):
            for phase, message in closing_lines(event.report):
                progress(phase, message)


def standard_events() -> Events:
    """A run's usual observers: the console, then index.html, then run.json."""
    events = Events([])
    events.observers += [ConsoleReporter(), HtmlReporter(events.progress), write_run_json]
    return events
