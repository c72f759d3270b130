"""Path patterns and matchers: what volatile and inexact declarations select and accept."""

from __future__ import annotations

import pytest

from flask_dredd import matchers
from flask_dredd.exact.paths import PathPattern, PatternError, render, walk


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("$", (), True),
        ("$.meta.total", ("meta", "total"), True),
        ("$.meta.total", ("meta",), False),
        ("$.meta", ("meta", "total"), False),  # the whole path, not a prefix
        ("$.items[0].id", ("items", 0, "id"), True),
        ("$.items[0].id", ("items", 1, "id"), False),
        ("$.items[*].id", ("items", 7, "id"), True),
        ("$.items[*].id", ("items", "x", "id"), False),  # [*] is an index, not a key
        ("$..created_at", ("created_at",), True),
        ("$..created_at", ("items", 3, "owner", "created_at"), True),
        ("$..created_at", ("items", 3, "created_at", "x"), False),
        ("$.items..id", ("items", 0, "tags", 2, "id"), True),
        ("$.items..id", ("owner", "id"), False),
        ("$.*.total", ("meta", "total"), True),
        ('$["a b"][*]', ("a b", 0), True),
        ("$['a.b']", ("a.b",), True),
    ],
)
def test_patterns_describe_whole_paths(pattern: str, path: tuple, matches: bool):
    assert PathPattern(pattern).matches(path) is matches


@pytest.mark.parametrize("bad", ["items.id", "$.items[*.id", "$.items[-1]", "$ .a", "", "$.a."])
def test_unreadable_patterns_are_refused_with_the_forms_expected(bad: str):
    with pytest.raises(PatternError, match="is not a path pattern"):
        PathPattern(bad)


def test_paths_render_as_messages_show_them():
    assert render(()) == "$"
    assert render(("items", 0, "id")) == "$.items[0].id"
    assert render(("a b", 2)) == '$["a b"][2]'
    assert [render(p) for p, _ in walk({"a": [1, {"b": None}]})] == [
        "$", "$.a", "$.a[0]", "$.a[1]", "$.a[1].b",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("matcher", "good", "bad"),
    [
        (matchers.DATETIME, ["2026-01-01T09:00:00", "2026-01-01T09:00:00.123+02:00",
                             "2026-01-01T09:00Z"], ["2026-01-01", "2026-13-01T09:00:00", 3, None]),
        (matchers.DATETIME_UTC, ["2026-01-01T09:00:00Z", "2026-01-01T09:00:00.5+00:00"],
         ["2026-01-01T09:00:00", "2026-01-01T09:00:00+02:00", "yesterday"]),
        (matchers.DATE, ["2026-02-28"], ["2026-02-30", "2026-02-28T00:00:00", 20260228]),
        (matchers.UUID, ["123e4567-e89b-12d3-a456-426614174000"],
         ["123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400g"]),
        (matchers.JWT, [matchers.JWT.placeholder],
         ["a.b.c", "eyJhbGciOiJIUzI1NiJ9", "not a jwt", 1]),
        (matchers.token(6), ["aB-_9z"], ["aB-_9", "aB-_9zz", "aB+/9z", 123456]),
        (matchers.ANY, [None, 0, "", {"a": 1}], []),
    ],
)  # fmt: skip
def test_matchers_accept_their_kind_and_their_placeholder(matcher, good, bad):
    assert matcher.matches(matcher.placeholder)
    assert all(matcher.matches(value) for value in good)
    assert not any(matcher.matches(value) for value in bad)


def test_token_lengths_and_custom_matchers():
    assert matchers.token(43).name == "token(43)"
    assert len(matchers.token(43).placeholder) == 43
    with pytest.raises(ValueError, match="positive whole length"):
        matchers.token(0)
    slug = matchers.regex("SLUG", r"[a-z]+(-[a-z]+)*", "an-event")
    assert slug.matches("pycon-2026".replace("2026", "x")) and not slug.matches("Not A Slug")
    with pytest.raises(ValueError, match="does not match it"):
        matchers.regex("SLUG", r"[a-z]+", "Not a slug")
