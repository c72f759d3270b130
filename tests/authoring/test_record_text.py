"""`flask dredd record`'s text side: finding each example, rewriting one response."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from flask_dredd.authoring.record import RecordError, choose, ensure_committed
from flask_dredd.contract.apib_text import BlueprintTextError, find_examples, pair_with
from flask_dredd.contract.compiler import DocumentedTransaction
from flask_dredd.contract.example_writer import JsonPath, rewrite_response, same_header_value
from flask_dredd.contract.json_layout import layout
from flask_dredd.contract.reorder import only_actions

ROOT = Path(__file__).resolve().parents[2]

TEXT = """\
FORMAT: 1A

# API

# Group Things

## Things [/things]

### List Things [GET]

+ Response 200 (application/json)

    + Attributes (Thing Page)

### Make a Thing [POST]

+ Request (application/json)

    + Body

            {"name": "x"}

+ Response 201 (application/json)

    + Headers

            Location: /things/1
            Set-Cookie: seen=abcd; HttpOnly; Path=/

    + Attributes (Thing)

    + Body

            {"id": 1, "name": "x", "created_at": "2025-01-01T00:00:00+00:00"}

+ Request Bad (application/json)

+ Response 422 (application/json)

        {"error": "bad"}

+ Response 500

## Thing [/things/{id}]

### Delete a Thing [DELETE]

+ Response 204

    Nothing comes back.

# Data Structures

## Thing (object)

+ id: 1 (number)
"""

DOCUMENTED = [
    ("Things > Things > List Things", "GET", 200),
    ("Things > Things > Make a Thing > Example 1", "POST", 201),
    ("Things > Things > Make a Thing > Example 2", "POST", 422),
    ("Things > Thing > Delete a Thing", "DELETE", 204),
]


def documented(rows=DOCUMENTED) -> list[DocumentedTransaction]:
    return [DocumentedTransaction(n, f"{m} ({s}) /", m, s, "/", "/") for n, m, s in rows]


@dataclass
class Iso:
    name: str = "DATETIME_UTC"
    placeholder: str = "2025-01-15T10:30:00+00:00"

    def matches(self, value: object) -> bool:
        return isinstance(value, str) and bool(re.fullmatch(r"\d{4}-.*\+00:00", value))


@dataclass
class Token:
    name: str = "token(3)"
    placeholder: str = "TOK"

    def matches(self, value: object) -> bool:
        return isinstance(value, str) and len(value) == 3


class Table:
    def body_matcher(self, transaction: str, path: JsonPath) -> Iso | None:
        return Iso() if path and path[-1] == "created_at" else None

    def header_matcher(self, transaction: str, header: str, cookie: str | None) -> Token | None:
        return Token() if cookie == "seen" else None


def examples():
    found = find_examples(TEXT.splitlines())
    pair_with(found, documented())
    return {e.name: e for e in found}


def rewrite(name: str, real: dict) -> tuple[str, list[str]]:
    """The whole text with `name`'s response rewritten from `real`."""
    lines = TEXT.splitlines()
    response = examples()[name].response
    new, notes = rewrite_response(lines, response, real, Table(), name)
    lines[response.start : response.end] = new
    return "\n".join(lines) + "\n", notes


def changed_lines(old: str, new: str) -> set[int]:
    """Indices of the old text's lines replaced or deleted, and of those new text went before."""
    import difflib

    matcher = difflib.SequenceMatcher(a=old.splitlines(), b=new.splitlines(), autojunk=False)
    changed = set()
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        changed |= {i1} if tag == "insert" else set(range(i1, i2)) if tag != "equal" else set()
    return changed


def test_each_example_is_found_with_its_first_response():
    found = examples()
    assert list(found) == [name for name, _, _ in DOCUMENTED]
    make_2 = found["Things > Things > Make a Thing > Example 2"].response
    assert (make_2.status, [s.keyword for s in make_2.sections]) == (422, ["Body"])
    assert make_2.sections[0].bare  # the shorthand: a body right under the response
    assert [e.action for e in found.values()] == [0, 1, 1, 2]
    delete = found["Things > Thing > Delete a Thing"].response
    assert [s.keyword for s in delete.sections] == ["Description"]


def test_pairing_refuses_a_text_that_does_not_follow_dredd():
    with pytest.raises(BlueprintTextError, match="expected 'A' \\(GET 404\\) here"):
        wrong = documented([("A", "GET", 404), *DOCUMENTED[1:]])
        pair_with(find_examples(TEXT.splitlines()), wrong)
    with pytest.raises(BlueprintTextError, match="found 4 examples .* Dredd compiles 3"):
        pair_with(find_examples(TEXT.splitlines()), documented(DOCUMENTED[:3]))


def test_the_reference_blueprint_pairs_with_dredds_names(documented):
    text = (ROOT / "apiary.apib").read_text()
    found = find_examples(text.splitlines())
    pair_with(found, documented)
    assert [e.name for e in found] == [t.name for t in documented]


def test_a_body_is_added_after_the_attributes_and_nothing_else_moves():
    real = {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps({"items": [{"id": 1, "created_at": "2026-12-01T11:42:40.2+00:00",
                                           "name": "a thing"}], "meta": {"total": 1}})}  # fmt: skip
    new, notes = rewrite("Things > Things > List Things", real)
    assert notes == []
    assert "    + Attributes (Thing Page)\n\n    + Body\n\n            {\n" in new
    assert '"created_at": "2025-01-15T10:30:00+00:00"' in new  # the placeholder
    start = TEXT.splitlines().index("+ Response 200 (application/json)")
    assert changed_lines(TEXT, new) == {start + 3}  # only lines inserted after Attributes


def test_status_headers_and_a_one_line_body_are_rewritten_in_place():
    real = {
        "statusCode": 200,
        "headers": {
            "content-type": "application/json",
            "location": "/things/2",
            "set-cookie": ["other=1; Path=/", "seen=xyz; Secure; HttpOnly; Path=/"],
            "x-undocumented": "not added",
        },
        "body": json.dumps({"id": 2, "name": "x", "created_at": "2026-01-01T00:00:00+00:00"}),
    }
    new, notes = rewrite("Things > Things > Make a Thing > Example 1", real)
    assert "+ Response 200 (application/json)\n" in new
    assert "Location: /things/2\n" in new
    assert "Set-Cookie: seen=TOK; Secure; HttpOnly; Path=/\n" in new  # the placeholder
    assert "x-undocumented" not in new.lower()
    assert '            {"id": 2, "name": "x", "created_at": "2025-01-01T00:00:00+00:00"}\n' in new
    assert notes == ["status: documented 201, now 200"]
    assert '{"name": "x"}' in new  # the request's body is not a response's


def test_the_same_json_keeps_its_text_and_a_missing_header_is_removed_with_a_note():
    body = {"created_at": "2026-01-01T00:00:00+00:00", "name": "x", "id": 1}  # keys reordered
    real = {"statusCode": 201, "headers": {"content-type": "application/json",
            "set-cookie": "seen=xyz; HttpOnly; Path=/"}, "body": json.dumps(body)}  # fmt: skip
    new, notes = rewrite("Things > Things > Make a Thing > Example 1", real)
    assert notes == ["header Location: the response has none; removed from the example"]
    # The documented cookie value abcd is no token(3), so the real value's placeholder.
    assert "Set-Cookie: seen=TOK; HttpOnly; Path=/" in new
    location = TEXT.splitlines().index("            Location: /things/1")
    assert changed_lines(TEXT, new) == {location, location + 1}


def test_a_volatile_value_its_matcher_refuses_is_written_as_it_is_with_a_note():
    real = {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps({"items": [], "created_at": "yesterday"})}  # fmt: skip
    new, notes = rewrite("Things > Things > List Things", real)
    assert '"created_at": "yesterday"' in new
    assert notes == ["$.created_at: 'yesterday' is volatile but does not match DATETIME_UTC; "
                     "written as it is (the run will fail on it)"]  # fmt: skip


def test_a_bare_body_stays_bare_and_an_empty_204_gets_no_media_type():
    real = {"statusCode": 422, "headers": {"content-type": "application/json"},
            "body": '{"error": "worse"}'}  # fmt: skip
    new, _ = rewrite("Things > Things > Make a Thing > Example 2", real)
    bare = '+ Response 422 (application/json)\n\n        {"error": "worse"}\n\n+ Response 500'
    assert bare in new
    real = {"statusCode": 204, "headers": {"content-type": "text/html; charset=utf-8"}, "body": ""}
    new, notes = rewrite("Things > Thing > Delete a Thing", real)
    assert new == TEXT and notes == []  # the response's own text is kept


def test_layout_keeps_short_json_on_one_line_and_breaks_long_json_per_member():
    assert layout({"error": {"status": 404}}) == ['{"error": {"status": 404}}']
    rows = {"items": [{"id": i, "title": "x" * 40} for i in (1, 2)], "meta": {"total": 2}}
    lines = layout(rows)
    assert lines[:3] == ["{", '    "items": [', '        {"id": 1, "title": "' + "x" * 40 + '"},']
    assert lines[-2:] == ['    "meta": {"total": 2}', "}"]
    assert all(len(line) <= 88 for line in lines) and json.loads("\n".join(lines)) == rows


def test_a_copy_with_only_some_actions_keeps_their_headings():
    copy = only_actions(TEXT, {1})
    assert "### Make a Thing [POST]" in copy and "### List Things" not in copy
    assert "# Group Things" in copy and "## Things [/things]" in copy
    assert "### Delete a Thing" not in copy and "# Data Structures" in copy


def test_unknown_names_are_refused_with_the_nearest_ones():
    with pytest.raises(RecordError, match="did you mean 'Things > Things > List Things'"):
        choose(documented(), ("Things > Things > List things",), every=False)
    with pytest.raises(RecordError, match="or --all"):
        choose(documented(), (), every=False)
    names = ("Things > Thing > Delete a Thing", "Things > Things > List Things")
    assert choose(documented(), names, every=False) == list(reversed(names))  # blueprint order


def test_an_uncommitted_or_untracked_blueprint_is_refused_unless_forced(tmp_path: Path):
    import subprocess

    blueprint = tmp_path / "apiary.apib"
    blueprint.write_text(TEXT)
    with pytest.raises(RecordError, match="not in a git repository"):
        ensure_committed(blueprint, force=False)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    with pytest.raises(RecordError, match="uncommitted changes"):  # untracked
        ensure_committed(blueprint, force=False)
    subprocess.run([*git, "add", "."], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "x"], cwd=tmp_path, check=True)
    ensure_committed(blueprint, force=False)
    blueprint.write_text(TEXT + "\n")
    with pytest.raises(RecordError, match="commit or stash them first"):
        ensure_committed(blueprint, force=False)
    ensure_committed(blueprint, force=True)


def test_a_header_value_the_comparison_accepts_keeps_the_examples_text():
    assert same_header_value("Location", "/events/1", "http://127.0.0.1:41234/events/1")
    assert not same_header_value("Location", "/events/1", "/events/2")
    assert same_header_value("Vary", "Cookie, Accept", "accept, cookie")
    assert same_header_value("WWW-Authenticate", "Bearer", 'bearer realm="api"')
    assert not same_header_value("WWW-Authenticate", "Bearer", "Basic")
    assert not same_header_value("ETag", '"a"', '"b"')
    headers = {"content-type": "application/json", "location": "http://127.0.0.1:5000/things/1",
               "set-cookie": "seen=abcd; HttpOnly; Path=/"}  # fmt: skip
    body = {"id": 1, "name": "x", "created_at": "2025-01-01T00:00:00+00:00"}
    real = {"statusCode": 201, "headers": headers, "body": json.dumps(body)}
    new, notes = rewrite("Things > Things > Make a Thing > Example 1", real)
    assert (new, notes) == (TEXT, [])
