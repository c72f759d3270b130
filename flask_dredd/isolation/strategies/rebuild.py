"""rebuild: drop and recreate the schema every time. Slow, but trusts nothing."""

from __future__ import annotations

from .base import ResetStrategy


class RebuildStrategy(ResetStrategy):
    name = "rebuild"

    def prepare(self) -> None:
        self.target.rebuild()

    def reset(self) -> None:
        self.target.rebuild()
