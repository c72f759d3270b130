"""Follow-up probes: after a transaction, ask another documented request against the state
it left, and compare the answer with that request's documented example.

Declared in a hook file, never hand-coded::

    from flask_dredd.probes.followup import follow_up

    follow_up("Auth > Logout > Log Out > Example 1",          # after this transaction,
              "Auth > Session > Show the Session > Example 2")  # ask this one, with the
                                                                # trigger's credentials

The follow-up sends the documented request (method, URI, headers, body) of the second
transaction to the server the trigger was sent to, with the `carry` headers (default
``Cookie`` and ``Authorization``) taken from the triggering
transaction's own request, as its hooks signed it in: "the old cookie". `carry=()` sends
the documented request as it is. The answer must have the documented status and match
the documented example exactly (the exact comparator's rules, volatile values and
`inexact` declarations of the follow-up's name).

``cookies_set=True`` sends, in the follow-up's ``Cookie`` header, the cookies the
trigger's *answer* set (its ``Set-Cookie`` headers, name and value), over any carried
ones: what a browser holds after a login. So "after Open a Session, the new cookie gets
the documented session" is::

    follow_up("Auth > Session > Open a Session > Example 1",
              "Auth > Session > Show the Session > Example 1", carry=(), cookies_set=True)

An answer that set no cookie fails the trigger: the login handed the browser nothing to
come back with. Differences fail the triggering transaction (the check `follow-up`,
`flask_dredd.checks.followups`), under a heading naming the follow-up, so they show
under the trigger in Dredd's report and the HTML report.

Standard library only: it runs inside the hooks handler.
"""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from dredd_hooks_handler import hooks

from flask_dredd.callsite import project_frame
from flask_dredd.declarations import PerRegistry
from flask_dredd.exact.transaction import differences, rules_for
from flask_dredd.transactions import Message

#: Headers a follow-up takes from its trigger's request unless told otherwise.
CARRY = ("Cookie", "Authorization")
#: Seconds a follow-up request may take: the whole after_each hook must finish in 4 s.
TIMEOUT = 3.0


@dataclass(frozen=True)
class FollowUp:
    trigger: str
    ask: str
    carry: tuple[str, ...]
    file: str
    line: int
    cookies_set: bool = False  # send the cookies the trigger's answer set

    def heading(self) -> str:
        carried = f", with this transaction's {', '.join(self.carry)}" if self.carry else ""
        if self.cookies_set:
            carried += ", with the cookies this transaction's answer set"
        return f"follow-up {self.ask!r}{carried} ({self.file}:{self.line}):"


_follow_ups: PerRegistry[list[FollowUp]] = PerRegistry(list)
#: The whole compiled contract, written by the runner: a shard runs only some of it.
CONTRACT_ENV = "FLASK_DREDD_CONTRACT"

_documented: dict[str, dict[str, Any]] = {}  # name -> Dredd's transaction, from before_all


def follow_ups(registry: hooks.Registry | None = None) -> list[FollowUp]:
    return _follow_ups.of(registry)


def follow_up(
    trigger: str, ask: str, *, carry: Sequence[str] = CARRY, cookies_set: bool = False
) -> None:
    """After transaction `trigger`, ask the documented transaction `ask` (see above)."""
    for label, value in (("trigger", trigger), ("ask", ask)):
        if not isinstance(value, str) or not value.strip():
            raise TypeError(f"follow_up() takes transaction names; {label} is {value!r}")
    if trigger == ask:
        raise ValueError(f"follow_up({trigger!r}, ...) asks the transaction that triggers it")
    if isinstance(carry, str):
        raise TypeError(f"follow_up(carry=...) takes a list of header names: carry=[{carry!r}]")
    frame = project_frame()
    follow_ups().append(
        FollowUp(
            trigger, ask, tuple(carry), frame.f_code.co_filename, frame.f_lineno, cookies_set
        )  # fmt: skip
    )


def arm(transactions: Any) -> None:
    """Keep the documented transactions the follow-ups ask: before_all's list, then the
    whole contract's (``$FLASK_DREDD_CONTRACT``), since a shard runs only some of them."""
    _documented.clear()
    for transaction in transactions if isinstance(transactions, list) else []:
        if isinstance(transaction, dict):
            _documented.setdefault(str(transaction.get("name") or ""), transaction)
    for transaction in _whole_contract(os.environ.get(CONTRACT_ENV, "")):
        _documented.setdefault(str(transaction.get("name") or ""), transaction)


def _whole_contract(path: str) -> list[dict[str, Any]]:
    """The compiled contract (`flask_dredd.contract` writes it) in Dredd's transaction shape."""
    try:
        with open(path, encoding="utf-8") as file:
            compiled = json.load(file)
    except (OSError, ValueError):
        return []  # none written (a plain handler run): before_all's list is all there is
    return [
        {
            "name": entry.get("name"),
            "request": {
                "method": entry.get("method"),
                "uri": entry.get("uri"),
                "headers": dict(entry.get("request_headers") or ()),
                "body": entry.get("request_body") or "",
            },
            "expected": {
                "statusCode": str(entry.get("status")),
                "headers": dict(entry.get("headers") or ()),
                "body": entry.get("body") or "",
            },
        }
        for entry in compiled
        if isinstance(entry, dict)
    ]


def documented(name: str) -> bool | None:
    """Whether this run's blueprint documents `name`; None when no list was armed."""
    return (name in _documented) if _documented else None


def ask(probe: FollowUp, trigger: Mapping[str, Any]) -> list[str]:
    """The differences between the follow-up's answer and its documented example."""
    documented = _documented.get(probe.ask)
    if documented is None:
        return [f"the blueprint documents no transaction {probe.ask!r} (see `flask dredd names`)"]
    request = documented.get("request") or {}
    headers = _headers(request.get("headers"), (trigger.get("request") or {}).get("headers"),
                       probe.carry)  # fmt: skip
    if probe.cookies_set:
        cookies = set_cookies(trigger)
        if not cookies:
            return ["the answer set no cookie to send back (no Set-Cookie header)"]
        kept = _cookie_pairs(next((v for k, v in headers.items() if k.lower() == "cookie"), ""))
        merged = {**dict(kept), **cookies}
        headers = {k: v for k, v in headers.items() if k.lower() != "cookie"}
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in merged.items())
    try:
        status, real_headers, body = _send(trigger, str(request.get("method") or "GET"),
                                           str(request.get("uri") or "/"), headers,
                                           str(request.get("body") or ""))  # fmt: skip
    except (OSError, http.client.HTTPException) as exc:
        return [f"no answer from the server: {exc}"]
    expected = cast(Message, documented.get("expected") or {})
    found = []
    if str(status) != str(expected.get("statusCode")):
        found.append(f"status: documented {expected.get('statusCode')}, got {status}")
    real: Message = {"statusCode": status, "headers": real_headers, "body": body}
    found += differences({"expected": expected, "real": real}, rules_for(probe.ask))
    return found


def set_cookies(trigger: Mapping[str, Any]) -> dict[str, str]:
    """name -> value of each cookie the trigger's answer set (an expired one left out)."""
    headers = (trigger.get("real") or {}).get("headers") or {}
    found: dict[str, str] = {}
    for key, value in headers.items() if isinstance(headers, Mapping) else ():
        if str(key).lower() != "set-cookie":
            continue
        for line in value if isinstance(value, list) else [value]:
            pair, *attributes = str(line).split(";")
            name, _, cookie = pair.strip().partition("=")
            if any(a.strip().lower().startswith("max-age=0") for a in attributes):
                found.pop(name, None)  # the answer deleted it
            elif name:
                found[name] = cookie
    return found


def _cookie_pairs(header: str) -> list[tuple[str, str]]:
    pairs = (part.strip().partition("=") for part in header.split(";") if part.strip())
    return [(name, value) for name, _, value in pairs]


def _headers(documented: Any, trigger: Any, carry: Sequence[str]) -> dict[str, str]:
    carried = {c.lower() for c in carry}
    headers = {
        str(k): str(v) for k, v in (documented or {}).items() if str(k).lower() not in carried
    }
    for key, value in (trigger or {}).items():
        if str(key).lower() in carried:
            headers[str(key)] = str(value)
    return headers


def _send(trigger: Mapping[str, Any], method: str, uri: str, headers: Mapping[str, str],
          body: str) -> tuple[int, dict[str, list[str]], str]:  # fmt: skip
    host, port = str(trigger.get("host") or "127.0.0.1"), int(trigger.get("port") or 80)
    secure = str(trigger.get("protocol") or "http:").startswith("https")
    kind = http.client.HTTPSConnection if secure else http.client.HTTPConnection
    connection = kind(host, port, timeout=TIMEOUT)
    try:
        connection.request(method, uri, body=body.encode("utf-8") if body else None,
                           headers=dict(headers))  # fmt: skip
        response = connection.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        found: dict[str, list[str]] = {}
        for key, value in response.getheaders():
            found.setdefault(key.lower(), []).append(value)
        return response.status, found, text
    finally:
        connection.close()
