"""`flask dredd scaffold "<name>"`: the fixture hook stub for a new example.

The hook goes into the module of the action's group (`Events > …` → `hooks/events.py`,
created if missing; without groups, the path's first segment after the `scaffold-prefix`
setting, so `/api/events` with prefix `/api` → `hooks/events.py`) and calls the
factories the path after the prefix suggests (`EventFactory`, `TalkFactory`), those that
exist. The stub is a start: the author makes it create the
rows the example's response shows.
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from flask_dredd.authoring.check import nearest_name, python_string
from flask_dredd.authoring.inventory import Inventory, where
from flask_dredd.authoring.project import Project
from flask_dredd.errors import FlaskDreddError
from flask_dredd.sources import read_python


class ScaffoldError(FlaskDreddError, RuntimeError):
    """The name is unknown or already hooked; the message says what to do instead."""

    exit_code = 1  # the transaction named is not one to scaffold: the command failed


@dataclass(frozen=True)
class Scaffolded:
    path: Path
    line: int  # of the hook's decorator
    function: str
    factories: list[str]
    created: bool  # a new hook module


def scaffold(project: Project, inventory: Inventory, name: str, prefix: str = "") -> Scaffolded:
    entry = inventory.entry(name)
    if entry is None:
        nearest = nearest_name(name, inventory.names)
        hint = f"did you mean {nearest!r}?" if nearest else "`flask dredd names` lists them"
        raise ScaffoldError(f"the blueprint has no transaction {name!r}; {hint}")
    if entry.state != "missing":
        hook = (entry.fixtures or [h for _, h in entry.declarations])[0]
        raise ScaffoldError(
            f"{name!r} already has a hook ({entry.state}) at {where(hook, project.root)}"
        )
    transaction = entry.transaction
    segments = after_prefix(transaction.path_segments, prefix)
    path = project.hook_folder / f"{module_name(segments, name)}.py"
    factories = existing_factories(project, segments)
    created = not path.exists()
    source = new_module(name, project) if created else read_python(path)
    source = with_factory_imports(source, project, factories)
    function = unique_function_name(source, function_name(name))
    decorator = f"@hooks.before({python_string(name)})"
    stub = (
        f"\n\n{decorator}\n"
        f"def {function}(transaction):\n"
        f"    # {transaction.method} {transaction.uri} answers {transaction.status} in the "
        "blueprint:\n"
        "    # create the rows its example shows (ids restart at 1 after each reset).\n"
        + "".join(f"    {factory}()\n" for factory in factories)
        + ("" if factories else "    pass\n")
    )
    source = source.rstrip("\n") + "\n" + stub
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    line = source.count("\n", 0, source.rindex(decorator)) + 1
    return Scaffolded(path, line, function, factories, created)


def module_name(segments: list[str], name: str) -> str:
    """The hook module for a transaction: its action's group (`Events > Event > Get` →
    events), else the first segment of its path after the prefix."""
    parts = name.split(" > ")
    grouped = len(parts) >= 3 and not parts[-1].startswith("Example ") or len(parts) >= 4
    first = parts[0] if grouped or not segments else segments[0]
    return re.sub(r"\W+", "_", first).strip("_").lower() or "resources"


def after_prefix(segments: list[str], prefix: str) -> list[str]:
    """The path's literal segments after the scaffold prefix (`/api`, `/api/v1`)."""
    wanted = [part for part in prefix.split("/") if part]
    return segments[len(wanted) :] if segments[: len(wanted)] == wanted else segments


def function_name(name: str) -> str:
    """`Events > Event > Retrieve an Event > Example 2` → `retrieve_an_event_example_2`."""
    parts = name.split(" > ")
    words = " ".join(parts[2:] if len(parts) > 2 else parts)
    slug = re.sub(r"\W+", "_", words).strip("_").lower() or "fixtures"
    return slug if slug[0].isalpha() else f"hook_{slug}"


def unique_function_name(source: str, wanted: str) -> str:
    taken = {
        node.name
        for node in ast.parse(source).body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    candidate, n = wanted, 2
    while candidate in taken:
        candidate, n = f"{wanted}_{n}", n + 1
    return candidate


def singular(word: str) -> str:
    for plural, single in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("s", "")):
        if word.endswith(plural) and not word.endswith("ss"):
            return word[: -len(plural)] + single
    return word


def factory_class(segment: str) -> str:
    """`events` → `EventFactory`, `speaker-roles` → `SpeakerRoleFactory`."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", segment) if w]
    if words:
        words[-1] = singular(words[-1])
    return "".join(w[:1].upper() + w[1:] for w in words) + "Factory"


def existing_factories(project: Project, segments: list[str]) -> list[str]:
    """The factories the segments suggest that the factories package really exports."""
    if str(project.root) not in sys.path:
        sys.path.insert(0, str(project.root))
    try:
        package = importlib.import_module(project.factories)
    except ImportError:
        return []
    wanted = dict.fromkeys(factory_class(segment) for segment in segments)
    return [name for name in wanted if hasattr(package, name)]


def new_module(name: str, project: Project) -> str:
    group = name.split(" > ")[0]
    return f'"""Fixtures for the {group} group."""\n\n{hooks_import(project)}\n'


def hooks_import(project: Project) -> str:
    """The project's way of importing the hooks API, read from its hook files."""
    for path in project.hook_paths():
        for statement in ("import dredd_hooks as hooks", "from flask_dredd import hooks"):
            if statement in read_python(path):
                return statement
    return "import dredd_hooks as hooks"


def with_factory_imports(source: str, project: Project, factories: list[str]) -> str:
    """`source` importing `factories` from the factories package, imports kept sorted."""
    if not factories:
        return source
    package = project.factories
    tree = ast.parse(source)
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    lines = source.splitlines(keepends=True)
    existing = next(
        (n for n in imports if isinstance(n, ast.ImportFrom) and n.module == package), None
    )
    if existing is not None:
        names = {alias.name for alias in existing.names} | set(factories)
        statement = import_statement(package, names)
        end = existing.end_lineno or existing.lineno
        return "".join(lines[: existing.lineno - 1] + [statement] + lines[end:])
    statement = import_statement(package, set(factories))
    after = [n for n in imports if _sorts_after(n, package, project.root)]
    if after:  # before the first first-party import that sorts after the package
        return "".join(lines[: after[0].lineno - 1] + [statement] + lines[after[0].lineno - 1 :])
    if imports:  # a section of its own after the last import
        end = imports[-1].end_lineno or imports[-1].lineno
        gap = "" if _first_party(imports[-1], project.root) else "\n"
        return "".join(lines[:end] + [gap + statement] + lines[end:])
    return f"{statement}\n{source}"


def import_statement(package: str, names: set[str]) -> str:
    # isort's order-by-type, as ruff applies it: CONSTANTS, Classes, then functions.
    ordered = sorted(names, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n))
    line = f"from {package} import {', '.join(ordered)}\n"
    if len(line) <= 100:
        return line
    return f"from {package} import (\n" + "".join(f"    {n},\n" for n in ordered) + ")\n"


def _top_module(node: ast.Import | ast.ImportFrom) -> str:
    name = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
    return (name or "").split(".")[0]


def _first_party(node: ast.Import | ast.ImportFrom, root: Path) -> bool:
    top = _top_module(node)
    return bool(top) and ((root / top).is_dir() or (root / f"{top}.py").exists())


def _sorts_after(node: ast.Import | ast.ImportFrom, package: str, root: Path) -> bool:
    # Within a section isort puts `import x` lines first, then `from x import y` by module.
    return (
        isinstance(node, ast.ImportFrom)
        and _first_party(node, root)
        and _top_module(node) > package.split(".")[0]
    )
