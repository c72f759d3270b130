"""FlaskDreddError, the root of every error flask-dredd raises on purpose, and its family.

Every such error carries a message that names the problem and the fix; the CLI turns it
into that message and an exit code once, at its boundary (`flask_dredd.cli`). Errors of
one concern subclass the root where they are raised (`PolicyError` in
`contract.derived`, `LockError` in `run.locks`, …); the ones several concerns raise or
catch live here. Each keeps the built-in base it always had (RuntimeError, ValueError,
TypeError) so that existing ``except`` clauses still catch it.

Standard library only: the handler's process (isolation, the wiring) imports it.
"""

from __future__ import annotations

#: The exit codes of `flask dredd run` (`run.outcome` says when each applies), and their
#: names in the closing line.
EXIT_PASSED, EXIT_FAILED, EXIT_SETUP, EXIT_ABORTED, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_LABELS = {EXIT_PASSED: "passed", EXIT_FAILED: "contract failed", EXIT_SETUP: "setup error",
               EXIT_ABORTED: "aborted", EXIT_INTERRUPTED: "interrupted"}  # fmt: skip


class FlaskDreddError(Exception):
    """Something flask-dredd refuses or cannot do; the message says what to do next."""

    #: The exit code of a command that ends on this error: 2, setup or usage error,
    #: nothing ran (`flask dredd run --help` lists the codes).
    exit_code = EXIT_SETUP


class ContractError(FlaskDreddError, RuntimeError):
    """The .apib cannot be compiled (Dredd's own words), or Node.js or the file is missing."""


class PreflightError(FlaskDreddError, RuntimeError):
    """The run cannot start; the message says what is wrong and what to do.

    Raised by the contract phase (`run.preflight`) and by the reader of dredd.yml
    (`run.dredd_config`), which the authoring commands use too.
    """


class RunError(FlaskDreddError, RuntimeError):
    """A run could not start or finish; the message says why and what to do."""


class IsolationError(FlaskDreddError, RuntimeError):
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
