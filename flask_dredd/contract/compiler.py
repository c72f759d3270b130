"""The blueprint as Dredd compiles it: each transaction with the URI template it came from.

`dredd --names` gives names and example URIs only; checking a blueprint against the
app's routes needs the templates (`/events/{id}{?page}`), so `compiler.js` asks Dredd's
own compiler, dredd-transactions, for both. Its names are the names Dredd matches
hooks against (a test compares them with `dredd --names`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from flask_dredd.errors import ContractError
from flask_dredd.sources import read_source

SCRIPT = Path(__file__).with_name("compiler.js")


@dataclass(frozen=True)
class DocumentedTransaction:
    name: str  # "Events > Event > Retrieve an Event > Example 2"
    id: str  # Dredd's id, the xunit test case name: "GET (404) /events/1"
    method: str
    status: int
    uri: str  # the example URI: "/events/1?page=2"
    uri_template: str  # "/events/{id}{?page}"
    body: str = ""  # the documented response body ("" when the example shows none)
    headers: tuple[tuple[str, str], ...] = ()  # the documented response headers, in order
    request_headers: tuple[tuple[str, str], ...] = ()  # the documented request's headers
    request_body: str = ""  # the documented request's body

    @property
    def path_segments(self) -> list[str]:
        """The literal segments of the template's path: `/events/{id}/talks` → events, talks."""
        path = self.uri_template.split("{?")[0].split("?")[0]
        return [part for part in path.split("/") if part and "{" not in part]


#: How long Dredd's compiler may take: this much, plus this much per KB of blueprint
#: (measured: 31 s for a 380 KB blueprint of 3,000 transactions at a load of 7 on 2 cores,
#: over 120 s at a load of 18; a fixed 120 s ended such a run in a traceback).
COMPILE_BASE, COMPILE_PER_KB = 120.0, 1.0


def compile_limit(size: int) -> float:
    """Seconds the compile of a blueprint of ``size`` bytes may take before it is given up."""
    return COMPILE_BASE + COMPILE_PER_KB * size / 1024


def documented_transactions(blueprint: Path, node_modules: Path) -> list[DocumentedTransaction]:
    """Every transaction of `blueprint`, in Dredd's order; ContractError if it has errors."""
    node = shutil.which("node")
    if node is None:
        raise ContractError("Node.js is not installed (no `node` on PATH); Dredd needs it")
    if not blueprint.exists():
        raise ContractError(f"blueprint {blueprint} not found")
    read_source(blueprint, "blueprint")  # Node.js would read a byte that is not UTF-8 as "�"
    limit = compile_limit(blueprint.stat().st_size)
    try:
        result = subprocess.run(
            [node, str(SCRIPT), str(node_modules.resolve()), str(blueprint.resolve())],
            capture_output=True,
            text=True,
            timeout=limit,
        )
    except subprocess.TimeoutExpired:
        raise ContractError(
            f"Dredd's compiler did not finish {blueprint} within {limit:.0f} s (its limit for "
            f"{blueprint.stat().st_size // 1024} KB); the machine may be overloaded: run again "
            "when it is not, or split the blueprint"
        ) from None
    if result.returncode != 0:
        raise ContractError(f"Dredd's compiler failed on {blueprint}:\n{result.stderr.strip()}")
    compiled = json.loads(result.stdout)
    if compiled["errors"]:
        raise ContractError(f"Dredd cannot compile {blueprint}:\n" + "\n".join(compiled["errors"]))
    found = [
        DocumentedTransaction(
            t["name"], t["id"], t["method"], t["status"], t["uri"], t["uriTemplate"] or t["uri"],
            t.get("body") or "", tuple((str(n), str(v)) for n, v in t.get("headers") or []),
            tuple((str(n), str(v)) for n, v in t.get("requestHeaders") or []),
            t.get("requestBody") or "",
        )  # fmt: skip
        for t in compiled["transactions"]
    ]
    if not found:
        raise ContractError(f"Dredd found no transactions in {blueprint}")
    return found
