"""The xunit report CI consumes: reading Dredd's, judging it, and rewriting it.

Dredd appends one `<testcase>` per transaction as it goes and writes the totals and the
closing tag only at the end, so a Dredd that is stopped (a timeout, a stall) or loses
its hooks handler leaves a file that is cut short, unclosed or says `tests="0"`.
`xunit_problem()` says what is wrong with a file; `write_xunit()` writes a well-formed
one whose totals match its test cases.

A transaction that did not run is written as an `<error type="not run">`, not as
`<skipped>`: JUnit readers (Jenkins, GitLab, GitHub test-report actions) show a skip as
a deliberate, harmless omission and an error as a broken test. A transaction cut off by
an abort proves nothing about the contract, so it must never read as fine.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path

NOT_RUN = "not run"
XUNIT_FILE = "dredd.xml"  # in the reports folder


@dataclass(frozen=True)
class Case:
    title: str  # Dredd's transaction id, e.g. "GET (200) /events/1"
    status: str  # "passed", "failed", "skipped" or "not run"
    seconds: float
    detail: str = ""  # Dredd's message, request, expected and actual for a failure


@dataclass
class Summary:
    cases: list[Case] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for case in self.cases if case.status == status)

    @property
    def passed(self) -> int:
        return self.count("passed")

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def skipped(self) -> int:
        return self.count("skipped")

    @property
    def not_run(self) -> int:
        return self.count(NOT_RUN)


def read_xunit(path: Path) -> Summary:
    """Parse an xunit report (one <testcase> per transaction)."""
    summary = Summary()
    for case in ET.parse(path).getroot().iter("testcase"):
        failure, error = case.find("failure"), case.find("error")
        if failure is not None:
            status, detail = "failed", failure.text or ""
        elif error is not None:
            detail = error.get("message") or error.text or ""
            status = NOT_RUN if error.get("type") == NOT_RUN else "failed"
        elif case.find("skipped") is not None:
            status, detail = "skipped", ""
        else:
            status, detail = "passed", ""
        summary.cases.append(
            Case(case.get("name", ""), status, float(case.get("time") or 0), detail)
        )
    return summary


def xunit_problem(path: Path) -> str | None:
    """Why the report at ``path`` cannot be trusted as it is; None when it is sound."""
    try:
        if path.stat().st_size == 0:
            return "Dredd left it empty"
        root = ET.parse(path).getroot()
    except FileNotFoundError:
        return "Dredd wrote none"
    except ET.ParseError as exc:
        return f"Dredd left it cut short or unclosed ({exc})"
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    if suite is None:
        return f"it has no <testsuite> (its root is <{root.tag}>)"
    cases = suite.findall("testcase")
    counted = {
        "tests": len(cases),
        "failures+errors": sum(
            1 for c in cases if c.find("failure") is not None or c.find("error") is not None
        ),
        "skipped": sum(1 for c in cases if c.find("skipped") is not None),
    }
    stated = {
        "tests": _number(suite.get("tests")),
        "failures+errors": _number(suite.get("failures")) + _number(suite.get("errors")),
        "skipped": _number(suite.get("skipped", suite.get("skip"))),
    }
    wrong = [f"{key}={stated[key]}" for key in counted if stated[key] != counted[key]]
    if wrong:
        return f"its totals ({', '.join(wrong)}) do not match its {len(cases)} test cases"
    return None


def write_xunit(path: Path, cases: list[Case], seconds: float = 0.0) -> None:
    """A well-formed xunit report of ``cases``, totals computed from them."""
    failures = sum(1 for c in cases if c.status == "failed")
    errors = sum(1 for c in cases if c.status == NOT_RUN)
    skipped = sum(1 for c in cases if c.status == "skipped")
    suite = ET.Element(
        "testsuite",
        {
            "name": "Dredd Tests",
            "tests": str(len(cases)),
            "failures": str(failures),
            "errors": str(errors),
            "skipped": str(skipped),
            "skip": str(skipped),  # Dredd's own spelling, for readers of its reports
            "timestamp": formatdate(usegmt=True),
            "time": f"{seconds:.3f}",
        },
    )
    for case in cases:
        element = ET.SubElement(
            suite, "testcase", {"name": _clean(case.title), "time": f"{_seconds(case):.3f}"}
        )
        if case.status == "failed":
            ET.SubElement(element, "failure").text = _clean(case.detail)
        elif case.status == "skipped":
            ET.SubElement(element, "skipped", {"message": _clean(case.detail)})
        elif case.status == NOT_RUN:
            message = _clean(case.detail) or NOT_RUN
            ET.SubElement(element, "error", {"type": NOT_RUN, "message": message}).text = message
    ET.indent(suite, space="")
    partial = path.with_name(path.name + ".partial")
    ET.ElementTree(suite).write(partial, encoding="UTF-8", xml_declaration=True)
    partial.replace(path)  # a reader never sees half a report


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    """Text XML 1.0 can carry: a response body may hold control characters."""
    return _NOT_XML.sub("\ufffd", text)


def _seconds(case: Case) -> float:
    return case.seconds if case.seconds == case.seconds else 0.0  # Dredd's NaN for a skip


def _number(value: str | None) -> int:
    try:
        return int(float(value or 0))
    except ValueError:
        return -1
