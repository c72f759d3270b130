"""The check `vacuity`: a filter whose removal changes nothing is noted, one that removes
a row is not, and pagination is never asked about; notes never fail a transaction."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from flask_dredd.checks.engine import Engine
from flask_dredd.checks.finding import findings_of
from flask_dredd.checks.vacuity import Vacuity
from flask_dredd.probes import vacuity


def judged(transaction: dict[str, Any], database: Any = None) -> list[str]:
    """The engine with this check alone, after `transaction`: the messages of its notes."""
    engine = Engine([Vacuity], database=lambda: database)
    engine.arm([])
    found = engine.judge(transaction)
    assert all(f.kind == "vacuous" and not f.fails for f in found)
    assert "fail" not in transaction
    return [f.message for f in found]

ROWS = [{"id": 1, "owner_id": 1, "title": "talks"}, {"id": 2, "owner_id": 2, "title": "talks"}]


@pytest.fixture
def api() -> Iterator[tuple[list[str], int]]:
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            asked.append(self.path)
            query = parse_qs(urlsplit(self.path).query)
            rows = [
                r for r in ROWS if str(r["owner_id"]) in query.get("owner_id", [str(r["owner_id"])])
            ]
            rows = [r for r in rows if query.get("q", [r["title"]])[0] in r["title"]]
            data = json.dumps({"items": rows}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield asked, httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def listed(port: int) -> dict[str, Any]:
    rows = [ROWS[0]]  # what ?owner_id=1&q=talks answers
    return {
        "name": "Notes > Notes > List", "id": "GET (200) /notes", "host": "127.0.0.1",
        "port": port, "protocol": "http:",
        "request": {"method": "GET", "uri": "/notes?owner_id=1&q=talks&page=1&per_page=20",
                    "headers": {"Accept": "application/json"}},
        "real": {"statusCode": 200, "body": json.dumps({"items": rows}, indent=2)},
    }  # fmt: skip


def test_a_filter_that_removes_nothing_is_flagged_and_noted(api: tuple[list[str], int]) -> None:
    asked, port = api
    transaction = listed(port)
    flags = judged(transaction)
    # Without owner_id, user 2's row comes back: that filter excludes something. Every
    # row says "talks", so q removes nothing.
    assert flags == ["filter q removes nothing here: add a fixture it must exclude"]
    assert asked == ["/notes?q=talks&page=1&per_page=20", "/notes?owner_id=1&page=1&per_page=20"]
    # Kept on the transaction, for the recorder to write into its record.
    [note] = transaction["findings"]
    assert (note["check"], note["kind"], note["severity"]) == ("vacuity", "vacuous", "note")
    assert findings_of(transaction)[0].message == flags[0]


def test_nothing_is_asked_for_a_failed_or_refused_or_unsafe_transaction(
    api: tuple[list[str], int],
) -> None:
    asked, port = api
    failed = {**listed(port), "fail": "status differs"}
    refused = {**listed(port), "real": {"statusCode": 403, "body": "{}"}}
    posted = {**listed(port), "request": {**listed(port)["request"], "method": "POST"}}
    engine = Engine([Vacuity])
    engine.arm([])
    assert [engine.judge(t) for t in (failed, refused, posted)] == [[], [], []]
    assert asked == []


def test_a_scoped_list_without_another_owners_row_is_flagged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert

    from flask_dredd import hooks

    metadata = MetaData()

    class Trash:  # what the check reads of a mapped model: its table
        __table__ = Table("trash", metadata, Column("id", Integer, primary_key=True),
                          Column("owner_id", Integer))  # fmt: skip

    monkeypatch.setattr(hooks, "registry", hooks.Registry())
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with pytest.raises(ValueError, match=r"Trash has no column 'user_id'"):
        vacuity.scoped_list("Trash > List", Trash, owner="user_id")
    vacuity.scoped_list("Trash > List", Trash, owner="owner_id")
    mine = [{"id": 1, "owner_id": 1}, {"id": 2, "owner_id": 1}]
    listed = {"name": "Trash > List", "id": "GET (200) /trash",
              "request": {"method": "GET", "uri": "/trash"},
              "real": {"statusCode": 200, "body": json.dumps({"items": mine})}}  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(Trash.__table__), mine)
    flag = ("list shows only its caller's rows here: add a row of another owner (table "
            "trash) it must exclude")  # fmt: skip
    assert judged(listed, engine) == [flag]
    with engine.begin() as connection:  # someone else's row, which the list leaves out
        connection.execute(insert(Trash.__table__), [{"id": 3, "owner_id": 2}])
    assert judged(dict(listed), engine) == []
