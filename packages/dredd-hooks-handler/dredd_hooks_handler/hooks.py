"""The hook registry and the decorators of the dredd-hooks-python API.

Hook files use it unchanged, through `import dredd_hooks as hooks` (the handler aliases
`dredd_hooks` to this module), or directly (`from dredd_hooks_handler import hooks`;
in flask-dredd, `from flask_dredd import hooks` is this same module).

    @hooks.before_all                     # receives the list of all transactions
    @hooks.before_each                    # each transaction, before its request
    @hooks.before("Group > Resource > Action")
    @hooks.before_each_validation         # response received, not yet validated
    @hooks.before_validation("Group > Resource > Action")
    @hooks.after("Group > Resource > Action")
    @hooks.after_each
    @hooks.after_all

As in dredd_hooks 0.2.0, several hooks may share a kind and a transaction name; they
run in registration order. Two deliberate differences, both about surprises in 0.2.0:

- a hook is registered when its decorator runs, so hooks run in the order they are
  defined (0.2.0 sorted a file's hooks by function name), two hooks with the same
  function name both run (0.2.0 silently kept the last), and hooks defined in a
  helper module a hook file imports are registered too;
- the decorators return the function itself, unwrapped: tests can call it directly.

Standard library only, Python 3.8+: the handler imports this on a bare Python.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple, TypeVar

# Kept from dredd_hooks 0.2.0's public names, for hook files that read them.
HOST = "127.0.0.1"
PORT = 61321
MESSAGE_DELIMITER = "\n"

HookFunc = Callable[[Any], object]
F = TypeVar("F", bound=HookFunc)

#: Kinds that run for every transaction (or, for *_all, once with the list).
UNNAMED_KINDS = ("before_all", "before_each", "before_each_validation", "after_each", "after_all")
#: Kinds bound to one transaction name.
NAMED_KINDS = ("before", "before_validation", "after")


class Hook:
    """One registered hook: what it is bound to and where it was defined.

    (A plain class: `dataclasses` imports `inspect`, which would slow the handler's start.)
    """

    __slots__ = ("kind", "name", "func", "file", "line")

    def __init__(self, kind: str, name: Optional[str], func: HookFunc, file: str, line: int):
        self.kind = kind  #: "before_all", "before", … (see UNNAMED_KINDS, NAMED_KINDS)
        self.name = name  #: the transaction name, for named kinds; None otherwise
        self.func = func
        self.file = file  #: where the function is defined (co_filename)
        self.line = line  #: the line of its first decorator (co_firstlineno)

    def __repr__(self) -> str:
        return f"<Hook {self.describe()} at {self.file}:{self.line}>"

    @property
    def function_name(self) -> str:
        """The hook function's qualified name, as a user would search for it."""
        return getattr(self.func, "__qualname__", None) or repr(self.func)

    def describe(self) -> str:
        """`before('Notes > List > GET') hook load_notes`: how messages name a hook."""
        bound = self.kind if self.name is None else f"{self.kind}({self.name!r})"
        return f"{bound} hook {self.function_name}"


class Registry:
    """All hooks registered so far, in registration order, indexed for the handler."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Forget every hook (tests, and a handler that reloads its hook files)."""
        self._hooks: List[Hook] = []
        #: (kind, name, file, line, qualname) → id of the globals of its first registration
        self._sites: Dict[Tuple[str, Optional[str], str, int, str], int] = {}
        self._unnamed: Dict[str, List[Hook]] = {kind: [] for kind in UNNAMED_KINDS}
        self._named: Dict[str, Dict[str, List[Hook]]] = {kind: {} for kind in NAMED_KINDS}

    def add(self, kind: str, func: HookFunc, name: Optional[str] = None) -> Optional[Hook]:
        """Register `func` as a hook of `kind` (bound to `name` for named kinds).

        Returns None, registering nothing, when the same definition (kind, name, file,
        line) is already registered from another module object: a hook file imported
        again under another name (`from hooks.setup import app`) would otherwise run
        each of its hooks twice. Closures from one factory share their module, so a
        factory registering several hooks for one name still registers them all.
        """
        if kind in NAMED_KINDS:
            if not isinstance(name, str):
                raise TypeError(f"hooks.{kind} needs a transaction name, got {name!r}")
        elif kind in UNNAMED_KINDS:
            name = None
        else:
            raise ValueError(f"unknown hook kind {kind!r}")
        file, line, module = _definition_site(func)
        site = (kind, name, file, line, getattr(func, "__qualname__", ""))
        if self._sites.setdefault(site, module) != module and module:
            return None
        hook = Hook(kind, name, func, file, line)
        self._hooks.append(hook)
        if name is None:
            self._unnamed[kind].append(hook)
        else:
            self._named[kind].setdefault(name, []).append(hook)
        return hook

    def unnamed(self, kind: str) -> List[Hook]:
        """Hooks of an unnamed kind (`before_each`, `after_all`, …), in order."""
        return self._unnamed[kind]

    def named(self, kind: str, name: str) -> List[Hook]:
        """Hooks of a named kind (`before`, …) bound to transaction `name`, in order."""
        return self._named[kind].get(name, [])

    def names(self) -> Set[str]:
        """Every transaction name at least one named hook is bound to."""
        return {name for by_name in self._named.values() for name in by_name}

    def __iter__(self) -> Iterator[Hook]:
        return iter(self._hooks)

    def __len__(self) -> int:
        return len(self._hooks)


def _definition_site(func: HookFunc) -> Tuple[str, int, int]:
    """File and first line of `func` (its first decorator's line), and the id of its
    module's globals (0 if unknown), looking through functools.wraps wrappers."""
    seen = 0
    while hasattr(func, "__wrapped__") and seen < 100:
        func, seen = func.__wrapped__, seen + 1
    code = getattr(func, "__code__", None)
    if code is None:
        return "<unknown>", 0, 0
    module = getattr(func, "__globals__", None)
    return code.co_filename, code.co_firstlineno, 0 if module is None else id(module)


#: The registry the decorators below fill and the handler reads.
registry = Registry()


def _register(kind: str, func: F, name: Optional[str] = None) -> F:
    if not callable(func):
        raise TypeError(f"hooks.{kind} decorates a function, got {func!r}")
    registry.add(kind, func, name)
    return func


def _named(kind: str, name: str) -> Callable[[F], F]:
    if callable(name):
        # `@hooks.before` without the name: fail at import, where the mistake is.
        function = getattr(name, "__name__", name)
        raise TypeError(
            f"hooks.{kind} needs the transaction name: "
            f"write @hooks.{kind}('Group > Resource > Action') above {function}"
        )

    def decorator(func: F) -> F:
        return _register(kind, func, name)

    return decorator


def before_all(func: F) -> F:
    """Run `func(transactions)` once, before the first transaction."""
    return _register("before_all", func)


def after_all(func: F) -> F:
    """Run `func(transactions)` once, after the last transaction."""
    return _register("after_all", func)


def before_each(func: F) -> F:
    """Run `func(transaction)` before every transaction's request."""
    return _register("before_each", func)


def before_each_validation(func: F) -> F:
    """Run `func(transaction)` after every response is received, before validation."""
    return _register("before_each_validation", func)


def after_each(func: F) -> F:
    """Run `func(transaction)` after every transaction."""
    return _register("after_each", func)


def before(name: str) -> Callable[[F], F]:
    """Run the decorated function before the request of transaction `name`."""
    return _named("before", name)


def before_validation(name: str) -> Callable[[F], F]:
    """Run the decorated function before transaction `name`'s response is validated."""
    return _named("before_validation", name)


def after(name: str) -> Callable[[F], F]:
    """Run the decorated function after transaction `name`."""
    return _named("after", name)
