"""Vacuity check: does each filter of a list example exclude something?

A filter example proves nothing when its fixtures hold no row the filter would remove:
the API could ignore the filter and still answer the documented example. After a `GET`
transaction that passed with a 2xx answer, this module asks the same request again
(same headers, same state: the transaction's fixtures) without each query parameter in
turn, pagination aside (`page`, `per_page`). When the answer is the same, the filter is
flagged: ``filter starts_after removes nothing here: add a fixture it must exclude``.

A list scoped to its caller proves nothing about the scope when its fixtures hold no row
of another owner for it to exclude. Declared next to the fixtures::

    from flask_dredd.probes.vacuity import scoped_list

    scoped_list("Events > Events > List Events with the Trash", Event, owner="owner_id")

after such a transaction passed, the engine reads `Event`'s table (through the hooks'
database) and looks for a row the answer does not show (by `id`) whose `owner` is none of
the owners the answer shows (each JSON object with an `id` and the `shown_as` key,
default the owner column's name). None found:
``list shows only its caller's rows here: add a row of another owner (table events) it
must exclude``.

A flag does not fail the transaction: the check `vacuity` (`flask_dredd.checks.vacuity`)
makes it a note of kind ``vacuous`` in the transaction's record, listed by the console,
the HTML report and `flask dredd check` after a run; `check --strict` fails on it.

Standard library only: it runs inside the hooks handler.
"""

from __future__ import annotations

import http.client
import json
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from dredd_hooks_handler import hooks

from flask_dredd.transactions import Transaction

#: Query parameters that page through a list rather than filter it.
PAGINATION = frozenset({"page", "per_page"})
TIMEOUT = 3.0


@dataclass(frozen=True)
class ScopedList:
    name: str
    model: Any
    owner: str
    shown_as: str


_scoped: weakref.WeakKeyDictionary[hooks.Registry, dict[str, ScopedList]] = (
    weakref.WeakKeyDictionary()
)


def scoped_list(name: str, model: Any, *, owner: str = "owner_id", shown_as: str = "") -> None:
    """Transaction `name` lists rows of `model` scoped to its caller by the `owner` column:
    its fixtures must hold a row of another owner for the list to exclude."""
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"scoped_list() takes a transaction name first, got {name!r}")
    if getattr(model, "__table__", None) is None:
        raise TypeError(f"scoped_list({name!r}, ...) takes a mapped model, got {model!r}")
    if owner not in model.__table__.c:
        raise ValueError(f"scoped_list({name!r}, ...): {model.__name__} has no column {owner!r}")
    table = _scoped.setdefault(hooks.registry, {})
    table[name] = ScopedList(name, model, owner, shown_as or owner)


def scoped_lists(registry: hooks.Registry | None = None) -> dict[str, ScopedList]:
    return dict(_scoped.get(hooks.registry if registry is None else registry, {}))


def other_owner_flag(scope: ScopedList, body: str, engine: Any) -> str | None:
    """The flag when the table holds no row of another owner the answer leaves out."""
    from sqlalchemy import select

    try:
        shown = [o for o in _objects(json.loads(body)) if "id" in o and scope.shown_as in o]
    except ValueError:
        return None  # not JSON: nothing to compare rows with
    ids = {o["id"] for o in shown}
    owners = {o[scope.shown_as] for o in shown}
    columns = scope.model.__table__.c
    with engine.connect() as connection:
        rows = connection.execute(select(columns["id"], columns[scope.owner])).all()
    if any(key not in ids and owner not in owners for key, owner in rows):
        return None
    return (f"list shows only its caller's rows here: add a row of another owner (table "
            f"{scope.model.__table__.name}) it must exclude")  # fmt: skip


def _objects(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value, *(o for v in value.values() for o in _objects(v))]
    if isinstance(value, list):
        return [o for v in value for o in _objects(v)]
    return []


def flags(transaction: Transaction, database: Callable[[], Any]) -> list[str]:
    """Each filter of a passed 2xx GET that changes nothing, and a scoped list with no
    other owner's row to exclude (`database`: the hooks' engine, asked only then)."""
    request = transaction.get("request") or {}
    real = transaction.get("real") or {}
    status = int(real.get("statusCode") or 0)
    if transaction.get("fail") or str(request.get("method")) != "GET":
        return []
    if not 200 <= status < 300:
        return []
    uri = urlsplit(str(request.get("uri") or ""))
    pairs = parse_qsl(uri.query, keep_blank_values=True)
    found = []
    for name in dict.fromkeys(k for k, _ in pairs if k not in PAGINATION):
        without = urlunsplit(
            ("", "", uri.path, urlencode([(k, v) for k, v in pairs if k != name]), "")
        )
        answer = _get(transaction, without, request.get("headers") or {})
        if answer is not None and answer == (status, _normal(str(real.get("body") or ""))):
            found.append(f"filter {name} removes nothing here: add a fixture it must exclude")
    scope = scoped_lists().get(str(transaction.get("name") or ""))
    if scope is not None:
        flag = other_owner_flag(scope, str(real.get("body") or ""), database())
        found += [flag] if flag else []
    return found


def _get(transaction: Transaction, uri: str, headers: dict[str, Any]) -> tuple[int, str] | None:
    host, port = str(transaction.get("host") or "127.0.0.1"), int(transaction.get("port") or 80)
    secure = str(transaction.get("protocol") or "http:").startswith("https")
    kind = http.client.HTTPSConnection if secure else http.client.HTTPConnection
    connection = kind(host, port, timeout=TIMEOUT)
    try:
        connection.request("GET", uri, headers={str(k): str(v) for k, v in headers.items()})
        response = connection.getresponse()
        return response.status, _normal(response.read().decode("utf-8", errors="replace"))
    except (OSError, http.client.HTTPException):
        return None  # no verdict: an unanswered probe flags nothing
    finally:
        connection.close()


def _normal(body: str) -> str:
    """The body as JSON values compare (key order and spacing aside), else as text."""
    try:
        return json.dumps(json.loads(body), sort_keys=True)
    except ValueError:
        return body
