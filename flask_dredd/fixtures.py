"""Fixture recipes, bound to transactions in one table per hook file.

    from flask_dredd.fixtures import bind, given

    bind({
        given(EventFactory): ["Events > Event > Retrieve an Event"],
        given(EventFactory, caller=OWNER): [
            "Events > Event > Update an Event > Example 1",
            "Events > Event > Delete an Event > Example 1",
        ],
    })

`given(*makers, caller=None, then=())` is a recipe: a hook function (it takes the transaction)
that calls each maker in order (a factory, or any function of no arguments; ids follow
the order after each reset) and then, when a `caller` is given, calls
``caller(transaction, rows)`` with the rows just made, to sign the request in. A caller
is the project's own (how its API authenticates is the project's business); its `name`
attribute, or its function name, names the recipe. `then` lists post-conditions on the
state each bound transaction leaves (`flask_dredd.probes.conditions`: `row`, `gone`,
`unchanged`, `count`); `bind` declares them for every name it binds the recipe to.

A policy rule with ``caller = "another user"`` (`flask_dredd.contract.derived`) derives a
transaction on the same fixtures, sent by someone else. Who that is, is the project's
business too; the hook files name a stand-in for each caller their recipes use:

    stand_in("another user", {OWNER: SOMEONE, OWNER_BROWSER: SOMEONE_BROWSER})

The derived transaction's `given` recipes call the same makers, then the stand-in
instead of their caller (`with_caller`). `flask dredd check` fails on a source whose
recipe's caller has no stand-in for the rule's role, naming the `stand_in` to write.

Each recipe carries the file and line of the `given(...)` that wrote it, so `flask dredd
names` and every failure message point at the hook file, not here. Standard library
only; factory-boy is not needed to use these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dredd_hooks_handler import hooks

from flask_dredd.callsite import at_call_site
from flask_dredd.probes.conditions import Condition, expect_state
from flask_dredd.transactions import Transaction

Maker = Callable[[], Any]
Caller = Callable[[Any, list[Any]], object]  # (transaction, rows made) -> anything
Recipe = Callable[[Any], None]


#: The attribute a recipe's post-conditions are kept in, for `bind`.
THEN = "flask_dredd_then"
#: The attributes a recipe's makers and caller are kept in, for `with_caller`.
MAKERS, CALLER = "flask_dredd_makers", "flask_dredd_caller"
#: The attribute of the hook registry the stand-ins are kept in: role -> {caller: stand-in}.
STAND_INS = "flask_dredd_stand_ins"


def given(*makers: Maker, caller: Caller | None = None, then: Sequence[Condition] = ()) -> Recipe:
    """A recipe: call each maker in order, then `caller(transaction, rows)` if given."""
    if not isinstance(then, list | tuple):
        raise TypeError(f"given(then=...) takes a list of post-conditions: then=[{then!r}]")
    for make in (*makers, *([caller] if caller is not None else [])):
        if not callable(make):
            raise TypeError(
                f"given() takes factories or functions of no arguments, and caller= a "
                f"function of (transaction, rows); got {make!r}"
            )

    def recipe(transaction: Transaction) -> None:
        rows = [make() for make in makers]
        if caller is not None:
            caller(transaction, rows)

    parts = [_name_of(make) for make in makers]
    if caller is not None:
        parts.append(caller_name(caller))
    made = at_call_site(recipe, "_".join(parts) or "nothing")
    setattr(made, THEN, tuple(then))
    setattr(made, MAKERS, makers)
    setattr(made, CALLER, caller)
    return made


def stand_in(role: str, callers: Mapping[Caller, Caller]) -> None:
    """Name who stands in for each caller under `role` ("another user"), for the policy
    rules with ``caller = role``."""
    if not isinstance(role, str) or not role.strip():
        raise TypeError(f"stand_in() takes a role name first, e.g. 'another user'; got {role!r}")
    for caller, other in callers.items():
        if not callable(caller) or not callable(other):
            raise TypeError(
                f"stand_in({role!r}, ...) maps a caller to the caller standing in for it; "
                f"got {caller!r}: {other!r}"
            )
    table = getattr(hooks.registry, STAND_INS, None)
    if table is None:
        table = {}
        setattr(hooks.registry, STAND_INS, table)
    table.setdefault(role, {}).update(callers)


def stand_ins(role: str, registry: Any = None) -> dict[Caller, Caller]:
    """The callers declared for `role` in `registry` (default: the hooks' own), each with
    its stand-in (none declared: empty)."""
    registry = hooks.registry if registry is None else registry
    return dict((getattr(registry, STAND_INS, None) or {}).get(role, {}))


def caller_of(recipe: Any) -> Caller | None:
    """The caller a `given` recipe signs in with (None: not a recipe, or no caller)."""
    return getattr(recipe, CALLER, None)


def caller_name(caller: Any) -> str:
    return str(getattr(caller, "name", None) or _name_of(caller))


def with_caller(recipe: Any, caller: Caller) -> Recipe:
    """The `given` recipe's makers, then `caller` instead of the recipe's own."""
    makers = getattr(recipe, MAKERS, ())

    def instead(transaction: Any) -> None:
        caller(transaction, [make() for make in makers])

    instead.__name__ = instead.__qualname__ = f"{recipe.__name__}_as_{caller_name(caller)}"
    return instead


def bind(table: Mapping[Recipe, Sequence[str]]) -> None:
    """Register each recipe as the `before` hook of each transaction named beside it."""
    for recipe, names in table.items():
        if isinstance(names, str):
            raise TypeError(
                f"bind() maps each recipe to a list of transaction names; got the string "
                f"{names!r}: write [{names!r}]"
            )
        for name in names:
            hooks.before(name)(recipe)
            expect_state(name, *getattr(recipe, THEN, ()))


def _name_of(make: Callable[..., Any]) -> str:
    name = getattr(make, "__name__", None) or getattr(getattr(make, "func", None), "__name__", "")
    return str(name).removesuffix("Factory").lower() or "rows"
