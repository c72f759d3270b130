"""Derived negative transactions in the handler: their source's fixtures, transformed.

A transaction named ``<source> [derived: <rule>]`` (written into the run's blueprint by
`flask_dredd.contract.derived`) has no hooks of its own. At ``before_all`` it gets a
copy of every ``before`` hook of its source, in order (the same fixtures, the same
caller, the same declarations), and then one more: the request loses each header its
source's documented request has and its own documented request does not. That undoes
what the caller set (a token, a session cookie, a CSRF header) exactly where the rule
says the request goes without it. Its URI (an unknown id, an unknown query parameter)
is already the derived action's own.

A rule with ``caller = "<role>"`` swaps who sends the request: each copied
``given(..., caller=X)`` recipe calls its makers, then X's stand-in for the role
(`flask_dredd.fixtures.stand_in`) instead of X. A source whose recipes have no caller, or
a caller with no stand-in, fails its derived transaction before the request, with the
`stand_in(...)` to write (`flask dredd check` says so before any run). A rule's
``inexact`` paths become the derived transaction's inexact declarations, with their
reasons.

The rules are read from ``pyproject.toml`` in the handler's working directory (Dredd
runs it in the project's root), once. Standard library only: it runs inside the hooks
handler.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from dredd_hooks_handler import hooks

from flask_dredd.declarations import ATTRIBUTE, Declaration
from flask_dredd.exact.paths import PathPattern
from flask_dredd.fixtures import caller_name, caller_of, stand_ins, with_caller
from flask_dredd.transactions import Transaction

if TYPE_CHECKING:
    from flask_dredd.contract.policy import Rule

_DERIVED = re.compile(r"^(?P<source>.*) \[derived: (?P<rule>[^\]]+)\]$")  # contract.derived's
_rules: dict[str, list[Rule]] = {}  # project root -> its policy, read once


def arm(transactions: Any, root: Path | None = None) -> None:
    """Give each derived transaction its source's `before` hooks (the caller swapped where
    the rule says), then drop its headers."""
    listed = (
        [t for t in transactions if isinstance(t, dict)] if isinstance(transactions, list) else []
    )
    by_name = {str(t.get("name") or ""): cast(Transaction, t) for t in listed}
    for name, transaction in by_name.items():
        found = _DERIVED.match(name)
        if found is None or hooks.registry.named("before", name):
            continue  # documented, or armed already (one handler, one before_all)
        source = by_name.get(found.group("source"))
        rule = _rule(found.group("rule"), root)
        copied = list(hooks.registry.named("before", found.group("source")))
        if rule is not None and rule.caller:
            _arm_stand_in(name, rule, copied)
        else:
            for hook in copied:
                hooks.registry.add("before", hook.func, name)
        dropped = _header_names(source) - _header_names(transaction) if source else set()
        if dropped:
            hooks.before(name)(_dropping(dropped))
        if rule is not None:
            for path, reason in rule.inexact.items():
                hooks.registry.add("before", _inexact(path, reason), name)


def _arm_stand_in(name: str, rule: Rule, copied: list[Any]) -> None:
    """The source's hooks, each `given` recipe's caller replaced by its stand-in."""
    table = stand_ins(rule.caller)
    swapped = False
    for hook in copied:
        caller = caller_of(hook.func)
        if caller is None:
            hooks.registry.add("before", hook.func, name)
            continue
        other = table.get(caller)
        if other is None:
            hooks.before(name)(_refusing(
                f"policy rule {rule.name!r}: the caller {caller_name(caller)!r} has no stand-in "
                f"for {rule.caller!r}: write stand_in({rule.caller!r}, "
                f"{{{caller_name(caller).upper()}: ...}}) in a hook file"
            ))  # fmt: skip
            return
        hooks.registry.add("before", with_caller(hook.func, other), name)
        swapped = True
    if not swapped:
        hooks.before(name)(_refusing(
            f"policy rule {rule.name!r}: the source's fixtures have no given(..., caller=...) "
            f"recipe, so the engine cannot send it as {rule.caller!r}: bind the source with "
            "given(..., caller=...), or exempt it from the rule with a reason"
        ))  # fmt: skip


def _rule(name: str, root: Path | None) -> Rule | None:
    # The policy's reader is standard library too, but of the contract's concern: imported
    # when a derived transaction first needs it, like the handler side's other imports.
    from flask_dredd.contract.policy import PolicyError, load_policy, rule_named

    where = str(root or Path.cwd())
    if where not in _rules:
        try:
            _rules[where] = load_policy(Path(where))
        except PolicyError:
            _rules[where] = []  # the preflight refused such a policy before any run
    return rule_named(_rules[where], name)


def _refusing(message: str) -> Any:
    def cannot_derive(transaction: Any) -> None:
        transaction["fail"] = message  # Dredd fails it without sending the request

    return cannot_derive


def _inexact(path: str, reason: str) -> Any:
    def inexact(transaction: Any) -> None:
        return None

    setattr(inexact, ATTRIBUTE, Declaration("inexact", reason, (PathPattern(path),)))
    return inexact


def _dropping(names: set[str]) -> Any:
    def drop_credentials(transaction: Transaction) -> None:
        headers = (transaction.get("request") or {}).get("headers")
        if isinstance(headers, dict):
            for key in [k for k in headers if str(k).lower() in names]:
                del headers[key]

    return drop_credentials


def _header_names(transaction: Transaction) -> set[str]:
    headers = (transaction.get("request") or {}).get("headers") or {}
    return {str(k).lower() for k in headers} if isinstance(headers, Mapping) else set()
