"""Dredd's console output, passed on line by line without its noise unless `--verbose`.

Every run printed the same lines that say nothing about the contract: Node's warning
about winston's `padLevels` (two lines), Dredd's "Error connecting to the hooks handler
process … Retrying." while the handler imports the project (once per 200 ms it waits),
and the API description parser's warnings about the run's own copy of the blueprint
(under the reports folder: the same warnings `flask dredd check` gives for the real
file, at the copy's line numbers). Those are dropped; parser warnings are counted so the
run can say how many it hid. Everything else passes through as Dredd wrote it.
"""

from __future__ import annotations

import re
import sys
import threading
from typing import IO

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: Lines of Dredd's output that never concern the contract.
NOISE = (
    re.compile(r"^\(node:\d+\) Warning: Accessing non-existent property 'padLevels'"),
    re.compile(r"^\(Use `node --trace-warnings \.\.\.` to show where the warning was created\)"),
    re.compile(r"^warn: Error connecting to the hooks handler process\. .*Retrying\.$"),
)


class DreddOutput:
    """Relays Dredd's output to ``sink`` in a thread, dropping `NOISE` and the parser's
    warnings about files under ``generated`` (the run's reports folder)."""

    def __init__(self, source: IO[bytes], generated: str, sink: IO[bytes] | None = None) -> None:
        self.source = source
        self.sink = sink if sink is not None else sys.stdout.buffer
        self.generated = generated
        self.hidden_warnings = 0
        self.thread = threading.Thread(target=self._relay, name="dredd-output", daemon=True)
        self.thread.start()

    def is_noise(self, line: str) -> bool:
        plain = _ANSI.sub("", line).rstrip("\r\n")
        if any(pattern.search(plain) for pattern in NOISE):
            return True
        if plain.startswith("warn: ") and " warning in " in plain and self.generated in plain:
            self.hidden_warnings += 1
            return True
        return False

    def _relay(self) -> None:
        for raw in iter(self.source.readline, b""):
            if not self.is_noise(raw.decode("utf-8", "replace")):
                self.sink.write(raw)
                self.sink.flush()

    def finish(self, timeout: float = 5.0) -> None:
        """Wait until everything Dredd wrote is passed on (its pipe closed)."""
        self.thread.join(timeout)
