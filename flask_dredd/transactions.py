"""Helpers for hooks that edit a Dredd transaction before Dredd sends it.

A transaction is the dict Dredd passes to every hook; the request's headers are a plain
``{name: value}`` mapping in ``transaction["request"]["headers"]``. HTTP header names are
case-insensitive, so these helpers replace a header whatever its spelling in the
blueprint (``authorization`` or ``Authorization``) instead of sending it twice.

`Transaction` is the one type of Dredd's transaction in the engine: what the
decorators' hooks receive, what exact comparison, the probes, the recorder's capture and
the wiring read and write.

Standard library only, and nothing about any particular API.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any, TypedDict


class Message(TypedDict, total=False):
    """A request or response as Dredd shows it to hooks."""

    method: str
    uri: str
    statusCode: str | int
    headers: dict[str, Any]  # {name: value}; a probe's real answer: {name: [values]}
    body: str
    bodySchema: str | dict[str, Any]


class Transaction(TypedDict, total=False):
    """Dredd's transaction, as every hook receives it (Dredd 14's fields hooks use)."""

    name: str  # "Group > Resource > Action > Example 1", what hooks are named by
    id: str  # "GET (200) /events/1", the xunit test case's name
    origin: dict[str, Any]  # apiName, resourceGroupName, resourceName, actionName, …
    host: str
    port: int | str
    protocol: str
    fullPath: str
    request: Message
    expected: Message
    real: Message  # after the request: what the server answered
    skip: bool
    fail: bool | str  # a hook sets a message: Dredd fails the transaction with it
    test: dict[str, Any]  # after validation: status, message, results
    results: dict[str, Any]
    findings: list[dict[str, Any]]  # what the engine's checks found, for the recorder


def request_headers(transaction: Transaction) -> MutableMapping[str, str]:
    """The request's header mapping, created if the blueprint gave the request none."""
    request = transaction.setdefault("request", {})
    headers = request.get("headers")
    if headers is None:
        headers = request["headers"] = {}
    return headers


def remove_header(transaction: Transaction, name: str) -> None:
    """Drop every spelling of header `name` from the request."""
    headers = request_headers(transaction)
    for key in [key for key in headers if key.lower() == name.lower()]:
        del headers[key]


def set_header(transaction: Transaction, name: str, value: str) -> None:
    """Send header `name` with `value`, replacing whatever the blueprint said."""
    remove_header(transaction, name)
    request_headers(transaction)[name] = value


def set_bearer(transaction: Transaction, token: str) -> None:
    """Send ``Authorization: Bearer <token>``, e.g. over a blueprint's placeholder token."""
    set_header(transaction, "Authorization", f"Bearer {token}")


def set_cookie(transaction: Transaction, name: str, value: str) -> None:
    """Add cookie `name` to the request's Cookie header, replacing an earlier value."""
    headers = request_headers(transaction)
    existing = next((headers[key] for key in headers if key.lower() == "cookie"), "")
    cookies = [
        pair.strip()
        for pair in existing.split(";")
        if pair.strip() and pair.split("=", 1)[0].strip() != name
    ]
    set_header(transaction, "Cookie", "; ".join([*cookies, f"{name}={value}"]))


def set_cookies(transaction: Transaction, cookies: Mapping[str, str]) -> None:
    """Add several cookies to the request's Cookie header, as `set_cookie` does for one."""
    for name, value in cookies.items():
        set_cookie(transaction, name, value)


def sign_in_with_cookies(
    transaction: Transaction,
    cookies: Mapping[str, str],
    csrf_token: str | None = None,
    csrf_header: str = "X-CSRFToken",
) -> None:
    """Send the request as a logged-in browser would: its cookies, and on an unsafe request
    the CSRF token its page script copies into `csrf_header` (none if `csrf_token` is None).

    Any Authorization header the blueprint shows is dropped: a browser does not send one.
    """
    remove_header(transaction, "Authorization")
    set_cookies(transaction, cookies)
    if csrf_token is None:
        remove_header(transaction, csrf_header)
    else:
        set_header(transaction, csrf_header, csrf_token)


def set_body(transaction: Transaction, body: str) -> None:
    """Send `body` instead of the blueprint's; Dredd computes the new Content-Length."""
    transaction.setdefault("request", {})["body"] = body
    remove_header(transaction, "Content-Length")
