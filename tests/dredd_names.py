"""The tests' oracle: what `dredd --names` makes of an .apib, its transactions in run order.

The engine compiles an .apib once, with Dredd's own compiler
(`flask_dredd.contract.compiler`). The tests keep this second opinion from Dredd's
command line, to check that the compiler's names are exactly the names Dredd matches
hooks against and to know each transaction's example request.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask_dredd.errors import ContractError


@dataclass(frozen=True)
class Transaction:
    name: str  # e.g. "Events > Event > Get an event > Example 2"
    method: str
    status: int
    uri: str  # the example URI, e.g. /events/1


def transactions(blueprint: Path, dredd_bin: Path) -> list[Transaction]:
    """Every transaction Dredd would run for ``blueprint``, in its order."""
    # An empty working directory: Dredd always reads ./dredd.yml, whose hooks and
    # reporters have no business in a listing.
    with tempfile.TemporaryDirectory() as empty:
        result = subprocess.run(
            [str(dredd_bin), str(blueprint.resolve()), "http://127.0.0.1:9",
             "--names", "--color=false"],
            cwd=empty,
            capture_output=True,
            text=True,
            timeout=120,
        )  # fmt: skip
    return parse_names_output(result.stdout, blueprint, result.returncode, result.stderr)


def parse_names_output(stdout: str, blueprint: Path, code: int, stderr: str) -> list[Transaction]:
    lines = stdout.splitlines()
    errors = [line for line in lines if line.startswith(("error:", "warn:"))]
    if code != 0 or any(line.startswith("error:") for line in errors):
        detail = "\n".join(errors) or stderr.strip()
        raise ContractError(f"Dredd cannot compile {blueprint}:\n{detail}")
    found: list[Transaction] = []
    for name_line, request_line in zip(lines, lines[1:], strict=False):
        if name_line.startswith("info: ") and request_line.startswith("skip: "):
            method, status, uri = request_line[len("skip: ") :].split(" ", 2)
            found.append(Transaction(name_line[len("info: ") :], method, int(status[1:-1]), uri))
    if not found:
        detail = "\n".join(errors) or "(Dredd printed no warning)"
        raise ContractError(f"Dredd found no transactions in {blueprint}:\n{detail}")
    return found
