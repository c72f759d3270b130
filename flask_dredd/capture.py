"""The real responses of a run, kept for `flask dredd record`.

With ``FLASK_DREDD_CAPTURE=<path>`` set, the recorder (`python -m flask_dredd.recorder`)
installs an engine hook that appends one JSON line per transaction as it ends:

    {"name": "...", "real": {"statusCode": 200, "headers": {...}, "body": "..."}}
    {"name": "...", "not_run": "why no request was sent"}

`real` is Dredd's own record of the response (header names in lower case, a repeated
header such as Set-Cookie as a list). A transaction a hook skipped or failed before its
request has no response: `not_run` carries Dredd's `fail` or the skip instead.

Standard library only, like the handler.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from dredd_hooks_handler import hooks

from flask_dredd.transactions import Transaction

CAPTURE_ENV = "FLASK_DREDD_CAPTURE"


class Capture:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._out: IO[str] | None = None

    def install(self) -> None:
        hooks.before_all(self.arm)

    def arm(self, transactions: Any) -> None:
        # Registered once every hook file has loaded: it runs after the project's own
        # after_each hooks, which may not change what the server answered anyway.
        hooks.after_each(self.keep)
        hooks.after_all(self.close)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._out = self.path.open("a", encoding="utf-8")

    def keep(self, transaction: Transaction) -> None:
        if self._out is None:
            return
        record: dict[str, Any] = {"name": transaction.get("name")}
        real = transaction.get("real")
        if isinstance(real, dict) and real.get("statusCode") is not None:
            record["real"] = {key: real.get(key) for key in ("statusCode", "headers", "body")}
        elif transaction.get("skip"):
            record["not_run"] = "skipped"
        else:
            record["not_run"] = str(transaction.get("fail") or "no response was received")
        self._out.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._out.flush()

    def close(self, transactions: Any) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


def read_capture(path: Path) -> dict[str, dict[str, Any]]:
    """Each captured transaction by name (the last line wins); torn lines left out."""
    found: dict[str, dict[str, Any]] = {}
    if not path.exists():
        return found
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and isinstance(record.get("name"), str):
            found[record["name"]] = record
    return found
