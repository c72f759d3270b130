"""What a check is, what it is given, and the registry that lists every check in order.

A check is a class in a module of its own in `flask_dredd/checks/`, registered by the
`@register` decorator on it::

    @register
    class NumberTypes(Check):
        name, order = "number-types", 25

        def check(self, context: Context) -> list[Finding]:
            ...

- `arm(transactions)`: once per run, in `before_all`, with Dredd's list of every
  transaction (read declarations, keep what later transactions need);
- `watches(name)`: whether `before(context)` must see this transaction before its
  request: the engine then calls it as the transaction's last `before` hook, after its
  fixtures (a snapshot of the state they made);
- `check(context)`: after the response, the findings about this transaction.

`CHECKS` holds the checks in their order (`order`, then `name`): the order the engine
runs them in, and the order of their lines in a failure message. `discover()` imports
every module of this package, so a new check module registers itself: adding a check
touches no other file.

Standard library only: it runs inside the hooks handler.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from flask_dredd.checks.finding import Finding
from flask_dredd.transactions import Transaction


def hooks_database() -> Any:
    """The hooks' SQLAlchemy engine (`flask_dredd.wiring`), imported when first read."""
    from flask_dredd.wiring import current_session

    return current_session().get_bind()


@dataclass
class Context:
    """One transaction as the checks see it: Dredd's dict, its documented example
    (`expected`), the real response (`real`), what earlier checks found, the database."""

    transaction: Transaction
    found: list[Finding] = field(default_factory=list)  # by the checks before this one
    database: Callable[[], Any] = hooks_database

    def __post_init__(self) -> None:
        from flask_dredd.exact.transaction import comparable

        # Decided once, before any check: whether Dredd was about to pass it.
        self.comparable = comparable(self.transaction)

    @property
    def name(self) -> str:
        return str(self.transaction.get("name") or "")

    @property
    def expected(self) -> Mapping[str, Any]:
        expected = self.transaction.get("expected")
        return expected if isinstance(expected, Mapping) else {}

    @property
    def real(self) -> Mapping[str, Any]:
        real = self.transaction.get("real")
        return real if isinstance(real, Mapping) else {}

    @property
    def ran(self) -> bool:
        """Whether the request was made and a response came back to judge."""
        return not self.transaction.get("skip") and isinstance(self.transaction.get("real"), dict)

    @property
    def documented_status(self) -> bool:
        """Whether it ran and came back with the documented status (Gavel may have failed
        it on something else: its body's schema, a header): a response of the documented
        kind, which a check may judge beyond what Gavel's message says."""
        expected, real = self.expected.get("statusCode"), self.real.get("statusCode")
        return self.ran and expected is not None and str(expected) == str(real)

    @property
    def failed(self) -> bool:
        """Failed already by a hook (`fail` set), or by a check before this one."""
        return bool(self.transaction.get("fail")) or any(f.fails for f in self.found)


class Check:
    """The protocol; each method but `check` does nothing unless a check needs it."""

    name: ClassVar[str] = ""
    order: ClassVar[int] = 100

    def enabled(self) -> bool:
        """Whether this run uses the check (read once per run, at `arm`)."""
        return True

    def arm(self, transactions: Sequence[Transaction]) -> None:
        return None

    def watches(self, name: str) -> bool:
        return False

    def before(self, context: Context) -> None:
        return None

    def check(self, context: Context) -> list[Finding]:
        raise NotImplementedError


#: Every registered check, in the order they run.
CHECKS: list[type[Check]] = []
C = TypeVar("C", bound=type[Check])


def register(check: C) -> C:
    """Add a check to `CHECKS`, in its place; a name is registered once."""
    if not check.name:
        raise TypeError(f"{check.__name__} has no name: set `name = ...` on the class")
    for known in CHECKS:
        if known.name == check.name and known is not check:
            if known.__qualname__ == check.__qualname__ and known.__module__ == check.__module__:
                CHECKS.remove(known)  # the same module imported again: the newer class
                break
            raise ValueError(f"two checks named {check.name!r}: {known!r} and {check!r}")
    if check not in CHECKS:
        CHECKS.append(check)
    CHECKS.sort(key=lambda c: (c.order, c.name))
    return check


def discover() -> list[type[Check]]:
    """Import every module of `flask_dredd.checks`; the registered checks, in order."""
    package = importlib.import_module("flask_dredd.checks")
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"flask_dredd.checks.{module.name}")
    return list(CHECKS)
