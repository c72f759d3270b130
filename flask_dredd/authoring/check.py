"""`flask dredd check`: the blueprint, the hook files and the app's routes agree.

Each problem is one precise message saying where it is and what to do. The kinds:

- unknown-name: a hook names a transaction the blueprint does not have (it would never
  run); the nearest real name is suggested;
- no-fixtures: a transaction has no fixture hook and is not declared as needing none;
- contradiction: a transaction declared as needing no fixtures also has fixture hooks;
- skip-without-reason: a hook file sets `transaction["skip"]` itself, with no reason;
- undocumented-route: the app serves a method + rule the blueprint does not document;
- unrouted-action: the blueprint documents a method + URI that no route serves;
- unknown-exclusion: a route left out of the contract (pyproject's excluded-routes) that
  the app does not serve; excluded-but-documented: one the blueprint documents anyway;
- untested-response: a `+ Response` after another under one request, which Dredd drops
  silently (it tests the first response of each request only).

Besides problems, `check` says how strictly the responses are compared (`strictness`):
every opt-out from exact comparison with its reason and where it is declared, and the
counts. An opt-out without a reason is a hook file that does not load, so check fails.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, Map, RequestRedirect, Rule

from flask_dredd.authoring.exactness import summary
from flask_dredd.authoring.inventory import Inventory, where
from flask_dredd.contract.apib_text import untested_responses
from flask_dredd.contract.compiler import DocumentedTransaction
from flask_dredd.contract.routes import Route, template_shape
from flask_dredd.sources import read_python, read_source


@dataclass(frozen=True)
class Problem:
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


def untested_response_problems(blueprint: Path, root: Path) -> list[Problem]:
    """The responses of `blueprint` that Dredd would never test (see `untested_responses`)."""
    lines = read_source(blueprint, "blueprint").splitlines()
    return [
        Problem("untested-response", dropped.describe(where_path(blueprint, root)))
        for dropped in untested_responses(lines)
    ]


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
        tree = ast.parse(read_python(path), str(path))
    except SyntaxError:
        return []  # loading the hook file reports it, with the line
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            continue
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


def route_problems(
    transactions: list[DocumentedTransaction],
    routes: list[Route],
    converters: Mapping[str, type[BaseConverter]] | None = None,
    excluded: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Routes the blueprint does not document, and actions no route serves.

    Rule by rule: each transaction's example request is routed the way the app routes
    it (werkzeug, with the app's `converters`), so two rules that differ only by their
    converter (`/users/<int:id>`, `/users/<username>`) are two routes, each documented
    only by a request that reaches it. Routes in `excluded` (`"GET /docs"` or `"/docs"`
    to reason) are left out of the contract; one the app does not serve is a problem.
    """
    exclusions = excluded or {}
    reaches = reached_routes(transactions, routes, converters)
    documented: dict[tuple[str, str], list[DocumentedTransaction]] = {}
    for t in transactions:
        documented.setdefault((t.method, template_shape(t.uri_template)), []).append(t)
    problems = []
    for route in routes:
        if route not in reaches.values() and exclusion(route, exclusions) is None:
            problems.append(
                Problem(
                    "undocumented-route",
                    f"the app serves {route} (endpoint {route.endpoint!r}), which the "
                    "blueprint does not document: add an action for it to the blueprint, "
                    f'or leave it out of the contract: "{route}" = "why" under '
                    "[tool.flask-dredd.excluded-routes] in pyproject.toml",
                )
            )
    unserved = [t for t in transactions if reaches.get(t.name) is None]
    for (method, shape), documenting in documented.items():
        documenting = [t for t in documenting if t in unserved]
        if not documenting:
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
    for key in exclusions:
        if not any(exclusion(route, {key: ""}) is not None for route in routes):
            problems.append(
                Problem(
                    "unknown-exclusion",
                    f"[tool.flask-dredd.excluded-routes] leaves out {key!r}, which the app "
                    "does not serve: remove it, or write the rule as Flask does "
                    "(`flask routes` lists them), e.g. \"GET /docs\"",
                )
            )
    for route in routes:
        found = exclusion(route, exclusions)
        if found is not None and route in reaches.values():
            problems.append(
                Problem(
                    "excluded-but-documented",
                    f"{route} is left out of the contract ({found}) but the blueprint "
                    "documents it: remove the exclusion",
                )
            )
    return problems


def reached_routes(
    transactions: list[DocumentedTransaction],
    routes: list[Route],
    converters: Mapping[str, type[BaseConverter]] | None = None,
) -> dict[str, Route | None]:
    """Each transaction's name and the route its example request reaches (None: none)."""
    url_map = Map(
        [Rule(r.rule, methods=[r.method], endpoint=r) for r in routes],
        converters=dict(converters or {}),
    )
    adapter = url_map.bind("localhost")
    reached: dict[str, Route | None] = {}
    for t in transactions:
        path = urlsplit(t.uri).path or "/"
        try:
            endpoint, _ = adapter.match(path, t.method)
        except RequestRedirect as redirect:  # a missing or extra trailing slash
            try:
                endpoint, _ = adapter.match(urlsplit(redirect.new_url).path, t.method)
            except HTTPException:
                endpoint = None
        except HTTPException:
            endpoint = None
        if endpoint is None and "{" in path:  # an example URI with no example values
            shaped = [r for r in routes if (r.method, r.shape) == (t.method, template_shape(path))]
            endpoint = shaped[0] if len(shaped) == 1 else None
        reached[t.name] = endpoint
    return reached


def exclusion(route: Route, excluded: Mapping[str, str]) -> str | None:
    """The reason `route` is left out of the contract, or None."""
    for key, reason in excluded.items():
        method, _, rule = key.strip().rpartition(" ")
        if rule == route.rule and method.upper() in ("", route.method):
            return reason
    return None


def excluded_lines(routes: list[Route], excluded: Mapping[str, str]) -> list[str]:
    """One line per route left out of the contract, with its reason."""
    return [
        f"excluded: {route}: {reason}"
        for route in routes
        if (reason := exclusion(route, excluded)) is not None
    ]


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
