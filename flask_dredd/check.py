"""`flask dredd check`: the blueprint, the hook files and the app's routes agree.

Each problem is one precise message saying where it is and what to do. The kinds:

- unknown-name: a hook names a transaction the blueprint does not have (it would never
  run); the nearest real name is suggested;
- no-fixtures: a transaction has no fixture hook and is not declared as needing none;
- contradiction: a transaction declared as needing no fixtures also has fixture hooks;
- skip-without-reason: a hook file sets `transaction["skip"]` itself, with no reason;
- undocumented-route: the app serves a method + rule the blueprint does not document;
- unrouted-action: the blueprint documents a method + URI that no route serves.

Besides problems, `check` says how strictly the responses are compared (`strictness`):
every opt-out from exact comparison with its reason and where it is declared, and the
counts. An opt-out without a reason is a hook file that does not load, so check fails.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from flask_dredd.actions import DocumentedTransaction
from flask_dredd.exactness import summary
from flask_dredd.inventory import Inventory, where
from flask_dredd.routes import Route, template_shape


@dataclass(frozen=True)
class Problem:
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


def nearest_name(name: str, names: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(name, list(names), n=1, cutoff=0.6)
    return found[0] if found else None


def hook_problems(inventory: Inventory, root: Path) -> list[Problem]:
    problems = []
    for hook in inventory.unknown:
        nearest = nearest_name(hook.name or "", inventory.names)
        hint = (
            f"did you mean {nearest!r}?"
            if nearest
            else "`flask dredd names` lists the transactions"
        )
        problems.append(
            Problem(
                "unknown-name",
                f"{where(hook, root)}: {hook.describe()} names {hook.name!r}, which is not "
                f"a transaction of the blueprint, so it never runs; {hint}",
            )
        )
    for entry in inventory.entries:
        name = entry.transaction.name
        if entry.state == "missing":
            problems.append(
                Problem(
                    "no-fixtures",
                    f"{name!r} has no fixture hook: add one with "
                    f"`flask dredd scaffold {python_string(name)}`, or declare "
                    f"`no_fixtures({python_string(name)})` in the declarations hook file",
                )
            )
        declared_none = [hook for d, hook in entry.declarations if d.kind == "no fixtures"]
        if declared_none and entry.fixtures:
            problems.append(
                Problem(
                    "contradiction",
                    f"{name!r} is declared as needing no fixtures at "
                    f"{where(declared_none[0], root)} but has fixture hooks at "
                    + ", ".join(where(hook, root) for hook in entry.fixtures)
                    + ": remove one or the other",
                )
            )
    return problems


def strictness(inventory: Inventory, root: Path) -> list[str]:
    """One line per transaction opted out of exact comparison, then the counts."""
    lines = [
        f"{entry.exactness.kind}: {entry.transaction.name}: {entry.exactness.describe(root)}"
        for entry in inventory.entries
        if entry.state != "skipped" and entry.exactness.opted_out
    ]
    return [*lines, summary(inventory.compared)]


def raw_skip_problems(hook_paths: Iterable[Path], root: Path) -> list[Problem]:
    """Hook files that set `transaction["skip"]` themselves: a skip nobody can explain."""
    problems = []
    for path in hook_paths:
        for line in _skip_assignments(path):
            site = f"{where_path(path, root)}:{line}"
            problems.append(
                Problem(
                    "skip-without-reason",
                    f"{site} sets transaction['skip'] itself, so nobody can tell why the "
                    "transaction is skipped: write skip(name, reason='…') from "
                    "flask_dredd.declarations instead",
                )
            )
    return problems


def _skip_assignments(path: Path) -> list[int]:
    try:
        tree = ast.parse(path.read_text(), str(path))
    except SyntaxError:
        return []  # loading the hook file reports it, with the line
    lines = []
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            if (
                isinstance(target, ast.Subscript)
                and isinstance(target.slice, ast.Constant)
                and target.slice.value == "skip"
            ):
                lines.append(node.lineno)
    return sorted(lines)


def route_problems(transactions: list[DocumentedTransaction], routes: list[Route]) -> list[Problem]:
    documented: dict[tuple[str, str], list[DocumentedTransaction]] = {}
    for t in transactions:
        documented.setdefault((t.method, template_shape(t.uri_template)), []).append(t)
    served = {(route.method, route.shape): route for route in routes}
    problems = []
    for route in routes:
        if (route.method, route.shape) not in documented:
            problems.append(
                Problem(
                    "undocumented-route",
                    f"the app serves {route} (endpoint {route.endpoint!r}), which the "
                    "blueprint does not document: add an action for it to the blueprint",
                )
            )
    for (method, shape), documenting in documented.items():
        if (method, shape) in served:
            continue
        first = documenting[0]
        others = sorted(str(r) for r in routes if r.shape == shape)
        hint = (
            f"the app serves {', '.join(others)} there"
            if others
            else f"nearest routes: {', '.join(_nearest_routes(shape, routes)) or 'none'}"
        )
        problems.append(
            Problem(
                "unrouted-action",
                f"the blueprint documents {method} {first.uri_template} ({first.name!r}"
                + (f" and {len(documenting) - 1} more" if len(documenting) > 1 else "")
                + f"), which no route of the app serves; {hint}",
            )
        )
    return problems


def _nearest_routes(shape: str, routes: list[Route]) -> list[str]:
    by_shape = {route.shape: route.rule for route in routes}
    return [by_shape[s] for s in difflib.get_close_matches(shape, list(by_shape), n=2)]


def where_path(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def python_string(text: str) -> str:
    """A string literal in double quotes, the project's style, when the text allows it."""
    return f'"{text}"' if '"' not in text and "\\" not in text else repr(text)
