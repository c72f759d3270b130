"""What a reset strategy is."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from ..target import ResetTarget


class ResetStrategy(ABC):
    """Restores a database to its baseline between two Dredd transactions."""

    name: ClassVar[str]

    def __init__(self, target: ResetTarget) -> None:
        self.target = target

    @abstractmethod
    def prepare(self) -> None:
        """Build the baseline from scratch (once per run) and get ready to reset."""

    @abstractmethod
    def reset(self) -> None:
        """Bring the database back to the baseline."""
