"""What one run did, transaction by transaction, for the summary lines and the HTML report.

Two sources, joined on Dredd's transaction id (`GET (404) /events/1`): the xunit report,
which CI reads and so decides the counts, and the recorder's JSON lines
(`flask_dredd.recorder`), which add each transaction's name, its reset time, the
reason of a declared skip and the checks' findings (opt-outs and vacuous examples among
them: notes that do not fail it).

Given the contract's compiled transactions, the rows are completed against them: a
transaction with no row, or whose record says the handler did not run it (`not_run`),
is "not run", so the counts always add up to the contract's total.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_dredd.checks.finding import findings_of
from flask_dredd.contract.compiler import DocumentedTransaction
from flask_dredd.reporting.events import Event, RunFinished, TransactionResult
from flask_dredd.reporting.xunit import NOT_RUN, Summary, read_xunit

#: The recorder's output, next to Dredd's xunit report.
RECORD_FILE = "transactions.jsonl"


@dataclass
class RunReport:
    rows: list[TransactionResult]
    phases: dict[str, float]  # seconds: database, server, dredd, total
    exit_code: int
    endpoint: str = ""
    title: str = "Contract run"
    total: int | None = None  # the contract's transactions; None: unknown, count the rows
    cause: str | None = None  # why the run was aborted or interrupted
    excluded: dict[str, str] = field(default_factory=dict)  # routes out of the contract: why

    @property
    def contract_total(self) -> int:
        return len(self.rows) if self.total is None else self.total

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def reset_seconds(self) -> float:
        return sum(row.reset_ms or 0 for row in self.rows) / 1000

    @property
    def skips(self) -> list[TransactionResult]:
        return [row for row in self.rows if row.status == "skipped"]


def collect(
    reports: Path,
    phases: dict[str, float],
    exit_code: int,
    endpoint: str,
    contract: list[DocumentedTransaction] | None = None,
) -> RunReport:
    """The report of the run whose files are in `reports`, completed against `contract`."""
    xunit_path = reports / "dredd.xml"
    try:
        xunit = read_xunit(xunit_path) if xunit_path.exists() else None
    except ET.ParseError:  # half written by a Dredd that was stopped: use the records
        xunit = None
    records = read_records(reports / RECORD_FILE)
    rows = build_rows(xunit, records)
    if contract is None:
        return RunReport(rows, phases, exit_code, endpoint)
    rows = complete_rows(rows, contract, by_name=bool(records))
    return RunReport(rows, phases, exit_code, endpoint, total=len(contract))


def complete_rows(
    rows: list[TransactionResult], contract: list[DocumentedTransaction], *, by_name: bool
) -> list[TransactionResult]:
    """One row per contract transaction, in contract order; missing ones "not run".

    Rows are matched by name when the recorder named them, else by position (Dredd runs
    the compiled transactions in order). A row matching no transaction is kept at the end.
    """
    if not by_name:
        ran = rows[: len(contract)]
        missing = [_not_run_row(t) for t in contract[len(ran) :]]
        return [*ran, *missing, *rows[len(contract) :]]
    pending: dict[str, list[TransactionResult]] = {}
    for row in rows:
        pending.setdefault(row.name, []).append(row)
    completed = [
        pending[t.name].pop(0) if pending.get(t.name) else _not_run_row(t) for t in contract
    ]
    return completed + [row for left in pending.values() for row in left]


def _not_run_row(transaction: DocumentedTransaction) -> TransactionResult:
    # The detail, "not run: <cause>", is filled in once the cause is known.
    return TransactionResult(name=transaction.name, id=transaction.id, status=NOT_RUN, seconds=0.0)


def read_records(path: Path) -> list[dict[str, Any]]:
    """The recorder's lines; a torn last line (a run stopped mid-write) is left out."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records


def build_rows(xunit: Summary | None, records: list[dict[str, Any]]) -> list[TransactionResult]:
    """One row per xunit test case, in run order, with what the recorder knows of it."""
    unused: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        unused.setdefault(str(record.get("id")), []).append(record)
    if xunit is None:  # Dredd wrote no report: the recorder's lines are all there is
        return [_row_from_record(r) for r in records]
    rows = []
    # A report the runner rewrote lists what did not run; that is no result to keep.
    for case in (c for c in xunit.cases if c.status != NOT_RUN):
        same_id = unused.get(case.title) or []
        record = same_id.pop(0) if same_id else {}
        not_run = record.get("not_run")
        rows.append(
            TransactionResult(
                name=str(record.get("name") or case.title),
                id=case.title,
                status=NOT_RUN if not_run else case.status,
                seconds=case.seconds if case.seconds == case.seconds else 0.0,  # NaN: skipped
                reset_ms=record.get("reset_ms"),
                duration_ms=record.get("duration_ms"),
                skip_reason=record.get("skip_reason"),
                detail=f"not run: {not_run}" if not_run else case.detail,
                findings=findings_of(record),
            )
        )
    return rows


def _row_from_record(record: dict[str, Any]) -> TransactionResult:
    not_run = record.get("not_run")
    return TransactionResult(
        name=str(record.get("name")),
        id=str(record.get("id")),
        status=NOT_RUN if not_run else str(record.get("status")),
        seconds=(record.get("duration_ms") or 0) / 1000,
        reset_ms=record.get("reset_ms"),
        duration_ms=record.get("duration_ms"),
        skip_reason=record.get("skip_reason"),
        detail=f"not run: {not_run}" if not_run else str(record.get("message") or ""),
        findings=findings_of(record),
    )


@dataclass
class Failure:
    """Dredd's failure text (xunit), split into its sections."""

    message: str = ""
    request: dict[str, str] = field(default_factory=dict)
    expected: dict[str, str] = field(default_factory=dict)
    actual: dict[str, str] = field(default_factory=dict)


_SECTION = re.compile(r"^(Message|Request|Expected|Actual):\s*$")
_KEY = re.compile(r"^(statusCode|headers|body|bodySchema|bodyEncoding|method|uri):[ ]?(.*)$")


def parse_failure(text: str) -> Failure:
    """`Message:\\n…\\n\\nRequest:\\n…\\nExpected:\\n…\\nActual:\\n…` → a Failure."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        match = _SECTION.match(line)
        if match:
            current = match.group(1)
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
    if not sections:  # not Dredd's layout: keep the text whole
        return Failure(message=text.strip())
    return Failure(
        message="\n".join(sections.get("Message", [])).strip(),
        request=_fields(sections.get("Request", [])),
        expected=_fields(sections.get("Expected", [])),
        actual=_fields(sections.get("Actual", [])),
    )


def _fields(lines: list[str]) -> dict[str, str]:
    found: dict[str, list[str]] = {}
    key = None
    for line in lines:
        match = _KEY.match(line)
        if match:
            key = match.group(1)
            found[key] = [match.group(2)] if match.group(2).strip() else []
        elif key is not None:
            found[key].append(line)
    return {k: "\n".join(v).strip("\n") for k, v in found.items()}


def finding_counts(report: RunReport) -> dict[str, dict[str, int]]:
    """How many findings of each kind the checks left, by severity: {"note": {"opt-out": 3}}."""
    counts: dict[str, dict[str, int]] = {}
    for row in report.rows:
        for finding in row.findings:
            kinds = counts.setdefault(finding.severity, {})
            kinds[finding.kind] = kinds.get(finding.kind, 0) + 1
    return counts


def write_run_json(event: Event) -> None:
    """The run.json reporter: what `RunFinished.record` holds, and the findings counted
    by severity and kind, into the reports folder."""
    if isinstance(event, RunFinished):
        record = {**event.record, "findings": finding_counts(event.report)}
        (event.reports / "run.json").write_text(json.dumps(record, indent=2))
