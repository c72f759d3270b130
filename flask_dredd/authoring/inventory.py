"""Each transaction of the blueprint with what the hook files say about it.

A transaction is in one of four states:

- "fixtures": one or more `before(name)` hooks load its rows or credentials;
- "no fixtures": declared as needing none (`declarations.no_fixtures`);
- "skipped": declared skipped, with a reason (`declarations.skip`);
- "missing": none of the above, which `flask dredd check` refuses.

Each also says how strictly its response is compared (`flask_dredd.authoring.exactness`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dredd_hooks_handler.hooks import NAMED_KINDS, Hook, Registry

from flask_dredd.authoring.exactness import Exactness, exactness, summary
from flask_dredd.contract.compiler import DocumentedTransaction
from flask_dredd.declarations import Declaration, declaration_of


@dataclass
class Entry:
    transaction: DocumentedTransaction
    fixtures: list[Hook] = field(default_factory=list)  # ordinary before(name) hooks
    declarations: list[tuple[Declaration, Hook]] = field(default_factory=list)
    exactness: Exactness = field(default_factory=lambda: Exactness("exact"))

    @property
    def skip(self) -> tuple[Declaration, Hook] | None:
        return next((d for d in self.declarations if d[0].kind == "skip"), None)

    @property
    def state(self) -> str:
        if self.skip:
            return "skipped"
        if self.fixtures:
            return "fixtures"
        declared_none = any(d.kind == "no fixtures" for d, _ in self.declarations)
        return "no fixtures" if declared_none else "missing"


@dataclass
class Inventory:
    entries: list[Entry]
    unknown: list[Hook]  # named hooks (declarations included) bound to no transaction
    registry: Registry | None = None  # the hook files' registry (stand-ins live there)

    @property
    def names(self) -> list[str]:
        return [entry.transaction.name for entry in self.entries]

    def entry(self, name: str) -> Entry | None:
        return next((e for e in self.entries if e.transaction.name == name), None)

    @property
    def compared(self) -> list[Exactness]:
        """How each transaction that is not skipped is compared."""
        return [entry.exactness for entry in self.entries if entry.state != "skipped"]

    def count(self, state: str) -> int:
        return sum(1 for entry in self.entries if entry.state == state)


def take_inventory(transactions: list[DocumentedTransaction], registry: Registry) -> Inventory:
    entries = {t.name: Entry(t) for t in transactions}
    unknown: list[Hook] = []
    for hook in registry:
        if hook.kind not in NAMED_KINDS:
            continue
        entry = entries.get(hook.name or "")
        if entry is None:
            unknown.append(hook)
        elif hook.kind == "before":
            declaration = declaration_of(hook)
            if declaration is None:
                entry.fixtures.append(hook)
            else:
                entry.declarations.append((declaration, hook))
    for entry in entries.values():
        entry.exactness = exactness(entry.transaction, registry)
    return Inventory(list(entries.values()), unknown, registry)


def where(hook: Hook, root: Path | None = None) -> str:
    """`hooks/events.py:12`: a hook's definition site, relative to the project when inside."""
    path = hook.file
    if root is not None:
        relative = os.path.relpath(path, root)
        path = path if relative.startswith("..") else relative
    return f"{path}:{hook.line}"


def describe_inventory(inventory: Inventory, root: Path) -> list[str]:
    """`flask dredd names`: one line per transaction, in Dredd's order, then the totals."""
    width = max((len(name) for name in inventory.names), default=0)
    lines = []
    for entry in inventory.entries:
        t = entry.transaction
        if entry.state == "skipped" and entry.skip:
            declaration, hook = entry.skip
            detail = f"{where(hook, root)}: {declaration.reason}"
        elif entry.state == "fixtures":
            detail = ", ".join(f"{where(h, root)} {h.function_name}" for h in entry.fixtures)
        elif entry.state == "no fixtures":
            detail = where(entry.declarations[0][1], root)
        else:
            detail = "no fixture hook, not declared: `flask dredd scaffold` writes one"
        state = "MISSING" if entry.state == "missing" else entry.state
        # How strictly the response is compared; a skipped transaction is not compared.
        strictness = "" if entry.state == "skipped" else f"  [{entry.exactness.describe(root)}]"
        lines.append(f"{t.name:<{width}}  {t.id:<40}  {state:<11}  {detail}{strictness}")
    lines.append(
        f"{len(inventory.entries)} transactions: {inventory.count('fixtures')} with fixtures, "
        f"{inventory.count('no fixtures')} need none, {inventory.count('skipped')} skipped, "
        f"{inventory.count('missing')} missing"
    )
    lines.append(summary(inventory.compared))
    for hook in inventory.unknown:
        lines.append(f"unknown name: {where(hook, root)} {hook.describe()}")
    return lines
