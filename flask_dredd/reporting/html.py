"""`reports/index.html`: one self-contained page about a run, written after Dredd ends.

Counts, each transaction's name, status and times, the expected-versus-actual
difference of every failure, and the time of each phase. No external resources: the
page opens from a CI artifact as it is.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from html import escape
from pathlib import Path
from string import Template

from flask_dredd.exact.transaction import parse_difference
from flask_dredd.reporting.events import Event, RunFinished, TransactionResult
from flask_dredd.reporting.results import Failure, RunReport, parse_failure

TEMPLATE = Path(__file__).with_name("templates") / "report.html"
PHASES = (("database", "database"), ("server", "server start"), ("dredd", "Dredd"))


def write_html_report(report: RunReport, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(report), encoding="utf-8")
    return path


class HtmlReporter:
    """Writes `index.html` when a run finishes, and says where (or why it could not)."""

    def __init__(self, note: Callable[[str, str], None]) -> None:
        self.note = note  # a progress line: (phase, message)

    def __call__(self, event: Event) -> None:
        if not isinstance(event, RunFinished):
            return
        try:
            path = write_html_report(event.report, event.reports / "index.html")
        except OSError as exc:  # a report must never hide Dredd's verdict
            self.note("report", f"could not write index.html: {exc}")
        else:
            self.note("report", f"{path}")


def render(report: RunReport) -> str:
    failures = [row for row in report.rows if row.status == "failed"]
    meta = f"exit status {report.exit_code}"
    if report.cause:  # aborted or interrupted: what the closing line said
        meta += f", {report.count('not run')} not run: {report.cause}"
    if report.endpoint:
        meta += f" · server {report.endpoint}"
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        title=escape(report.title),
        meta=escape(meta),
        exit_code=report.exit_code,
        total=len(report.rows),
        passed=report.count("passed"),
        failed=report.count("failed"),
        skipped=report.count("skipped"),
        phase_rows=_phase_rows(report),
        transaction_rows="\n".join(_transaction_row(row) for row in report.rows),
        failures="\n".join(_failure_block(row) for row in failures)
        or '<p class="none">No failures.</p>',
        excluded=_excluded(report),
    )


def _excluded(report: RunReport) -> str:
    """The routes left out of the contract, each with its reason (none: nothing)."""
    if not report.excluded:
        return ""
    items = "".join(
        f"<li><code>{escape(rule)}</code>: {escape(reason)}</li>"
        for rule, reason in report.excluded.items()
    )
    return f'<h2>Left out of the contract</h2>\n<ul id="excluded">{items}</ul>'


def _phase_rows(report: RunReport) -> str:
    longest = max(report.phases.get("total", 0.0), 1e-9)
    rows = []
    measured = [(label, report.phases[key]) for key, label in PHASES if key in report.phases]
    if report.reset_seconds:
        measured.append(("resets (within Dredd)", report.reset_seconds))
    if "total" in report.phases:
        measured.append(("total", report.phases["total"]))
    for label, seconds in measured:
        within = " within" if label.startswith("resets") else ""
        width = min(100.0, 100 * seconds / longest)
        rows.append(
            f'    <tr data-phase="{escape(label)}"><td>{escape(label)}</td>'
            f'<td class="num">{seconds:.2f}</td>'
            f'<td class="bar"><div class="fill{within}" style="width: {width:.1f}%">'
            "</div></td></tr>"
        )
    return "\n".join(rows)


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def _transaction_row(row: TransactionResult) -> str:
    note = f'<div class="id">skipped: {escape(row.skip_reason)}</div>' if row.skip_reason else ""
    for finding in row.notes:  # an opt-out, an example that proves less than it seems
        kind = escape(finding.kind)
        note += f'<div class="id note {kind}">{kind}: {escape(finding.message)}</div>'
    request_ms = "" if row.status == "skipped" else f"{row.seconds * 1000:.0f}"
    return (
        f'    <tr data-status="{escape(row.status)}"><td>{escape(row.name)}'
        f'<div class="id">{escape(row.id)}</div>{note}</td>'
        f'<td class="status {escape(row.status)}">{escape(row.status)}</td>'
        f'<td class="num">{request_ms}</td><td class="num">{_ms(row.reset_ms)}</td>'
        f'<td class="num">{_ms(row.duration_ms)}</td></tr>'
    )


def _failure_block(row: TransactionResult) -> str:
    failure = parse_failure(row.detail)
    parts = [
        f'<section class="failure" data-name="{escape(row.name)}">',
        f"<h3>{escape(row.name)}</h3>",
        f'<div class="id">{escape(row.id)}</div>',
        _message(failure.message),
        "<table>",
        _status_row(failure),
        _headers_row(failure),
        _body_row(failure),
        "</table>",
        "</section>",
    ]
    return "\n".join(part for part in parts if part)


def _message(message: str) -> str:
    """Dredd's message; exact comparison's differences as a list, path and values marked."""
    lines = [line for line in message.splitlines() if line.strip()]
    parsed = [parse_difference(line) for line in lines]
    if not any(parsed):
        return f'<p class="message">{escape(message or "(Dredd gave no message)")}</p>'
    items = []
    for line, difference in zip(lines, parsed, strict=True):
        if difference is None:
            items.append(f"<li>{escape(line)}</li>")
            continue
        where, what, documented, got = difference
        if documented is None or got is None:
            items.append(f"<li><code>{escape(where)}</code>: {escape(what)}</li>")
        else:
            items.append(
                f"<li><code>{escape(where)}</code>: documented <b>{escape(documented)}</b>, "
                f"got <b>{escape(got)}</b></li>"
            )
    return f'<ul class="differences">{"".join(items)}</ul>'


def _status_row(failure: Failure) -> str:
    expected = failure.expected.get("statusCode", "").strip()
    actual = failure.actual.get("statusCode", "").strip()
    if not expected and not actual:
        return ""
    mark = ' class="mismatch"' if expected != actual else ""
    return (
        f"<tr{mark}><td>status</td><td>expected <b>{escape(expected)}</b>, "
        f"actual <b>{escape(actual)}</b></td></tr>"
    )


def _header_map(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        name, sep, value = line.strip().partition(":")
        if sep:
            found[name.strip().lower()] = value.strip()
    return found


def _headers_row(failure: Failure) -> str:
    expected = _header_map(failure.expected.get("headers", ""))
    actual = _header_map(failure.actual.get("headers", ""))
    if not expected:
        return ""
    lines = []
    for name, value in expected.items():
        got = actual.get(name)
        shown = "missing" if got is None else got
        # Dredd compares values of content negotiation headers only; others must exist.
        wrong = got is None or (name.startswith(("content-type", "accept")) and got != value)
        mark = ' class="mismatch"' if wrong else ""
        lines.append(
            f"<div{mark}>{escape(name)}: expected <code>{escape(value)}</code>, "
            f"actual <code>{escape(shown)}</code></div>"
        )
    return f"<tr><td>headers</td><td>{''.join(lines)}</td></tr>"


def _json(body: str) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return _NOT_JSON


_NOT_JSON = object()
_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}


def shape(value: object, path: str = "") -> list[str]:
    """`items[].id: number`: every field of a JSON value with its type, arrays folded.

    Dredd validates a body against the schema its MSON gives: fields and types, not the
    example's values. Comparing shapes shows the drift without the noise of values.
    """
    if isinstance(value, dict) and value:
        return sorted(
            {line for key, item in value.items() for line in shape(item, f"{path}.{key}")}
        )
    if isinstance(value, list) and value:
        return sorted({line for item in value for line in shape(item, f"{path}[]")})
    kind = "number" if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    return [f"{path.lstrip('.') or '(body)'}: {kind or _TYPES.get(type(value), 'value')}"]


def _body_row(failure: Failure) -> str:
    expected, actual = failure.expected.get("body", ""), failure.actual.get("body", "")
    if not expected and not actual:
        return ""
    expected_json, actual_json = _json(expected), _json(actual)
    if expected_json is _NOT_JSON or actual_json is _NOT_JSON:
        old, new, what = expected.splitlines(), actual.splitlines(), "body"
    else:
        old, new, what = shape(expected_json), shape(actual_json), "fields"
    diff = list(difflib.unified_diff(old, new, "expected", "actual", lineterm="", n=2))
    lines = [_diff_line(line) for line in diff[2:]]  # the ---/+++ header says nothing here
    shown = f'<pre class="diff">{chr(10).join(lines)}</pre>' if lines else f"same {what}"
    bodies = (
        "<details><summary>expected and actual bodies</summary>"
        f'<table class="bodies"><tr><th>expected</th><th>actual</th></tr><tr>'
        f"<td><pre>{escape(_pretty(expected))}</pre></td>"
        f"<td><pre>{escape(_pretty(actual))}</pre></td></tr></table></details>"
    )
    return f"<tr><td>{what}</td><td>{shown}{bodies}</td></tr>"


def _diff_line(line: str) -> str:
    kind = {"@": "hunk", "+": "add", "-": "del"}.get(line[:1], "")
    return f'<span class="{kind}">{escape(line)}</span>' if kind else escape(line)


def _pretty(body: str) -> str:
    parsed = _json(body)
    return body if parsed is _NOT_JSON else json.dumps(parsed, indent=2, sort_keys=True)
