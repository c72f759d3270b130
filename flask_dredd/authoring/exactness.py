"""How strictly each transaction's response is compared, for `flask dredd names` and `check`.

One of four, from the hook files' declarations and the documented example:

- "exact": every value the example shows must come back equal;
- "volatile": exact, except the documented values under a volatile declaration, which
  must satisfy their matcher (the paths and headers are listed);
- "partly inexact": exact, except paths declared `inexact(name, "$.path", reason=…)`;
- "inexact": declared `inexact(name, reason=…)`: Gavel's shape check only.

Besides its kind, a transaction lists the `extra_allowed(path, reason=…)` declarations
that apply to it: the opt-outs of closed responses (check `closed`), each with its reason
and where it is declared.

An opt-out always carries its reason: `inexact` without one is refused when the hook
file loads, so `check` fails on it the way it fails on any hook file that does not load.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from dredd_hooks_handler.hooks import Hook, Registry

from flask_dredd.contract.compiler import DocumentedTransaction
from flask_dredd.declarations import (
    Declaration,
    ExtraAllowed,
    allowances,
    declaration_of,
    volatility,
)
from flask_dredd.exact.headers import Cookie
from flask_dredd.exact.paths import render, walk


@dataclass(frozen=True)
class Exactness:
    kind: str  # exact, volatile, partly inexact, inexact
    volatile: tuple[str, ...] = ()  # "$.created_at (DATETIME_UTC)", "header Set-Cookie session …"
    paths: tuple[str, ...] = ()  # the inexact paths, for "partly inexact"
    reason: str = ""
    declared_at: tuple[Hook, ...] = ()  # the inexact declarations
    allowed: tuple[ExtraAllowed, ...] = ()  # the extra_allowed declarations that apply

    def where(self, root: Path | None = None) -> str:
        """`hooks/x.py:3`: where the opt-out is declared, relative to `root` when inside."""
        sites = [_site(hook.file, hook.line, root) for hook in self.declared_at]
        return ", ".join(dict.fromkeys(sites))

    @property
    def opted_out(self) -> bool:
        return self.kind in ("inexact", "partly inexact") or bool(self.allowed)

    def describe(self, root: Path | None = None) -> str:
        extra = [f"{a.describe()} ({_site(a.file, a.line, root)})" for a in self.allowed]
        return "; ".join([self._describe(root), *extra])

    def _describe(self, root: Path | None = None) -> str:
        if self.kind == "inexact":
            return f"inexact: {self.reason} ({self.where(root)})"
        if self.kind == "partly inexact":
            return f"inexact at {', '.join(self.paths)}: {self.reason} ({self.where(root)})"
        if self.kind == "volatile":
            return f"exact, volatile: {', '.join(self.volatile)}"
        return "exact"


def _site(path: str, line: int, root: Path | None) -> str:
    if root is not None:
        relative = os.path.relpath(path, root)
        path = path if relative.startswith("..") else relative
    return f"{path}:{line}"


def exactness(transaction: DocumentedTransaction, registry: Registry) -> Exactness:
    """How `transaction` is compared, given the hook files loaded into `registry`."""
    kind = _exactness(transaction, registry)
    allowed = tuple(allowances(transaction.name, registry))
    return replace(kind, allowed=allowed) if allowed else kind


def _exactness(transaction: DocumentedTransaction, registry: Registry) -> Exactness:
    declared = [
        (d, hook)
        for hook in registry.named("before", transaction.name)
        if (d := declaration_of(hook)) is not None and d.kind == "inexact"
    ]
    whole = next(((d, h) for d, h in declared if not d.paths), None)
    if whole is not None:
        return Exactness("inexact", reason=whole[0].reason, declared_at=(whole[1],))
    if declared:
        return _partly(declared)
    found = _volatile_values(transaction, registry) + _volatile_headers(transaction, registry)
    return Exactness("volatile", volatile=tuple(found)) if found else Exactness("exact")


def _partly(declared: list[tuple[Declaration, Hook]]) -> Exactness:
    paths = tuple(str(p) for d, _ in declared for p in d.paths)
    reasons = "; ".join(dict.fromkeys(d.reason for d, _ in declared))
    hooks = tuple(h for _, h in declared)
    return Exactness("partly inexact", paths=paths, reason=reasons, declared_at=hooks)


def _volatile_values(transaction: DocumentedTransaction, registry: Registry) -> list[str]:
    try:
        body = json.loads(transaction.body) if transaction.body.strip() else None
    except ValueError:
        return []
    if not isinstance(body, (dict, list)):
        return []
    table = volatility(registry).values
    found = []
    for path, value in walk(body):
        entry = next((v for v in table if v.pattern.matches(path)), None)
        if entry is not None and value is not None:
            found.append(f"{render(path)} ({entry.matcher.name})")
    return found


def _volatile_headers(transaction: DocumentedTransaction, registry: Registry) -> list[str]:
    found = []
    for name, value in transaction.headers:
        lower = name.lower()
        for entry in volatility(registry).headers:
            if entry.header != lower:
                continue
            if entry.cookie is None:
                found.append(f"header {name} ({entry.matcher.name})")
            elif Cookie(value).name == entry.cookie and Cookie(value).value:
                found.append(f"header {name} {entry.cookie} ({entry.matcher.name})")
    return found


def summary(kinds: list[Exactness]) -> str:
    """`exactness: 20 exact, 8 with volatile fields, 1 opted out (1 partly)`."""
    counts = Counter(kind.kind for kind in kinds)
    out = sum(1 for kind in kinds if kind.opted_out)  # inexact, or extra keys allowed
    partly = f" ({counts['partly inexact']} partly)" if counts["partly inexact"] else ""
    return (
        f"exactness: {counts['exact']} exact, {counts['volatile']} with volatile fields, "
        f"{out} opted out{partly}"
    )
