"""The engine's hook that compares every transaction with its documented example.

`flask dredd run` adds `flask_dredd/hookfiles/exact_examples.py` to Dredd's hook files
(unless FLASK_DREDD_EXACT=0); loading it calls `install()`, which registers `compare` as
an after_each hook. The handler runs a transaction's named `after` hooks before any
after_each hook, and its before_validation hooks before that, so the comparison sees the
expectation and response as the project's hooks left them; the recorder registers its
own after_each hook only in before_all, so it runs later and records our verdict.

With FLASK_DREDD_EXACT_NOTES naming a file (the runner sets it), each transaction that
runs under an opt-out adds a line `{"name", "id", "inexact"}` there, for the run's
closing lines and its HTML report.

Standard library only: it runs inside the hooks handler.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from dredd_hooks_handler import hooks

from flask_dredd.exact.transaction import comparable, differences, fail, message, mode, rules_for
from flask_dredd.transactions import Transaction

#: The hook file the runner adds to Dredd's `hookfiles`.
HOOKFILE = Path(__file__).resolve().parent.parent / "hookfiles" / "exact_examples.py"

#: The opt-out notes of a run, next to the recorder's file, and where the runner says.
NOTES_FILE, NOTES_ENV = "exactness.jsonl", "FLASK_DREDD_EXACT_NOTES"

_installed: set[int] = set()  # ids of the registries `compare` was registered in


def engine_hookfiles(environ: Mapping[str, str]) -> list[str]:
    """The hook files a run adds for exact comparison: none when FLASK_DREDD_EXACT=0.

    Raises ValueError, naming the choices, for a value that is not a mode.
    """
    return [] if mode(environ) == "off" else [str(HOOKFILE)]


def install() -> None:
    """Register the comparison once per registry; nothing when FLASK_DREDD_EXACT=0."""
    if mode() == "off" or id(hooks.registry) in _installed:
        return
    _installed.add(id(hooks.registry))
    hooks.after_each(compare)


def compare(transaction: Transaction) -> None:
    """Fail a transaction Gavel passed whose response differs from its example."""
    if not isinstance(transaction, dict) or transaction.get("skip"):
        return
    rules = rules_for(str(transaction.get("name") or ""), closed_objects=mode() == "strict")
    if rules.opted_out is not None:
        _note(transaction, rules.opted_out)
    if not comparable(transaction):
        return
    found = differences(transaction, rules)
    if found:
        fail(transaction, message(found))


def _note(transaction: Transaction, opted_out: str) -> None:
    path = os.environ.get(NOTES_ENV)
    if not path:
        return
    line = {"name": transaction.get("name"), "id": transaction.get("id"), "inexact": opted_out}
    with open(path, "a", encoding="utf-8") as notes:  # a few lines a run: no handle kept
        notes.write(json.dumps(line, ensure_ascii=False) + "\n")
