"""Post-conditions on state: each kind passes on the state it describes and fails, with the
table, the row and both values, on a state that breaks it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import DateTime, String, create_engine, delete, insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from flask_dredd import hooks
from flask_dredd.fixtures import bind, given
from flask_dredd.probes.conditions import (
    EARLIER_THAN_BEFORE,
    LATER_THAN_BEFORE,
    NOT_NULL,
    Unchanged,
    conditions_for,
    count,
    expect_state,
    gone,
    row,
    unchanged,
    unchanged_when_refused,
)
from flask_dredd.probes.state import check, snapshot

T0 = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(50))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)


@pytest.fixture(autouse=True)
def own_registry(monkeypatch: pytest.MonkeyPatch) -> hooks.Registry:
    registry = hooks.Registry()
    monkeypatch.setattr(hooks, "registry", registry)
    return registry


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'notes.db'}")
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(Note), [
            {"id": 1, "title": "one", "deleted_at": None, "expires_at": T0.replace(tzinfo=None)},
            {"id": 2, "title": "two", "deleted_at": None, "expires_at": None},
        ])  # fmt: skip
    yield engine
    engine.dispose()


def after(engine: Engine, conditions: list[Any], *statements: Any) -> list[str]:
    """Snapshot, run the statements (the request), check."""
    before = snapshot(conditions, engine)
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(statement)
    return check(conditions, before, engine)


def test_a_soft_delete_keeps_the_row_with_a_deletion_time(engine: Engine) -> None:
    soft = update(Note).where(Note.id == 1).values(deleted_at=T0.replace(tzinfo=None))
    condition = [row(Note, id=1, deleted_at=NOT_NULL)]
    assert after(engine, condition, soft) == []


def test_a_hard_delete_where_a_soft_one_is_documented_fails_naming_table_and_row(
    engine: Engine,
) -> None:
    hard = delete(Note).where(Note.id == 1)
    assert after(engine, [row(Note, id=1, deleted_at=NOT_NULL)], hard) == [
        "table notes, row id=1: expected to exist, not found"
    ]


def test_a_row_left_untouched_fails_with_both_values(engine: Engine) -> None:
    assert after(engine, [row(Note, id=1, deleted_at=NOT_NULL, title="uno")]) == [
        "table notes, row id=1: deleted_at expected not null, got null",
        "table notes, row id=1: title expected 'uno', got 'one'",
    ]


def test_later_and_earlier_than_before(engine: Engine) -> None:
    later = (
        update(Note)
        .where(Note.id == 1)
        .values(expires_at=(T0 + timedelta(hours=1)).replace(tzinfo=None))
    )
    assert after(engine, [row(Note, id=1, expires_at=LATER_THAN_BEFORE)], later) == []
    found = after(engine, [row(Note, id=1, expires_at=EARLIER_THAN_BEFORE)])
    assert found == [
        "table notes, row id=1: expires_at expected earlier than before "
        "(2025-06-01T10:00:00), got 2025-06-01T10:00:00"
    ]


def test_a_ping_that_does_not_extend_fails(engine: Engine) -> None:
    assert after(engine, [row(Note, id=1, expires_at=LATER_THAN_BEFORE)]) == [
        "table notes, row id=1: expires_at expected later than before "
        "(2025-06-01T09:00:00), got 2025-06-01T09:00:00"
    ]


def test_gone(engine: Engine) -> None:
    assert after(engine, [gone(Note, id=2)], delete(Note).where(Note.id == 2)) == []
    assert after(engine, [gone(Note, id=1)]) == [
        "table notes, row id=1: expected gone, still there"
    ]


def test_unchanged_names_each_change(engine: Engine) -> None:
    assert after(engine, [unchanged(Note)]) == []
    found = after(
        engine,
        [unchanged(Note)],
        update(Note).where(Note.id == 1).values(title="uno"),
        delete(Note).where(Note.id == 2),
        insert(Note).values(id=3, title="three"),
    )
    assert found == [
        "table notes, row id=1: expected unchanged, title: before 'one', after 'uno'",
        "table notes, row id=2: expected unchanged, but it was removed",
        "table notes, row id=3: expected unchanged, but it was added",
    ]


def test_count_changed_by(engine: Engine) -> None:
    assert after(engine, [count(Note, changed_by=-1)], delete(Note).where(Note.id == 2)) == []
    assert after(engine, [count(Note, changed_by=-1)]) == [
        "table notes: row count expected to change by -1 (from 1 to 0), got +0 (1 to 1)"
    ]


def test_a_condition_that_cannot_be_read_fails_saying_why(engine: Engine) -> None:
    assert after(engine, [row(Note, id=1, colour="red")]) == [
        "row(Note, id=1, colour='red'): notes has no column 'colour' (it has: id, title, "
        "deleted_at, expires_at)"
    ]
    assert after(engine, [gone(dict, id=1)]) == [
        "gone(dict, id=1): <class 'dict'> is not a mapped SQLAlchemy model"
    ]


def test_misuse_is_refused_when_the_hook_file_loads() -> None:
    with pytest.raises(TypeError, match=r"needs a plain value that finds the row"):
        row(Note, expires_at=LATER_THAN_BEFORE)
    with pytest.raises(TypeError, match=r"gone\(Note\) needs plain key values"):
        gone(Note)
    with pytest.raises(TypeError, match=r"is not a post-condition"):
        expect_state("N > N > A", "row")  # type: ignore[arg-type]
    with pytest.raises(
        TypeError,
        match=r"then=\.\.\.\) takes a list of post-conditions: then=\[row\(Note, id=1\)\]",
    ):
        given(then=row(Note, id=1))  # type: ignore[arg-type]


def test_given_then_declares_for_every_bound_name_and_4xx_leave_tables_alone() -> None:
    condition = row(Note, id=1, deleted_at=NOT_NULL)
    bind({given(then=[condition]): ["N > N > Delete", "N > N > Trash"]})
    unchanged_when_refused(Note)
    assert conditions_for("N > N > Delete", "204") == [condition]
    assert conditions_for("N > N > Trash", "403") == [condition, Unchanged(Note)]
    assert conditions_for("N > N > List", "404") == [Unchanged(Note)]
    assert conditions_for("N > N > List", "200") == []


def test_the_state_check_snapshots_after_the_fixtures_and_fails_under_its_heading(
    engine: Engine, own_registry: hooks.Registry
) -> None:
    """Through the engine: the snapshot is the transaction's last `before` hook, and a
    broken condition is a failing finding of the check `state`, naming table and row."""
    from flask_dredd.checks.engine import Engine as Pipeline
    from flask_dredd.checks.finding import findings_of
    from flask_dredd.checks.post_conditions import PostConditions

    name = "Notes > Note > Delete > Example 1"
    expect_state(name, gone(Note, id=1), row(Note, id=2, title="two"))
    pipeline = Pipeline([PostConditions], database=lambda: engine)
    pipeline.arm([{"name": name, "expected": {"statusCode": "204"}},
                  {"name": "Notes > Notes > List", "expected": {"statusCode": "200"}}])  # fmt: skip
    assert [h.func for h in own_registry.named("before", name)] == [pipeline.before_request]
    assert own_registry.named("before", "Notes > Notes > List") == []
    transaction: dict[str, Any] = {
        "name": name, "expected": {"statusCode": "204"}, "real": {"statusCode": 204},
        "test": {"status": "pass", "valid": True, "message": ""},
    }  # fmt: skip
    pipeline.before_request(transaction)
    with engine.begin() as connection:  # the request soft-deletes instead
        connection.execute(update(Note).where(Note.id == 1).values(title="gone"))
    pipeline.judge(transaction)
    assert transaction["fail"] == (
        "state after the request: table notes, row id=1: expected gone, still there"
    )
    [finding] = findings_of(transaction)
    assert (finding.check, finding.kind, finding.where) == (
        "state", "post-condition", "table notes, row id=1")  # fmt: skip
