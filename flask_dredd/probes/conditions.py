"""Post-conditions on the database state a transaction leaves: the vocabulary and its table.

Written next to the fixtures, in a `given(...)` recipe or as a declaration::

    from flask_dredd.fixtures import bind, given
    from flask_dredd.probes.conditions import (
        EARLIER_THAN_BEFORE, LATER_THAN_BEFORE, NOT_NULL, count, expect_state, gone, row,
        unchanged, unchanged_when_refused,
    )

    bind({given(EventFactory, caller=OWNER, then=[row(Event, id=1, deleted_at=NOT_NULL)]):
          ["Events > Event > Delete an Event > Example 1"]})
    expect_state("Auth > Session Ping > Extend the Session > Example 1",
                 row(LoginSession, id=1, expires_at=LATER_THAN_BEFORE))
    unchanged_when_refused(Event, LoginSession)   # every documented 4xx leaves these alone

The vocabulary:

- `row(Model, **values)`: a row exists with these values. The primary-key values among
  them (else every plain value) find the row; each other value must equal the row's, or
  satisfy a sentinel: `NOT_NULL`, `LATER_THAN_BEFORE`, `EARLIER_THAN_BEFORE` (compared
  with the same row's value before the request);
- `gone(Model, **key)`: no row has these values;
- `unchanged(Model)`: every row of the table is as it was before the request;
- `count(Model, changed_by=N)`: the table has N rows more (or fewer, N < 0) than before.

"Before" is the state after the fixtures: the check `state`
(`flask_dredd.checks.post_conditions`) snapshots it in the last `before` hook of the
transaction, and checks every condition after the response, failing the transaction
with the table, the row and both values.
The declarations go into a table per hook registry, like the volatile table.

Standard library only: hook files import it on a bare Python; the checking code
(`flask_dredd.probes.state`) imports SQLAlchemy when it runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from dredd_hooks_handler import hooks

from flask_dredd.declarations import PerRegistry


class Sentinel:
    """A value `row()` compares by a rule instead of by equality."""

    def __init__(self, name: str, text: str) -> None:
        self.name, self.text = name, text

    def __repr__(self) -> str:
        return self.name


NOT_NULL = Sentinel("NOT_NULL", "not null")
LATER_THAN_BEFORE = Sentinel("LATER_THAN_BEFORE", "later than before")
EARLIER_THAN_BEFORE = Sentinel("EARLIER_THAN_BEFORE", "earlier than before")
RELATIVE = (LATER_THAN_BEFORE, EARLIER_THAN_BEFORE)  # need the row's value before the request


class _Described:
    """A condition shows as it is written in a hook file: `row(Event, id=1)`, its call
    named after its class, the model first, then each other field."""

    def describe(self) -> str:
        parts = []
        for item in fields(self):  # type: ignore[arg-type]  # each subclass is a dataclass
            value = getattr(self, item.name)
            if item.name == "model":
                parts.append(_model_name(value))
            elif isinstance(value, Mapping):
                parts.append(_pairs(value))
            else:
                parts.append(f"{item.name}={value}")
        return f"{type(self).__name__.lower()}({', '.join(parts)})"

    def __repr__(self) -> str:
        return self.describe()


@dataclass(frozen=True, repr=False)
class Row(_Described):
    model: Any
    values: Mapping[str, Any]


@dataclass(frozen=True, repr=False)
class Gone(_Described):
    model: Any
    key: Mapping[str, Any]


@dataclass(frozen=True, repr=False)
class Unchanged(_Described):
    model: Any


@dataclass(frozen=True, repr=False)
class Count(_Described):
    model: Any
    changed_by: int


Condition = Row | Gone | Unchanged | Count


def row(model: Any, **values: Any) -> Row:
    """The row these values find exists, with these values (see the module's docstring)."""
    if not values:
        raise TypeError(f"row({_model_name(model)}) needs values: row(Model, id=1, title='x')")
    if all(isinstance(v, Sentinel) for v in values.values()):
        raise TypeError(
            f"row({_model_name(model)}, {_pairs(values)}) needs a plain value that finds the "
            "row (its primary key, e.g. id=1) besides the sentinels"
        )
    return Row(model, dict(values))


def gone(model: Any, **key: Any) -> Gone:
    """No row has these values."""
    if not key or any(isinstance(v, Sentinel) for v in key.values()):
        raise TypeError(f"gone({_model_name(model)}) needs plain key values: gone(Model, id=1)")
    return Gone(model, dict(key))


def unchanged(model: Any) -> Unchanged:
    """Every row of the model's table is as it was before the request."""
    return Unchanged(model)


def count(model: Any, *, changed_by: int) -> Count:
    """The model's table has `changed_by` rows more than before (fewer when negative)."""
    if not isinstance(changed_by, int) or isinstance(changed_by, bool):
        raise TypeError(f"count({_model_name(model)}, changed_by=...) takes an int")
    return Count(model, changed_by)


@dataclass
class StateTable:
    """The post-conditions declared along with one hook registry."""

    by_name: dict[str, list[Condition]] = field(default_factory=dict)
    when_refused: list[Any] = field(default_factory=list)  # models every 4xx leaves alone


_state_tables = PerRegistry(StateTable)


def state_table(registry: hooks.Registry | None = None) -> StateTable:
    return _state_tables.of(registry)


def expect_state(name: str, *conditions: Condition) -> None:
    """After the transaction `name`, the database satisfies every condition."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"expect_state() takes a transaction name first, got {name!r}")
    for condition in conditions:
        if not isinstance(condition, Row | Gone | Unchanged | Count):
            raise TypeError(
                f"expect_state({name!r}, ...): {condition!r} is not a post-condition: use "
                "row(), gone(), unchanged() or count() from flask_dredd.probes.conditions"
            )
    state_table().by_name.setdefault(name, []).extend(conditions)


def unchanged_when_refused(*models: Any) -> None:
    """Every transaction whose documented status is 4xx leaves these models' tables alone."""
    state_table().when_refused.extend(models)


def conditions_for(
    name: str, status: str | None = None, registry: hooks.Registry | None = None
) -> list[Condition]:
    """The conditions on transaction `name`, with `unchanged` ones if its status is 4xx."""
    table = state_table(registry)
    found = list(table.by_name.get(name, ()))
    if status is not None and str(status).startswith("4"):
        declared = {c.model for c in found if isinstance(c, Unchanged)}
        found += [Unchanged(m) for m in table.when_refused if m not in declared]
    return found


def _model_name(model: Any) -> str:
    return str(getattr(model, "__name__", None) or model)


def _pairs(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in values.items())
