"""Declarations about transactions, kept in one hook file (e.g. `hooks/declarations.py`):

    from flask_dredd.declarations import no_fixtures, skip

    no_fixtures(
        "Auth > Login > Log In > Example 3",   # refused before any lookup
    )
    skip("Events > Event > Export an Event", reason="PDF rendering lands in issue 42")

Each declaration registers a `before(name)` hook in the hooks registry, so `flask dredd
names`, `flask dredd check` and the run summary find them where they find every other
hook, with the file and line of the declaration. A skip's hook sets
``transaction["skip"] = True``, which makes Dredd skip the transaction; a skip without a
reason is refused when the hook file loads.

Standard library only, like `flask_dredd.hooks`: the handler imports it on a bare Python.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable
from dataclasses import dataclass
from types import FunctionType
from typing import Any, Literal

from flask_dredd import hooks
from flask_dredd.callsite import at_call_site, project_frame

#: The attribute a declaration's hook function carries, read back by `declaration_of`.
ATTRIBUTE = "flask_dredd_declaration"


@dataclass(frozen=True)
class Declaration:
    kind: Literal["no fixtures", "skip"]
    reason: str = ""


def no_fixtures(*names: str) -> None:
    """Declare that these transactions need no rows in the database and no credentials."""
    if not names:
        raise TypeError("no_fixtures() needs at least one transaction name")
    for name in names:
        _declare(name, Declaration("no fixtures"), _needs_nothing)


def skip(name: str, reason: str | None = None) -> None:
    """Make Dredd skip transaction `name`; `reason` says why, for the people who read it."""
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError(
            f"skip({name!r}) needs a reason: write "
            f"skip({name!r}, reason='why it cannot run yet, and what would fix it')"
        )
    _declare(name, Declaration("skip", reason.strip()), _skip)


def declaration_of(hook: hooks.Hook) -> Declaration | None:
    """The declaration a hook was registered for, or None for an ordinary hook."""
    found = getattr(hook.func, ATTRIBUTE, None)
    return found if isinstance(found, Declaration) else None


def _needs_nothing(transaction: Any) -> None:
    return None


def _skip(transaction: Any) -> None:
    transaction["skip"] = True


def _declare(name: str, declaration: Declaration, action: Callable[[Any], None]) -> None:
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"a transaction name is a non-empty string, got {name!r}")
    hooks.before(name)(_hook_at_caller(action, declaration, name))


def _hook_at_caller(
    action: Callable[[Any], None], declaration: Declaration, name: str
) -> FunctionType:
    """A copy of `action` whose code says it was defined where the declaration was written.

    In a declaration of many names, each one points at the line of its own literal.
    """
    frame = project_frame()
    filename = frame.f_code.co_filename
    line = _line_of(name, filename, frame.f_lineno)
    hook = at_call_site(action, declaration.kind.replace(" ", "_"), line=line, frame=frame)
    setattr(hook, ATTRIBUTE, declaration)
    return hook


_trees: dict[tuple[str, int], ast.Module] = {}


def _line_of(name: str, filename: str, call_line: int) -> int:
    """The line of the literal `name` in the call at `call_line`: in a declaration of many
    names, each one points at its own line."""
    try:
        key = (filename, os.stat(filename).st_mtime_ns)
        if key not in _trees:
            with open(filename, encoding="utf-8") as source:
                _trees[key] = ast.parse(source.read())
        tree = _trees[key]
    except (OSError, SyntaxError, ValueError):
        return call_line
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.lineno <= call_line <= (node.end_lineno or 0):
            for arg in node.args:
                if isinstance(arg, ast.Constant) and arg.value == name:
                    return arg.lineno
    return call_line
