"""Reading the database for post-conditions: a snapshot before the request, a check after.

`snapshot(conditions, engine)` reads what the conditions compare with ("before");
`check(conditions, before, engine)` reads the state the request left and returns one
message per broken condition, naming the table, the row and both values, e.g.
``table events, row id=1: deleted_at expected not null, got None``.

Each read opens a connection of its own on the hooks' engine: the server wrote in
another process, and the hooks' session may hold a transaction (or an identity map)
from the fixtures that would show the state as it was.

This module runs in the handler process, where the project's dependencies are
installed; SQLAlchemy is imported inside the functions that read, so importing this
module (and the hook file that wires it) needs the standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from flask_dredd.errors import FlaskDreddError
from flask_dredd.probes.conditions import (
    LATER_THAN_BEFORE,
    NOT_NULL,
    RELATIVE,
    Condition,
    Count,
    Gone,
    Row,
    Sentinel,
    Unchanged,
)

Before = list[Any]  # one entry per condition, in order


class ConditionError(FlaskDreddError):
    """A condition cannot be read: not a mapped model, or an unknown column."""


def snapshot(conditions: Sequence[Condition], engine: Any) -> Before:
    """What each condition compares with after the request (None where it needs nothing)."""
    with engine.connect() as connection:
        return [_before(c, connection) for c in conditions]


def check(conditions: Sequence[Condition], before: Before, engine: Any) -> list[str]:
    """One message per condition the current state breaks (or that cannot be read)."""
    found: list[str] = []
    with engine.connect() as connection:
        for condition, was in zip(conditions, before, strict=True):
            try:
                found += _check(condition, was, connection)
            except ConditionError as exc:
                found.append(f"{condition.describe()}: {exc}")
    return found


def _before(condition: Condition, connection: Any) -> Any:
    try:
        if isinstance(condition, Unchanged):
            return _all_rows(condition.model, connection)
        if isinstance(condition, Count):
            return len(_all_rows(condition.model, connection))
        if isinstance(condition, Row) and any(v in RELATIVE for v in _sentinels(condition)):
            return _rows(condition.model, _key(condition), connection)
    except ConditionError:
        return None  # reported by the check, after the request
    return None


def _check(condition: Condition, before: Any, connection: Any) -> list[str]:
    table = _table(condition.model).name
    if isinstance(condition, Gone):
        left = _rows(condition.model, condition.key, connection)
        where = f"table {table}, row {_show(condition.key)}"
        return [f"{where}: expected gone, still there"] if left else []
    if isinstance(condition, Count):
        now = len(_all_rows(condition.model, connection))
        if before is None or now - before == condition.changed_by:
            return []
        return [
            f"table {table}: row count expected to change by {condition.changed_by:+d} "
            f"(from {before} to {before + condition.changed_by}), got {now - before:+d} "
            f"({before} to {now})"
        ]
    if isinstance(condition, Unchanged):
        return _differences(table, before or {}, _all_rows(condition.model, connection))
    return _check_row(condition, table, before, connection)


def _check_row(condition: Row, table: str, before: Any, connection: Any) -> list[str]:
    key = _key(condition)
    rows = _rows(condition.model, key, connection)
    where = f"table {table}, row {_show(key)}"
    if not rows:
        return [f"{where}: expected to exist, not found"]
    if len(rows) > 1:
        return [f"{where}: expected one row, found {len(rows)}"]
    now = rows[0]
    was = before[0] if isinstance(before, list) and len(before) == 1 else None
    found = []
    for column, expected in condition.values.items():
        if column in key:
            continue
        got = now[column]
        if expected is NOT_NULL:
            if got is None:
                found.append(f"{where}: {column} expected not null, got null")
        elif isinstance(expected, Sentinel):
            earlier = None if was is None else was[column]
            later = expected is LATER_THAN_BEFORE
            moved = earlier is not None and got is not None
            if not (moved and (got > earlier if later else got < earlier)):
                found.append(
                    f"{where}: {column} expected {expected.text} ({_value(earlier)}), "
                    f"got {_value(got)}"
                )
        elif got != expected:
            found.append(f"{where}: {column} expected {_value(expected)}, got {_value(got)}")
    return found


def _differences(table: str, before: Mapping[Any, dict[str, Any]],
                 after: Mapping[Any, dict[str, Any]]) -> list[str]:  # fmt: skip
    found = []
    for pk in sorted(set(before) | set(after), key=repr):
        was, now = before.get(pk), after.get(pk)
        name = f"table {table}, row {_show(dict(pk))}"
        if was is None:
            found.append(f"{name}: expected unchanged, but it was added")
        elif now is None:
            found.append(f"{name}: expected unchanged, but it was removed")
        else:
            found += [
                f"{name}: expected unchanged, {c}: before {_value(was[c])}, after {_value(now[c])}"
                for c in was
                if was[c] != now[c]
            ]
    return found


def _sentinels(condition: Row) -> list[Sentinel]:
    return [v for v in condition.values.values() if isinstance(v, Sentinel)]


def _key(condition: Row) -> dict[str, Any]:
    """The primary-key values among the row's values, else every plain value."""
    plain = {k: v for k, v in condition.values.items() if not isinstance(v, Sentinel)}
    primary = {c.key for c in _mapper(condition.model).primary_key}
    by_pk = {k: v for k, v in plain.items() if _column_name(condition.model, k) in primary}
    return by_pk if len(by_pk) == len(primary) else plain


def _rows(model: Any, key: Mapping[str, Any], connection: Any) -> list[dict[str, Any]]:
    from sqlalchemy import select

    columns = _columns(model)
    for name in key:
        _column(model, name)  # an unknown column is reported, not read
    query = select(*columns.values()).where(*(_column(model, k) == v for k, v in key.items()))
    return [dict(zip(columns, r, strict=True)) for r in connection.execute(query)]


def _all_rows(model: Any, connection: Any) -> dict[Any, dict[str, Any]]:
    from sqlalchemy import select

    columns = _columns(model)
    primary = [c.key for c in _mapper(model).primary_key]
    names = {col.key: attr for attr, col in columns.items()}
    rows = {}
    for values in connection.execute(select(*columns.values())):
        found = dict(zip(columns, values, strict=True))
        rows[tuple((names[p], found[names[p]]) for p in primary)] = found
    return rows


def _mapper(model: Any) -> Any:
    from sqlalchemy import inspect
    from sqlalchemy.exc import NoInspectionAvailable

    try:
        return inspect(model).mapper
    except (NoInspectionAvailable, AttributeError):
        raise ConditionError(f"{model!r} is not a mapped SQLAlchemy model") from None


def _table(model: Any) -> Any:
    return _mapper(model).local_table


def _columns(model: Any) -> dict[str, Any]:
    """Attribute name -> column, for the model's own table."""
    return {attr: col for attr, col in _mapper(model).columns.items()
            if col.table is _table(model)}  # fmt: skip


def _column(model: Any, name: str) -> Any:
    columns = _columns(model)
    if name not in columns:
        raise ConditionError(f"{_table(model).name} has no column {name!r} (it has: "
                             f"{', '.join(columns)})")  # fmt: skip
    return columns[name]


def _column_name(model: Any, attribute: str) -> str:
    return str(_column(model, attribute).key)


def _show(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={_value(v)}" for k, v in values.items())


def _value(value: Any) -> str:
    """A value as a message shows it: null, a timestamp in ISO 8601, else its repr."""
    if value is None:
        return "null"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return repr(value)
