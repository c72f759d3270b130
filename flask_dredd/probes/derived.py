"""Derived negative transactions in the handler: their source's fixtures, minus credentials.

A transaction named ``<source> [derived: <rule>]`` (written into the run's blueprint by
`flask_dredd.contract.derived`) has no hooks of its own. At ``before_all`` it gets a
copy of every ``before`` hook of its source, in order (the same fixtures, the same
caller, the same declarations), and then one more: the request loses each header its
source's documented request has and its own documented request does not. That undoes
what the caller set (a token, a session cookie, a CSRF header) exactly where the rule
says the request goes without it.

Standard library only: it runs inside the hooks handler.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from dredd_hooks_handler import hooks

from flask_dredd.transactions import Transaction

_DERIVED = re.compile(r"^(?P<source>.*) \[derived: (?P<rule>[^\]]+)\]$")  # contract.derived's


def arm(transactions: Any) -> None:
    """Give each derived transaction its source's `before` hooks, then drop its headers."""
    listed = (
        [t for t in transactions if isinstance(t, dict)] if isinstance(transactions, list) else []
    )
    by_name = {str(t.get("name") or ""): cast(Transaction, t) for t in listed}
    for name, transaction in by_name.items():
        found = _DERIVED.match(name)
        if found is None or hooks.registry.named("before", name):
            continue  # documented, or armed already (one handler, one before_all)
        source = by_name.get(found.group("source"))
        for hook in list(hooks.registry.named("before", found.group("source"))):
            hooks.registry.add("before", hook.func, name)
        dropped = _header_names(source) - _header_names(transaction) if source else set()
        if dropped:
            hooks.before(name)(_dropping(dropped))


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
