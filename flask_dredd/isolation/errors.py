"""Errors raised by isolation, each with a message that says what to do next."""

from __future__ import annotations


class IsolationError(RuntimeError):
    """Base class for everything isolation raises on purpose."""


class ResetBlockedError(IsolationError):
    """A reset waited too long for a lock another connection holds.

    The usual cause is a server connection left "idle in transaction" (a request
    that did not end its session), which keeps locks on the tables it read.
    """


class UnknownStrategyError(IsolationError, ValueError):
    """A reset strategy name that is not one of the known strategies."""


class NotPreparedError(IsolationError):
    """``reset()`` was called before ``prepare()``."""
