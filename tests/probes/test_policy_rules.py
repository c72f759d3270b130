"""Policy rules beyond dropping headers: another caller (a declared stand-in), an unknown
id, an unknown query parameter; which answer each route gets, what `check` says when a
rule cannot derive, and the handler's arming."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flask_dredd import hooks
from flask_dredd.contract.compiler import DocumentedTransaction, documented_transactions
from flask_dredd.contract.derived import derive, policy_problems, with_derived
from flask_dredd.contract.policy import Rule, load_policy
from flask_dredd.declarations import declarations_for
from flask_dredd.fixtures import bind, given, stand_in
from flask_dredd.probes import derived as handler_side

ROOT = Path(__file__).resolve().parents[2]
BEARER = (("Authorization", "Bearer <token>"),)


def documented(name: str, method: str, status: int, uri: str, template: str, *,
               body: str = "", headers: Any = BEARER) -> DocumentedTransaction:  # fmt: skip
    return DocumentedTransaction(
        name, f"{method} ({status}) {uri}", method, status, uri, template, body,
        (("Content-Type", "application/json"),), tuple(headers), "",
    )  # fmt: skip


def gone(kind: str) -> str:
    return json.dumps({"error": {"code": "not_found", "message": f"{kind} 1 was not found."}})


NOTES = [
    documented("Notes > Note > Get > Example 1", "GET", 200, "/notes/1", "/notes/{id}"),
    documented("Notes > Note > Get > Example 2", "GET", 404, "/notes/1", "/notes/{id}",
               body=gone("Note")),
    documented("Notes > Note > Patch", "PATCH", 200, "/notes/1", "/notes/{id}"),
    documented("Notes > Tags > List", "GET", 200, "/notes/1/tags?page=2",
               "/notes/{id}/tags{?page}"),
    documented("Tags > Tag > Get > Example 1", "GET", 200, "/tags/1", "/tags/{id}"),
    documented("Tags > Tag > Get > Example 2", "GET", 404, "/tags/1", "/tags/{id}",
               body=gone("Tag")),
    documented("Books > Book > Get", "GET", 200, "/books/1", "/books/{id}"),
    documented("Notes > Notes > List", "GET", 200, "/notes?q=a", "/notes{?q}", headers=()),
    documented("Notes > Notes > List with a Typo", "GET", 400, "/notes?colour=blue",
               "/notes{?colour}", headers=(), body='{"error": {"code": "unknown_parameter"}}'),
]  # fmt: skip
UNKNOWN_ID = Rule(
    "unknown id",
    (),
    (),
    ("Notes > Note > Get > Example 2", "Tags > Tag > Get > Example 2"),
    unknown_id=("id",),
)


def test_unknown_id_takes_a_value_no_fixture_has_and_the_answer_of_its_own_resource() -> None:
    rule = Rule(**{**UNKNOWN_ID.__dict__, "exempt": {"Books > Book > Get": "books are eternal"}})
    found = {d.source.name: d for d in derive([rule], NOTES)}
    # Get's 404 is documented already; Patch and the tag list are not; Books is exempt.
    assert sorted(found) == ["Notes > Note > Patch", "Notes > Tags > List"]
    patch = found["Notes > Note > Patch"]
    assert rule.uri(patch.source) == "/notes/987654321"
    assert rule.uri(found["Notes > Tags > List"].source) == "/notes/987654321/tags?page=2"
    assert patch.answer.name == "Notes > Note > Get > Example 2"  # not the tags' 404
    assert json.loads(patch.body())["error"]["message"] == "Note 987654321 was not found."
    tag = documented("Tags > Tag > Delete", "DELETE", 204, "/tags/1", "/tags/{id}")
    [derived] = derive([rule], [*NOTES, tag])[2:]
    assert derived.answer.name == "Tags > Tag > Get > Example 2"
    assert "Tag 987654321 was not found." in derived.body()


def test_a_covered_route_without_an_answer_of_its_resource_is_a_policy_problem() -> None:
    # Books have no documented 404: the rule cannot say what /books/987654321 answers.
    assert policy_problems([UNKNOWN_ID], NOTES) == [
        "policy rule 'unknown id' covers 'Books > Book > Get' (GET /books/{id}) but none of "
        "its answers is documented on that resource: document the answer there and add it "
        "to the rule's answer list, or exempt 'Books > Book > Get' with a reason"
    ]
    assert all(d.source.name != "Books > Book > Get" for d in derive([UNKNOWN_ID], NOTES))


def test_unknown_query_adds_a_parameter_and_skips_the_route_that_documents_it() -> None:
    rule = Rule("typo", (), (), "Notes > Notes > List with a Typo", methods=("GET",),
                unknown_query="colour", inexact={"$.error.message": "the route's own"})  # fmt: skip
    found = {d.source.name: rule.uri(d.source) for d in derive([rule], NOTES)}
    assert "Notes > Notes > List" not in found  # its route documents the 400 already
    assert found["Notes > Tags > List"] == "/notes/1/tags?page=2&colour=987654321"
    assert found["Tags > Tag > Get > Example 1"] == "/tags/1?colour=987654321"


def test_the_policy_file_reads_the_new_keys(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[[tool.flask-dredd.policy]]\nrule = "another user"\ncaller = "another user"\n'
        'methods = ["PATCH"]\nanswer = ["A > B > C", "D > E > F"]\n'
        '[[tool.flask-dredd.policy]]\nrule = "typo"\nunknown_query = "colour"\n'
        'answer = "A > B > C"\n[tool.flask-dredd.policy.inexact]\n"$.error.message" = " "\n'
    )
    owner, typo = load_policy(tmp_path)
    assert (owner.caller, owner.answers, owner.requests_with) == (
        "another user",
        ("A > B > C", "D > E > F"),
        (),
    )
    assert typo.unknown_query == "colour"
    problems = policy_problems([typo], NOTES)
    assert "policy rule 'typo': inexact '$.error.message' without a reason: say why" in problems


def test_an_unknown_id_derived_action_compiles_with_its_uri_and_answer(tmp_path: Path) -> None:
    text = (ROOT / "tests/probes/test_derived.py").read_text()
    blueprint = text.split('BLUEPRINT = """', 1)[1].split('"""', 1)[0]
    blueprint = blueprint.replace(
        '{"error": "token_missing"}', '{"error": "Note 1 was not found."}'
    ).replace("Response 401", "Response 404")
    source = tmp_path / "notes.apib"
    source.write_text(blueprint)
    compiled = documented_transactions(source, ROOT / "node_modules")
    rule = Rule("unknown id", (), (), "Notes > Note > Delete", unknown_id=("id",))
    copy = tmp_path / "notes.derived.apib"
    copy.write_text(with_derived(blueprint, derive([rule], compiled)))
    after = {t.name: t for t in documented_transactions(copy, ROOT / "node_modules")}
    derived = after["Notes > Note > Get [derived: unknown id]"]
    assert (derived.uri, derived.status) == ("/notes/987654321", 404)
    assert json.loads(derived.body) == {"error": "Note 987654321 was not found."}


@pytest.fixture
def own_registry(monkeypatch: pytest.MonkeyPatch) -> hooks.Registry:
    registry = hooks.Registry()
    monkeypatch.setattr(hooks, "registry", registry)
    return registry


OWNER_RULE = """
[[tool.flask-dredd.policy]]
rule = "another user"
methods = ["PATCH"]
caller = "another user"
answer = "Notes > Note > Get > Example 2"
[[tool.flask-dredd.policy]]
rule = "typo"
methods = ["GET"]
unknown_query = "colour"
answer = "Notes > Notes > List with a Typo"
[tool.flask-dredd.policy.inexact]
"$.error.message" = "the message names the route's own parameters"
"""


def test_the_handler_sends_the_sources_fixtures_as_the_stand_in(
    tmp_path: Path, own_registry: hooks.Registry
) -> None:
    (tmp_path / "pyproject.toml").write_text(OWNER_RULE)
    calls: list[str] = []

    def note() -> str:
        calls.append("note")
        return "note 1"

    def owner(transaction: dict[str, Any], rows: list[Any]) -> None:
        calls.append(f"owner of {rows}")

    def someone(transaction: dict[str, Any], rows: list[Any]) -> None:
        calls.append(f"someone, not the owner of {rows}")

    bind({given(note, caller=owner): ["Notes > Note > Patch"]})
    stand_in("another user", {owner: someone})
    source = {"name": "Notes > Note > Patch", "request": {"headers": {}}}
    derived = {"name": "Notes > Note > Patch [derived: another user]", "request": {"headers": {}}}
    handler_side._rules.clear()
    handler_side.arm([source, derived], root=tmp_path)
    for hook in own_registry.named("before", derived["name"]):
        hook.func(derived)
    assert calls == ["note", "someone, not the owner of ['note 1']"]
    assert "fail" not in derived


def test_without_a_stand_in_the_derived_transaction_fails_and_check_names_the_fix(
    tmp_path: Path, own_registry: hooks.Registry
) -> None:
    from flask_dredd.authoring.derived_listing import derived_problems
    from flask_dredd.authoring.inventory import take_inventory

    (tmp_path / "pyproject.toml").write_text(OWNER_RULE)

    def owner(transaction: dict[str, Any], rows: list[Any]) -> None:
        raise AssertionError("the owner must not send the derived request")

    bind({given(caller=owner): ["Notes > Note > Patch"]})
    derived = {"name": "Notes > Note > Patch [derived: another user]", "request": {"headers": {}}}
    handler_side._rules.clear()
    handler_side.arm([{"name": "Notes > Note > Patch"}, derived], root=tmp_path)
    for hook in own_registry.named("before", derived["name"]):
        hook.func(derived)
    assert "the caller 'owner' has no stand-in for 'another user'" in derived["fail"]

    def about_the_caller() -> list[str]:
        problems, _ = derived_problems(tmp_path, take_inventory(NOTES, own_registry))
        return [str(p) for p in problems if "rule 'another user'" in str(p)]

    messages = about_the_caller()
    assert any("no stand-in for 'another user' is declared for its caller 'owner'. Write "
               "stand_in('another user', {OWNER: <who calls instead>})" in m
               for m in messages), messages  # fmt: skip
    stand_in("another user", {owner: owner})
    assert about_the_caller() == []


def test_a_rules_inexact_paths_become_the_derived_transactions_declarations(
    tmp_path: Path, own_registry: hooks.Registry
) -> None:
    (tmp_path / "pyproject.toml").write_text(OWNER_RULE)
    name = "Tags > Tag > Get > Example 1 [derived: typo]"
    handler_side._rules.clear()
    handler_side.arm([{"name": "Tags > Tag > Get > Example 1"}, {"name": name}], root=tmp_path)
    [declaration] = declarations_for(name)
    assert declaration.kind == "inexact"
    assert declaration.reason == "the message names the route's own parameters"
    assert [str(p) for p in declaration.paths] == ["$.error.message"]


def test_a_caller_rule_is_not_skipped_for_a_refusal_of_another_kind() -> None:
    browser = (("Cookie", "session=<key>"), ("X-CSRFToken", "<token>"))
    refusal = '{"error": {"code": "csrf_failed"}}'
    sent = documented("Notes > Notes > Create > Example 1", "POST", 201, "/notes", "/notes",
                      headers=browser)  # fmt: skip
    tokenless = documented("Notes > Notes > Create > Example 2", "POST", 403, "/notes", "/notes",
                           headers=browser[:1], body=refusal)  # fmt: skip
    rule = Rule("another session's token", ("X-CSRFToken",), (), tokenless.name,
                caller="another session's token")  # fmt: skip
    # Refused for lacking the token documents nothing about another session's token.
    assert [d.source.name for d in derive([rule], [sent, tokenless])] == [sent.name]
    foreign = documented("Notes > Notes > Create > Example 3", "POST", 403, "/notes", "/notes",
                         headers=browser, body=refusal)  # fmt: skip
    assert derive([rule], [sent, tokenless, foreign]) == []
