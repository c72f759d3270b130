"""The body comparison on its own: values, arrays, key sets, volatile and inexact paths."""

from __future__ import annotations

import json

from flask_dredd import matchers
from flask_dredd.exact.body import BodyRules, compare_body, compare_json, undocumented_keys
from flask_dredd.exact.paths import PathPattern

PLAIN = BodyRules()


def volatile(*pairs: tuple[str, matchers.Matcher]) -> BodyRules:
    return BodyRules(volatile=[(PathPattern(p), m) for p, m in pairs])


def test_equal_bodies_have_no_differences():
    body = {"items": [{"id": 1, "tags": ["a", "b"]}], "meta": {"total": 1}, "x": None}
    assert compare_json(body, json.loads(json.dumps(body)), PLAIN) == []


def test_values_are_named_by_path_with_both_values():
    documented = {"meta": {"total": 3}, "items": [{"id": 1}], "error": {"code": "csrf_failed"}}
    actual = {"meta": {"total": 2}, "items": [{"id": 2}], "error": {"code": "token_missing"}}
    assert compare_json(documented, actual, PLAIN) == [
        "$.meta.total: documented 3, got 2",
        "$.items[0].id: documented 1, got 2",
        '$.error.code: documented "csrf_failed", got "token_missing"',
    ]


def test_types_are_not_blurred():
    # 0 for null (a nullable sentinel), 1 for true, "1" for 1: each is a difference.
    documented = {"score": None, "ok": True, "id": 1, "ratio": 1.0}
    actual = {"score": 0, "ok": 1, "id": "1", "ratio": 1}
    assert compare_json(documented, actual, PLAIN) == [
        "$.score: documented null, got 0",
        "$.ok: documented true, got 1",
        '$.id: documented 1, got "1"',
    ]  # 1.0 and 1 are the same JSON number


def test_arrays_keep_their_length_and_their_order():
    documented = {"items": [{"id": 1}, {"id": 2}]}
    assert compare_json(documented, {"items": [{"id": 1}, {"id": 2}, {"id": 3}]}, PLAIN) == [
        "$.items: documented 2 items, got 3"
    ]
    assert compare_json(documented, {"items": [{"id": 2}, {"id": 1}]}, PLAIN) == [
        "$.items[0].id: documented 1, got 2",
        "$.items[1].id: documented 2, got 1",
    ]
    assert compare_json([[1, [2, 3]]], [[1, [2]]], PLAIN) == ["$[0][1]: documented 2 items, got 1"]
    assert compare_json({"a": [1]}, {"a": {"0": 1}}, PLAIN) == [
        '$.a: documented an array, got {"0": 1}'
    ]


def test_objects_keep_their_keys_and_extra_keys_follow_the_schema_or_the_setting():
    documented = {"user": {"id": 1, "name": "Ada"}}
    actual = {"user": {"id": 1, "email": "ada@example.com"}}
    assert compare_json(documented, actual, PLAIN) == [
        '$.user.name: documented "Ada", got no such key'
    ]
    fixed = {
        "type": "object",
        "properties": {
            "user": {
                "anyOf": [
                    {"type": "object", "properties": {"id": {}, "name": {}},
                     "additionalProperties": False},
                ]
            }
        },
    }  # fmt: skip
    # Undocumented keys are not a value difference: `undocumented_keys` finds them for
    # the check `closed` (tests/checks/test_closed.py).
    assert compare_json(documented, actual, PLAIN, fixed) == [
        '$.user.name: documented "Ada", got no such key'
    ]
    assert [k.path for k in undocumented_keys(documented, actual, fixed)] == [("user", "email")]
    extra = {"user": {"id": 1, "name": "Ada", "nick": "A"}, "debug": {"password": "x"}}
    assert compare_json(documented, extra, PLAIN) == []
    assert [(k.path, k.top) for k in undocumented_keys(documented, extra, fixed)] == [
        (("user", "nick"), True), (("debug",), True), (("debug", "password"), False)
    ]  # fmt: skip


def test_schema_reaches_array_items():
    schema = {"type": "array", "items": {"type": "object", "properties": {"id": {}, "y": {}},
                                         "additionalProperties": False}}  # fmt: skip
    real = [{"id": 1, "x": 2, "y": 3}, {"id": 2, "x": 2}]
    assert [k.path for k in undocumented_keys([{"id": 1}], real, schema)] == [(0, "x"), (1, "x")]


def test_volatile_paths_are_checked_by_their_matcher():
    rules = volatile(("$..created_at", matchers.DATETIME_UTC), ("$.token", matchers.JWT))
    documented = {
        "items": [{"created_at": "2026-01-01T09:00:00+00:00", "deleted_at": None}],
        "created_at": "2026-01-01T09:00:00+00:00",
        "token": matchers.JWT.placeholder,
    }
    actual = {
        "items": [{"created_at": "2031-05-06T07:08:09.123456+00:00", "deleted_at": None}],
        "created_at": "2031-05-06 07:08",
        "token": "abc",
    }
    assert compare_json(documented, actual, rules) == [
        '$.created_at: documented a DATETIME_UTC, got "2031-05-06 07:08"',
        '$.token: documented a JWT, got "abc"',
    ]


def test_volatile_null_stays_null_and_a_wrong_example_is_named():
    rules = volatile(("$..deleted_at", matchers.DATETIME_UTC))
    assert compare_json({"deleted_at": None}, {"deleted_at": "2026-01-01T00:00:00Z"}, rules) == [
        '$.deleted_at: documented null, got "2026-01-01T00:00:00Z"'
    ]
    assert compare_json({"deleted_at": "tuesday"}, {"deleted_at": "2026-01-01T09:00Z"}, rules) == [
        '$.deleted_at: documented "tuesday", which is not a DATETIME_UTC (volatile): '
        "fix the example"
    ]


def test_any_covers_a_whole_subtree_and_inexact_paths_are_left_to_gavel():
    rules = BodyRules(
        volatile=[(PathPattern("$.debug"), matchers.ANY)],
        inexact=[PathPattern("$.items[*].score")],
    )
    documented = {"debug": {"a": 1}, "items": [{"id": 1, "score": 0.5}]}
    actual = {"debug": [1, 2], "items": [{"id": 1, "score": 0.75}]}
    assert compare_json(documented, actual, rules) == []


def test_text_bodies_compare_exactly_but_for_trailing_whitespace():
    assert (
        compare_body("hello\nworld  \n\n", "hello\nworld", PLAIN, content_type="text/plain") == []
    )
    assert compare_body("hello\nworld", "hello\nWorld\n", PLAIN, content_type="text/plain") == [
        'body line 2: documented "world", got "World"'
    ]
    assert compare_body("a\nb", "a", PLAIN) == ['body line 2: documented "b", got no such line']


def test_json_expected_but_something_else_came_and_no_example_means_no_comparison():
    assert compare_body('{"a": 1}', "<html>oops</html>", PLAIN) == [
        'body: documented JSON, got "<html>oops</html>"'
    ]
    assert compare_body('"ok"', '"ko"', PLAIN, content_type="application/problem+json") == [
        '$: documented "ok", got "ko"'
    ]
    assert compare_body("", '{"anything": true}', PLAIN) == []
    assert compare_body("  \n", "text", PLAIN) == []


def test_long_values_are_cut_in_messages():
    [line] = compare_json({"a": "x" * 200}, {"a": "y"}, PLAIN)
    assert line.startswith('$.a: documented "xxxx') and "…, got" in line and len(line) < 100
