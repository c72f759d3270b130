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
        parts.append(str(getattr(caller, "name", None) or _name_of(caller)))
    made = at_call_site(recipe, "_".join(parts) or "nothing")
    setattr(made, THEN, tuple(then))
    return made


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
