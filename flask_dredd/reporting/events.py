"""What a run tells its observers, and what it produced: the vocabulary of the reports.

`run()` (`flask_dredd.run.runner`) does not print or write reports itself: it emits
typed events to its observers, and reporters render them (`reporting.console` the
progress and closing lines, `reporting.html` index.html, `reporting.results` run.json).
A new format is one more observer, with no change to the runner.

- `Progress`: one line of a phase's progress (a phase ended, a lock waited, …).
- `RunFinished`: the run is over; its `RunReport` holds one `TransactionResult` per
  transaction of the contract, and what run.json records.

`TransactionResult` is the one shape of what a run produced for a transaction, whether
read from xunit and the recorder's records (`reporting.results.collect`) or merged
from shards (`reporting.shards`); its `findings` are what the checks found
(`flask_dredd.checks`), failing or noted, rendered by every reporter alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask_dredd.checks.finding import Finding

if TYPE_CHECKING:
    from flask_dredd.reporting.results import RunReport


@dataclass
class TransactionResult:
    """What the run produced for one transaction."""

    name: str
    id: str
    status: str  # passed, failed, skipped, not run
    seconds: float  # Dredd's time for the request and its validation
    reset_ms: float | None = None
    duration_ms: float | None = None  # hooks included, from the recorder
    skip_reason: str | None = None
    detail: str = ""  # Dredd's failure text: message, request, expected, actual
    findings: list[Finding] = field(default_factory=list)  # what the checks found

    @property
    def notes(self) -> list[Finding]:
        """The findings that did not fail it: opt-outs, examples that prove little, …"""
        return [finding for finding in self.findings if not finding.fails]


@dataclass(frozen=True)
class Progress:
    """One progress line: `[flask-dredd] <phase> <message>`."""

    phase: str
    message: str


@dataclass(frozen=True)
class RunFinished:
    """The run is over: its report, where its files are, and what run.json records."""

    report: RunReport
    reports: Path  # the run's reports folder
    record: dict[str, Any]  # run.json's content


Event = Progress | RunFinished
Observer = Callable[[Event], None]


class Events:
    """The observers of one run; `emit` hands each event to each, in order."""

    def __init__(self, observers: list[Observer]) -> None:
        self.observers = observers

    def emit(self, event: Event) -> None:
        for observer in self.observers:
            observer(event)

    def progress(self, phase: str, message: str) -> None:
        self.emit(Progress(phase, message))
