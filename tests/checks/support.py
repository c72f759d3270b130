"""What the one-check test files share: a transaction judged by an engine of one check."""

from __future__ import annotations

from typing import Any

from flask_dredd.checks.engine import Engine
from flask_dredd.checks.protocol import Check


def judged_by(check: type[Check], transaction: dict[str, Any]) -> list[str]:
    """The messages of the findings `check` alone makes on `transaction` (as afterEach)."""
    engine = Engine([check])
    engine.arm([])
    return [finding.message for finding in engine.judge(transaction)]
