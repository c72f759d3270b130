"""Failing a transaction from an engine hook, keeping what already failed it.

Dredd reports `transaction["fail"]` set by an after_each hook; the test is marked failed
too, so reporters and the recorder (which runs later) show these lines as the message.
A transaction Gavel or the exact comparison already failed keeps that message first.

Standard library only: it runs inside the hooks handler.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_dredd.transactions import Transaction


def add_failure(transaction: Transaction, heading: str, lines: Sequence[str]) -> None:
    """Fail `transaction` with `heading` and the first problem on one line (the line
    reports quote), then one indented line per further problem."""
    first, *rest = [*lines] or [""]
    text = "\n".join([f"{heading} {first}".rstrip(), *(f"  {line}" for line in rest)])
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


def ran(transaction: Transaction) -> bool:
    """Whether the transaction made its request and got a response to judge by."""
    return (
        isinstance(transaction, dict)
        and not transaction.get("skip")
        and isinstance(transaction.get("real"), dict)
    )
