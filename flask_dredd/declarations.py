"""Declarations about transactions, kept in hook files (e.g. `hooks/declarations.py`):

    from flask_dredd.declarations import extra_allowed, inexact, no_fixtures, skip, volatile
    from flask_dredd.declarations import volatile_header
    from flask_dredd import matchers

    no_fixtures(
        "Auth > Login > Log In > Example 3",   # refused before any lookup
    )
    skip("Events > Event > Export an Event", reason="PDF rendering lands in issue 42")
    volatile("$..created_at", matchers.DATETIME_UTC)       # any body, at any depth
    volatile_header("Set-Cookie", matchers.token(43), cookie="session")
    inexact("Stats > Scores > List scores", "$.items[*].score", reason="a model's output")
    extra_allowed("$.meta.*", reason="paging hints the client ignores", only=["Events >"])

`no_fixtures`, `skip` and `inexact` register a `before(name)` hook in the hooks
registry, so `flask dredd names`, `flask dredd check` and the run summary find them
where they find every other hook, with the file and line of the declaration. A skip's
hook sets ``transaction["skip"] = True``, which makes Dredd skip the transaction; an
`inexact` hook does nothing itself: the exact comparison (`flask_dredd.exact`) reads it
and compares that transaction, or those paths of it, by shape only (Gavel's check). A
skip or an `inexact` without a reason is refused when the hook file loads.

`volatile` and `volatile_header` hold for every transaction: at a body path matching
the pattern, or in the named header (one cookie's value for Set-Cookie), the value must
satisfy the matcher instead of equal the example's. They go into the volatile table of
the registry being filled (`volatility()`), so each load of the hook files has its own.

`extra_allowed(path, reason=…, only=[…])` is the one opt-out of closed responses (check
`closed`, `flask_dredd.checks.closed`): undocumented keys at body paths matching `path`
(or an undocumented security header, `path="header Access-Control-Allow-Origin"`) are
allowed, in every transaction or in those `only` names (a name, or a prefix of names).
It goes into the registry's table (`allowances()`); undocumented secrets still fail.

Standard library only, like `flask_dredd.hooks`: the handler imports it on a bare Python.
"""

from __future__ import annotations

import ast
import os
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FunctionType
from typing import Any, Generic, Literal, TypeVar

from dredd_hooks_handler import hooks

from flask_dredd.callsite import at_call_site, project_frame
from flask_dredd.exact.paths import PathPattern, PatternError
from flask_dredd.matchers import Matcher
from flask_dredd.sources import SourceDecodeError, read_python
from flask_dredd.transactions import Transaction

T = TypeVar("T")

#: The attribute a declaration's hook function carries, read back by `declaration_of`.
ATTRIBUTE = "flask_dredd_declaration"


@dataclass(frozen=True)
class Declaration:
    kind: Literal["no fixtures", "skip", "inexact"]
    reason: str = ""
    paths: tuple[PathPattern, ...] = ()  # inexact: these paths only; () the whole transaction


@dataclass(frozen=True)
class VolatileValue:
    """`volatile(pattern, matcher)`, with where it was declared."""

    pattern: PathPattern
    matcher: Matcher
    file: str
    line: int


@dataclass(frozen=True)
class VolatileHeader:
    """`volatile_header(header, matcher, cookie=…)`, with where it was declared."""

    header: str  # lower case
    matcher: Matcher
    cookie: str | None
    file: str
    line: int


@dataclass
class Volatility:
    """The volatile table of one load of the hook files."""

    values: list[VolatileValue] = field(default_factory=list)
    headers: list[VolatileHeader] = field(default_factory=list)


class PerRegistry(Generic[T]):
    """One table per hook registry, made on first use and gone with its registry.

    What a hook file declares besides hooks (volatile values, post-conditions, follow-up
    probes) belongs to the registry being filled, so that loading the hook files into a
    fresh registry (`flask dredd check`, tests) starts from empty tables.
    """

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._tables: weakref.WeakKeyDictionary[hooks.Registry, T] = weakref.WeakKeyDictionary()

    def of(self, registry: hooks.Registry | None = None) -> T:
        """The table of `registry` (default: the current one)."""
        registry = hooks.registry if registry is None else registry
        table = self._tables.get(registry)
        if table is None:
            table = self._tables[registry] = self._make()
        return table


@dataclass(frozen=True)
class ExtraAllowed:
    """`extra_allowed(path, reason=…, only=…)`, with where it was declared."""

    pattern: PathPattern | None  # a body path; None for a header
    header: str | None  # lower case, for `header Name`
    reason: str
    only: tuple[str, ...]  # transaction names or prefixes; () every transaction
    file: str
    line: int

    @property
    def where(self) -> str:
        return str(self.pattern) if self.pattern is not None else f"header {self.header}"

    def applies_to(self, name: str) -> bool:
        return not self.only or any(name == o or name.startswith(o) for o in self.only)

    def describe(self) -> str:
        if self.header is not None:
            return f"undocumented header {self.header} allowed: {self.reason}"
        return f"extra keys allowed at {self.where}: {self.reason}"


_volatility = PerRegistry(Volatility)
_allowances: PerRegistry[list[ExtraAllowed]] = PerRegistry(list)


def volatility(registry: hooks.Registry | None = None) -> Volatility:
    """The volatile table declared along with `registry` (default: the current one)."""
    return _volatility.of(registry)


def volatile(pattern: str, matcher: Matcher) -> None:
    """Values at body paths matching `pattern` must satisfy `matcher`, not equal the example.

    Where the example shows null, null is still required: a volatile timestamp that is
    documented as not set must come back not set.
    """
    compiled = _pattern(f"volatile({pattern!r}, …)", pattern)
    _check_matcher(f"volatile({pattern!r}, …)", matcher)
    caller = project_frame()
    volatility().values.append(
        VolatileValue(compiled, matcher, caller.f_code.co_filename, caller.f_lineno)
    )


def volatile_header(header: str, matcher: Matcher, cookie: str | None = None) -> None:
    """Header `header`'s value must satisfy `matcher`; for Set-Cookie, cookie `cookie`'s value.

    Where the example shows an empty value (a cookie being cleared), empty is still required.
    """
    if not isinstance(header, str) or not header.strip() or ":" in header:
        raise TypeError(f"volatile_header() needs a header name such as 'ETag', got {header!r}")
    _check_matcher(f"volatile_header({header!r}, …)", matcher)
    is_cookie = header.strip().lower() == "set-cookie"
    if is_cookie and (not isinstance(cookie, str) or not cookie.strip()):
        raise ValueError(
            f"volatile_header({header!r}, …) needs the cookie whose value varies: write "
            f"volatile_header({header!r}, matchers.token(43), cookie='session')"
        )
    if not is_cookie and cookie is not None:
        raise ValueError(
            f"volatile_header({header!r}, …, cookie={cookie!r}): only Set-Cookie has cookies"
        )
    caller = project_frame()
    volatility().headers.append(
        VolatileHeader(
            header.strip().lower(),
            matcher,
            cookie.strip() if isinstance(cookie, str) else None,
            caller.f_code.co_filename,
            caller.f_lineno,
        )
    )


def allowances(
    name: str | None = None, registry: hooks.Registry | None = None
) -> list[ExtraAllowed]:
    """The `extra_allowed` declarations of `registry`; with `name`, those that apply to it."""
    declared = _allowances.of(registry)
    return [a for a in declared if name is None or a.applies_to(name)]


def extra_allowed(path: str, reason: str | None = None, only: list[str] | None = None) -> None:
    """Allow undocumented keys at body paths matching `path` (or the undocumented header
    `path="header Name"`), in every transaction or in those named by `only`, and say why.

    Keys whose names hold secrets (the `secret-keys` setting) still fail when undocumented.
    """
    call = f"extra_allowed({path!r})"
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError(
            f"{call} needs a reason: write {call[:-1]}, reason='why the response may carry "
            "keys its documentation does not show')"
        )
    names = [] if only is None else only
    if isinstance(names, str) or not all(isinstance(n, str) and n.strip() for n in names):
        raise TypeError(f"{call}: only= is a list of transaction names or prefixes, got {only!r}")
    header = None
    pattern = None
    if isinstance(path, str) and path.lower().startswith("header "):
        header = path[len("header "):].strip().lower()
        if not header:
            raise ValueError(f"{call}: name the header, e.g. 'header Set-Cookie'")
    else:
        pattern = _pattern(call, path)
    caller = project_frame()
    _allowances.of().append(ExtraAllowed(
        pattern, header, reason.strip(), tuple(n.strip() for n in names),
        caller.f_code.co_filename, caller.f_lineno,
    ))  # fmt: skip


def inexact(name: str, *paths: str, reason: str | None = None) -> None:
    """Compare transaction `name` (or only `paths` of its body) by shape only, and say why.

    Shape only is Gavel's check: the JSON Schema of the MSON, or the example's keys.
    """
    shown = ", ".join(repr(p) for p in (name, *paths))
    if not isinstance(reason, str) or not reason.strip():
        raise ValueError(
            f"inexact({shown}) needs a reason: write "
            f"inexact({shown}, reason='why the documented value cannot be compared')"
        )
    compiled = tuple(_pattern(f"inexact({shown})", p) for p in paths)
    _declare(name, Declaration("inexact", reason.strip(), compiled), _needs_nothing)


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


def _needs_nothing(transaction: Transaction) -> None:
    return None


def _skip(transaction: Transaction) -> None:
    transaction["skip"] = True


def _pattern(call: str, text: object) -> PathPattern:
    try:
        return PathPattern(text)  # type: ignore[arg-type]
    except PatternError as exc:
        raise ValueError(f"{call}: {exc}") from None


def _check_matcher(call: str, matcher: object) -> None:
    if not isinstance(matcher, Matcher):
        raise TypeError(
            f"{call} needs a matcher from flask_dredd.matchers (DATETIME_UTC, token(43), "
            f"ANY, …), got {matcher!r}"
        )


def declarations_for(name: str, registry: hooks.Registry | None = None) -> list[Declaration]:
    """Every declaration bound to transaction `name`, in the order written."""
    registry = hooks.registry if registry is None else registry
    found = (declaration_of(hook) for hook in registry.named("before", name))
    return [d for d in found if d is not None]


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


#: (file, mtime, line of a call) -> {string literal: its line} of the calls spanning it:
#: one walk of the file per declaring call, not one per name (a declaration of 1,500
#: names walked the whole file 1,500 times: 15 s of the handler's start).
_literals: dict[tuple[str, int, int], dict[object, int]] = {}


def _line_of(name: str, filename: str, call_line: int) -> int:
    """The line of the literal `name` in the call at `call_line`: in a declaration of many
    names, each one points at its own line."""
    try:
        key = (filename, os.stat(filename).st_mtime_ns, call_line)
        if key not in _literals:
            _literals[key] = _call_literals(ast.parse(read_python(Path(filename))), call_line)
    except (OSError, SyntaxError, ValueError, SourceDecodeError):
        return call_line
    return _literals[key].get(name, call_line)


def _call_literals(tree: ast.Module, call_line: int) -> dict[object, int]:
    """Each constant argument of the calls spanning `call_line`, first occurrence first."""
    found: dict[object, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.lineno <= call_line <= (node.end_lineno or 0):
            for arg in node.args:
                if isinstance(arg, ast.Constant):
                    found.setdefault(arg.value, arg.lineno)
    return found
