"""The engine's hooks that check the state a transaction leaves, and its follow-up probes.

`flask dredd run` adds `flask_dredd/hookfiles/state_probes.py` to Dredd's hook files
after the project's (and after exact comparison's); loading it calls `install()`:

- a ``before_all`` hook gives each derived negative transaction its source's fixtures
  (`flask_dredd.probes.derived`), reads the post-conditions declared for each transaction
  (`flask_dredd.probes.conditions`) and registers a ``before(name)`` hook for each
  transaction that has some. Registered after every hook file was loaded, it is the last
  `before` hook of its transaction: it snapshots the state the fixtures made;
- an ``after_each`` hook checks the conditions against the state the request left, then
  runs the transaction's follow-up probes (`flask_dredd.probes.followup`), and fails the
  transaction with every broken condition and every probe's difference; last, the
  vacuity check (`flask_dredd.probes.vacuity`) notes each filter that removes nothing.

The database is the hooks' own (`flask_dredd.wiring`), imported when a snapshot is taken:
this module and its hook file need the standard library only to load.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dredd_hooks_handler import hooks

from flask_dredd.probes import derived, followup, vacuity
from flask_dredd.probes.conditions import Condition, conditions_for
from flask_dredd.probes.verdict import add_failure, ran
from flask_dredd.transactions import Transaction

#: The hook file the runner adds to Dredd's `hookfiles`.
HOOKFILE = Path(__file__).resolve().parent.parent / "hookfiles" / "state_probes.py"

_installed: set[int] = set()  # ids of the registries the hooks were registered in
_armed: dict[str, list[Condition]] = {}  # transaction name -> its conditions
_before: dict[str, tuple[list[Condition], list[Any]]] = {}  # name -> (conditions, snapshot)


def engine_hookfiles() -> list[str]:
    return [str(HOOKFILE)]


def install() -> None:
    """Register the hooks once per registry."""
    if id(hooks.registry) in _installed:
        return
    _installed.add(id(hooks.registry))
    hooks.before_all(arm)
    hooks.after_each(judge)


def arm(transactions: Any) -> None:
    """Arm derived transactions (their source's fixtures), then register a snapshot as the
    last `before` hook of each transaction with conditions."""
    derived.arm(transactions)
    _armed.clear()
    for transaction in transactions if isinstance(transactions, list) else []:
        name = str(transaction.get("name") or "")
        status = (transaction.get("expected") or {}).get("statusCode")
        conditions = conditions_for(name, None if status is None else str(status))
        if conditions and name not in _armed:
            _armed[name] = conditions
            hooks.before(name)(snapshot_state)
    followup.arm(transactions)


def snapshot_state(transaction: Transaction) -> None:
    """The state the fixtures made, for the conditions on this transaction."""
    from flask_dredd.probes import state

    name = str(transaction.get("name") or "")
    conditions = _armed.get(name, [])
    if conditions and not transaction.get("skip"):
        _before[name] = (conditions, state.snapshot(conditions, _engine()))


def judge(transaction: Transaction) -> None:
    """Fail the transaction with every broken post-condition and follow-up difference."""
    if not isinstance(transaction, dict):
        return
    name = str(transaction.get("name") or "")
    armed = _before.pop(name, None)
    if not ran(transaction):
        return
    if armed is not None:
        from flask_dredd.probes import state

        conditions, before = armed
        broken = state.check(conditions, before, _engine())
        if broken:
            add_failure(transaction, "state after the request:", broken)
    followup.run(transaction)
    vacuity.check(transaction)


def _engine() -> Any:
    from flask_dredd.wiring import current_session

    return current_session().get_bind()
