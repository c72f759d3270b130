"""The engine's one hook file: every check, in order, with one fail path.

`flask dredd run` adds `flask_dredd/hookfiles/checks.py` to Dredd's hook files after
the project's; loading it calls `install()`, which registers, once per hook registry:

- a ``before_all`` hook: derived transactions get their source's fixtures
  (`flask_dredd.probes.derived`), then every enabled check is armed with the run's
  transactions (`Check.arm`), and each transaction a check `watches` gets one more
  ``before`` hook. Registered after every hook file was loaded, it is the last `before`
  hook of its transaction: the checks see the state its fixtures made (`Check.before`);
- an ``after_each`` hook: each check, in `CHECKS`' order, looks at the transaction
  (`Check.check`) and returns findings; the failing ones fail it with one message
  (`fail`), and all of them stay on the transaction for the recorder, which writes them
  into the transaction's record (`transactions.jsonl`). The handler runs a transaction's
  named `after` hooks before any after_each hook, so the checks see the expectation and
  the response as the project's hooks left them; the recorder registers its after_each
  hook in before_all, so it runs after the engine's and records the verdict.

The database is the hooks' own (`flask_dredd.wiring`), imported when a check reads it:
this module and its hook file need the standard library only to load.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from dredd_hooks_handler import hooks

from flask_dredd.checks.finding import Finding
from flask_dredd.checks.protocol import Check, Context, discover, hooks_database
from flask_dredd.declarations import PerRegistry
from flask_dredd.transactions import Transaction

#: The hook file the runner adds to Dredd's `hookfiles`.
HOOKFILE = Path(__file__).resolve().parent.parent / "hookfiles" / "checks.py"
#: Lines of the documented example's own differences in one message; the rest counted.
CAP = 12


def engine_hookfiles(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The hook files a run adds: the engine's one. ValueError, naming the choices, for a
    setting a check reads that has no meaning (FLASK_DREDD_EXACT=sure, a secret-keys
    pattern that is no regular expression)."""
    from flask_dredd.checks.closed import secret_keys
    from flask_dredd.exact.transaction import mode

    mode(environ)
    secret_keys(environ)
    return [str(HOOKFILE)]


class Engine:
    """The checks of one hook registry, and what they keep between hooks."""

    def __init__(
        self,
        checks: Sequence[type[Check]] | None = None,
        database: Callable[[], Any] = hooks_database,
    ) -> None:
        chosen = discover() if checks is None else checks
        self.checks = [make() for make in sorted(chosen, key=lambda c: (c.order, c.name))]
        self.database = database  # the hooks' engine, asked when a check reads state
        self.active: list[Check] = []
        self.installed = False

    def install(self) -> None:
        if not self.installed:
            self.installed = True
            hooks.before_all(self.arm)
            hooks.after_each(self.judge)

    def arm(self, transactions: Any) -> None:
        """Derived transactions first (their fixtures are their source's), then each check."""
        from flask_dredd.probes import derived

        derived.arm(transactions)
        given = transactions if isinstance(transactions, list) else []
        listed = [cast(Transaction, t) for t in given if isinstance(t, dict)]
        self.active = [check for check in self.checks if check.enabled()]
        for check in self.active:
            check.arm(listed)
        for name in dict.fromkeys(str(t.get("name") or "") for t in listed):
            if any(check.watches(name) for check in self.active):
                hooks.before(name)(self.before_request)

    def before_request(self, transaction: Transaction) -> None:
        """The last `before` hook of a watched transaction: the state its fixtures made."""
        if transaction.get("skip"):
            return
        context = Context(transaction, database=self.database)
        for check in self.active:
            if check.watches(context.name):
                check.before(context)

    def judge(self, transaction: Transaction) -> list[Finding]:
        """Every check in order; the failing findings fail the transaction, all are kept."""
        if not isinstance(transaction, dict):
            return []
        context = Context(transaction, database=self.database)
        for check in self.active:
            context.found += check.check(context)
        if context.found:
            transaction["findings"] = [f.as_record() for f in context.found]
        failing = [f for f in context.found if f.fails]
        if failing:
            fail(transaction, message(failing))
        return context.found


_engines: PerRegistry[Engine] = PerRegistry(Engine)


def engine(registry: hooks.Registry | None = None) -> Engine:
    """The engine of `registry` (default: the current one), its checks discovered."""
    return _engines.of(registry)


def install() -> None:
    """Register the engine's hooks once per registry."""
    engine().install()


def message(findings: Sequence[Finding], cap: int = CAP) -> str:
    """One failure message: the example's own differences one a line (the first `cap`,
    then how many more), then each heading with its first line, the rest indented."""
    sections: dict[str | None, list[str]] = {}
    for finding in findings:
        sections.setdefault(finding.heading, []).append(finding.message)
    parts = []
    for heading, lines in sections.items():
        if heading is None:
            parts += lines[:cap]
            if len(lines) > cap:
                more = len(lines) - cap
                parts.append(f"… and {more} more difference{'s' if more > 1 else ''}")
        else:
            first, *rest = lines
            parts += [f"{heading} {first}".rstrip(), *(f"  {line}" for line in rest)]
    return "\n".join(parts)


def fail(transaction: Transaction, text: str) -> None:
    """Fail a transaction the way reporters and the recorder see it, keeping what already
    failed it first.

    `fail` is what hooks set (Dredd reports it); the test is marked failed too, so Dredd
    reports these lines as the message and the recorder, which runs later, records it.
    """
    previous = transaction.get("fail")
    if isinstance(previous, str) and previous:
        text = f"{previous}\n{text}"
    transaction["fail"] = text
    test = transaction.get("test")
    if isinstance(test, dict):
        earlier = test.get("message") if test.get("valid") is False else None
        test["valid"] = False
        test["status"] = "fail"
        test["message"] = text if not earlier or earlier in text else f"{earlier}\n{text}"
