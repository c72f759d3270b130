"""The engine's layout (ARCHITECTURE.md, "Layout and import rules"), enforced.

Reads the imports of every module of flask_dredd/ (ast, nothing is imported) and fails
on one the rules forbid; checks every module's size. A rule changed here is changed in
ARCHITECTURE.md too.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[1] / "flask_dredd"

#: What runs in the hooks handler's process: importing one of these at module level
#: needs the standard library, the handler's distribution and each other, nothing more
#: (the handler starts on a bare Python; SQLAlchemy or the wiring only inside functions).
HANDLER_SIDE = {
    "hooks", "handler", "recorder", "declarations", "fixtures", "matchers", "transactions",
    "callsite", "capture", "checks", "exact", "probes", "hookfiles", "errors", "sources",
}  # fmt: skip

#: concern -> the concerns of flask_dredd it may import (besides itself and, for every
#: concern, the handler side). `cli` may import all.
MAY_IMPORT: dict[str, set[str]] = {
    "settings": set(),
    "isolation": set(),
    "wiring": {"isolation"},
    "factories": {"wiring"},
    "__init__": {"wiring"},
    "contract": set(),
    "reporting": {"contract"},
    "run": {"contract", "reporting", "isolation", "wiring", "settings"},
    "authoring": {"contract", "run", "reporting", "isolation", "wiring", "settings"},
}
EVERYTHING = {"cli"}

#: The project's own code, never the engine's: the reference API, its hooks, factories
#: and drift catalogue, the tests and the benchmarks.
NEVER = {"eventapi", "hooks", "factories", "drift", "tests", "bench"}

#: Modules allowed under 30 lines besides __init__ and __main__: shims that keep an old
#: import path or `python -m` name working, and the hook files Dredd loads by path.
SHIMS = {"handler.py", "hooks.py", "hookfiles/checks.py"}
MAX_LINES, MIN_LINES = 400, 30

THIRD_PARTY_HANDLER_SIDE = {"dredd_hooks_handler"}


def modules() -> list[Path]:
    return sorted(p for p in ENGINE.rglob("*.py") if "__pycache__" not in p.parts)


def concern(path: Path) -> str:
    """The concern a module belongs to: its sub-package, or its own name at the top."""
    parts = path.relative_to(ENGINE).with_suffix("").parts
    return parts[0]


def imports(path: Path) -> list[tuple[str, int, bool]]:
    """(absolute module name, line, at module level) of every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = ".".join(("flask_dredd", *path.relative_to(ENGINE).parent.parts))
    found: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            nested = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                continue  # annotations only: nothing is imported at run time
            if isinstance(child, ast.Import):
                found.extend((alias.name, child.lineno, top) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base_parts = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*base_parts, *([base] if base else [])])
                if base == "flask_dredd":  # from flask_dredd import hooks: the module named
                    found.extend((f"flask_dredd.{a.name}", child.lineno, top) for a in child.names)
                else:
                    found.append((base, child.lineno, top))
            visit(child, top and not nested)

    visit(tree, True)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def engine_concern(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if parts[0] == "flask_dredd" and len(parts) > 1 else None


def problems_of(path: Path) -> list[str]:
    where = path.relative_to(ENGINE.parent)
    mine = concern(path)
    problems = []
    for name, line, top in imports(path):
        root = name.split(".")[0]
        target = engine_concern(name)
        if root in NEVER:
            problems.append(f"{where}:{line} imports {name}: the engine never imports {root}")
        elif mine in HANDLER_SIDE and top and target is None:
            if root not in sys.stdlib_module_names and root not in THIRD_PARTY_HANDLER_SIDE:
                problems.append(
                    f"{where}:{line} imports {name} at module level: handler-side modules "
                    "need only the standard library (import it inside the function)"
                )
        elif target is None or target == mine or target in HANDLER_SIDE or mine in EVERYTHING:
            continue
        elif mine in HANDLER_SIDE:
            if top:
                problems.append(
                    f"{where}:{line} imports {name}: handler-side modules import only the "
                    "standard library and each other at module level"
                )
        elif target not in MAY_IMPORT.get(mine, set()):
            problems.append(f"{where}:{line} imports {name}: {mine} may not import {target}")
    return problems


def test_every_module_belongs_to_a_ruled_concern():
    ruled = HANDLER_SIDE | set(MAY_IMPORT) | EVERYTHING
    unruled = sorted({concern(p) for p in modules()} - ruled)
    assert not unruled, f"concerns with no import rule (add one in tests/test_layout.py): {unruled}"


def test_imports_follow_the_rules():
    problems = [problem for path in modules() for problem in problems_of(path)]
    assert not problems, "\n".join(problems)


def test_module_sizes():
    wrong = []
    for path in modules():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        relative = path.relative_to(ENGINE).as_posix()
        if lines > MAX_LINES:
            wrong.append(f"{relative}: {lines} lines, over {MAX_LINES}: split it by what it does")
        exempt = path.name in ("__init__.py", "__main__.py") or relative in SHIMS
        if lines < MIN_LINES and not exempt:
            wrong.append(f"{relative}: {lines} lines, under {MIN_LINES}: merge it with its kin")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("contract/x.py", "from flask_dredd.run.runner import run\n", "may not import run"),
        ("reporting/x.py", "from flask_dredd.authoring import drift\n", "may not import authoring"),
        ("exact/x.py", "import sqlalchemy\n", "need only the standard library"),
        ("exact/x.py", "from flask_dredd.run import runner\n", "handler-side modules import"),
        ("run/x.py", "import eventapi\n", "never imports eventapi"),
        ("authoring/x.py", "from hooks import setup\n", "never imports hooks"),
    ],
)
def test_a_forbidden_import_is_caught(tmp_path, monkeypatch, module, source, expected):
    engine = tmp_path / "flask_dredd"
    (engine / module).parent.mkdir(parents=True)
    (engine / module).write_text(source)
    monkeypatch.setattr(sys.modules[__name__], "ENGINE", engine)
    problems = problems_of(engine / module)
    assert problems and expected in problems[0]


def test_allowed_imports_pass(tmp_path, monkeypatch):
    engine = tmp_path / "flask_dredd"
    (engine / "exact").mkdir(parents=True)
    lazy = "import json\n\n\ndef f():\n    import sqlalchemy\n    from flask_dredd import wiring\n"
    (engine / "exact" / "x.py").write_text(lazy)
    monkeypatch.setattr(sys.modules[__name__], "ENGINE", engine)
    assert problems_of(engine / "exact" / "x.py") == []
