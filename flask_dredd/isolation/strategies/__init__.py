"""The reset strategies and how one is chosen."""

from __future__ import annotations

import os

from ..errors import UnknownStrategyError
from .base import ResetStrategy
from .rebuild import RebuildStrategy
from .tracked import TrackedStrategy
from .truncate import TruncateStrategy

STRATEGY_ENV = "FLASK_DREDD_RESET"
DEFAULT_STRATEGY = "tracked"
STRATEGIES: dict[str, type[ResetStrategy]] = {
    strategy.name: strategy for strategy in (RebuildStrategy, TruncateStrategy, TrackedStrategy)
}


def choose_strategy(name: str | None = None) -> type[ResetStrategy]:
    """The strategy named by ``name``, else by $FLASK_DREDD_RESET, else the default."""
    source = "the strategy argument"
    if name is None:
        name, source = os.environ.get(STRATEGY_ENV, "").strip() or None, STRATEGY_ENV
    if name is None:
        return STRATEGIES[DEFAULT_STRATEGY]
    if name not in STRATEGIES:
        valid = ", ".join(STRATEGIES)
        raise UnknownStrategyError(
            f"Unknown reset strategy {name!r} (from {source}). "
            f"Valid strategies: {valid} (default: {DEFAULT_STRATEGY})."
        )
    return STRATEGIES[name]


__all__ = [
    "DEFAULT_STRATEGY",
    "STRATEGIES",
    "STRATEGY_ENV",
    "ResetStrategy",
    "choose_strategy",
]
