"""Vacuity check: does each filter of a list example exclude something?

A filter example proves nothing when its fixtures hold no row the filter would remove:
the API could ignore the filter and still answer the documented example. After a `GET`
transaction that passed with a 2xx answer, this module asks the same request again
(same headers, same state: the transaction's fixtures) without each query parameter in
turn, pagination aside (`page`, `per_page`). When the answer is the same, the filter is
flagged: ``filter starts_after removes nothing here: add a fixture it must exclude``.

A flag does not fail the transaction: it is a line in the run's `vacuity.jsonl`
(``FLASK_DREDD_VACUITY_NOTES``, set by the runner) ``{"name", "id", "vacuous"}``, shown
in the HTML report and by `flask dredd check` after a run; `check --strict` fails on it.

Standard library only: it runs inside the hooks handler.
"""

from __future__ import annotations

import http.client
import json
import os
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask_dredd.transactions import Transaction

NOTES_FILE, NOTES_ENV = "vacuity.jsonl", "FLASK_DREDD_VACUITY_NOTES"
#: Query parameters that page through a list rather than filter it.
PAGINATION = frozenset({"page", "per_page"})
TIMEOUT = 3.0


def check(transaction: Transaction) -> list[str]:
    """Flag each filter of a passed 2xx GET that changes nothing; note the flags."""
    path = os.environ.get(NOTES_ENV)
    request = transaction.get("request") or {}
    real = transaction.get("real") or {}
    status = int(real.get("statusCode") or 0)
    if not path or transaction.get("fail") or str(request.get("method")) != "GET":
        return []
    if not 200 <= status < 300:
        return []
    uri = urlsplit(str(request.get("uri") or ""))
    pairs = parse_qsl(uri.query, keep_blank_values=True)
    flags = []
    for name in dict.fromkeys(k for k, _ in pairs if k not in PAGINATION):
        without = urlunsplit(
            ("", "", uri.path, urlencode([(k, v) for k, v in pairs if k != name]), "")
        )
        answer = _get(transaction, without, request.get("headers") or {})
        if answer is not None and answer == (status, _normal(str(real.get("body") or ""))):
            flags.append(f"filter {name} removes nothing here: add a fixture it must exclude")
    if flags:
        with open(path, "a", encoding="utf-8") as notes:
            for flag in flags:
                line = {
                    "name": transaction.get("name"),
                    "id": transaction.get("id"),
                    "vacuous": flag,
                }
                notes.write(json.dumps(line, ensure_ascii=False) + "\n")
    return flags


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
