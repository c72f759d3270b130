"""Reading what Dredd reported: the xunit file CI consumes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Case:
    title: str  # Dredd's transaction id, e.g. "GET (200) /events/1"
    status: str  # "passed", "failed" or "skipped"
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


def read_xunit(path: Path) -> Summary:
    """Parse Dredd's xunit report (one <testcase> per transaction)."""
    summary = Summary()
    for case in ET.parse(path).getroot().iter("testcase"):
        failure = case.find("failure")
        if failure is not None:
            status, detail = "failed", failure.text or ""
        elif case.find("skipped") is not None:
            status, detail = "skipped", ""
        else:
            status, detail = "passed", ""
        summary.cases.append(
            Case(case.get("name", ""), status, float(case.get("time") or 0), detail)
        )
    return summary
