"""`given` and `bind` from the engine: recipes named after what they make and who calls,
written where `given(...)` was called, and refused with the fix when misused."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from flask_dredd import hooks
from flask_dredd.fixtures import bind, given


@pytest.fixture(autouse=True)
def own_registry(monkeypatch: pytest.MonkeyPatch) -> hooks.Registry:
    registry = hooks.Registry()
    monkeypatch.setattr(hooks, "registry", registry)
    return registry


class NoteFactory:
    made: list[str] = []

    def __new__(cls) -> Any:  # stands in for a factory: calling it makes a row
        cls.made.append("note")
        return {"id": len(cls.made)}


def test_makers_run_in_order_then_the_caller_gets_the_rows() -> None:
    seen: list[Any] = []

    def reader(transaction: dict[str, Any], rows: list[Any]) -> None:
        seen.append((transaction["name"], rows))

    NoteFactory.made.clear()
    recipe = given(NoteFactory, NoteFactory, caller=reader)
    recipe({"name": "N > N > A"})
    assert seen == [("N > N > A", [{"id": 1}, {"id": 2}])]
    assert recipe.__name__ == "note_note_reader"
    assert (recipe.__code__.co_filename, recipe.__code__.co_firstlineno) == (
        __file__, sys._getframe().f_lineno - 5
    )


def test_bind_registers_each_recipe_before_each_named_transaction(own_registry: hooks.Registry):
    recipe = given(NoteFactory)
    bind({recipe: ["A > B > C", "A > B > D"]})
    assert [(h.kind, h.name, h.func) for h in own_registry] == [
        ("before", "A > B > C", recipe), ("before", "A > B > D", recipe),
    ]  # fmt: skip


def test_a_single_name_instead_of_a_list_is_refused_with_the_fix() -> None:
    with pytest.raises(TypeError, match=r"write \['A > B > C'\]"):
        bind({given(NoteFactory): "A > B > C"})


def test_a_maker_that_is_not_callable_is_refused() -> None:
    with pytest.raises(TypeError, match="given\\(\\) takes factories or functions"):
        given("NoteFactory")  # type: ignore[arg-type]
