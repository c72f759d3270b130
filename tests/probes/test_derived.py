"""Negative transactions derived from the policy: which are derived, which are skipped or
exempt, what the policy gets wrong, the text Dredd compiles, and the handler's arming."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flask_dredd import hooks
from flask_dredd.contract.compiler import DocumentedTransaction, documented_transactions
from flask_dredd.contract.derived import derive, policy_problems, split_name, with_derived
from flask_dredd.contract.policy import PolicyError, Rule, load_policy
from flask_dredd.errors import PreflightError
from flask_dredd.probes import derived as handler_side
from flask_dredd.run.preflight import derived_transactions

ROOT = Path(__file__).resolve().parents[2]
REFUSAL = '{"error": "token_missing"}'
BEARER = (("Authorization", "Bearer <token>"),)


def documented(name: str, method: str, status: int, template: str, *, headers: Any = BEARER,
               body: str = "") -> DocumentedTransaction:  # fmt: skip
    return DocumentedTransaction(
        name, f"{method} ({status}) {template}", method, status, template, template, body,
        (("Content-Type", "application/json"),), tuple(headers), "",
    )  # fmt: skip


NOTES = [
    documented("Notes > Note > Get > Example 1", "GET", 200, "/notes/1"),
    documented("Notes > Note > Get > Example 2", "GET", 404, "/notes/1"),
    documented("Notes > Note > Delete > Example 1", "DELETE", 204, "/notes/1"),
    documented(
        "Notes > Note > Delete > Example 2", "DELETE", 401, "/notes/1", headers=(), body=REFUSAL
    ),  # fmt: skip
    documented("Notes > Note > Patch", "PATCH", 200, "/notes/1"),
    documented("Notes > Notes > List", "GET", 200, "/notes", headers=()),
]
NO_CREDENTIALS = Rule("no credentials", ("Authorization",), ("Authorization",),
                      "Notes > Note > Delete > Example 2")  # fmt: skip


def test_one_derived_per_covered_2xx_skipping_what_is_documented_and_exempt() -> None:
    rule = Rule(**{**NO_CREDENTIALS.__dict__, "exempt": {"Notes > Note > Patch": "public"}})
    names = [d.name for d in derive([rule], NOTES)]
    # Get is covered; Delete has its refusal documented already (Example 2); Patch is
    # exempt; List sends no credentials; the 404 is not a 2xx.
    assert names == ["Notes > Note > Get > Example 1 [derived: no credentials]"]
    assert split_name(names[0]) == ("Notes > Note > Get > Example 1", "no credentials")
    assert split_name("Notes > Note > Get > Example 1") is None


def test_policy_problems_name_the_rule_and_the_fix() -> None:
    rules = [
        Rule("ghost answer", ("Authorization",), ("Authorization",), "Notes > Note > Gone"),
        Rule("lazy exemption", ("Authorization",), ("Authorization",),
             "Notes > Note > Delete > Example 2", exempt={"Notes > Note > Patch": " "}),
        Rule("covers nothing", ("X-Api-Key",), ("X-Api-Key",), "Notes > Note > Delete > Example 2"),
    ]  # fmt: skip
    assert policy_problems(rules, NOTES) == [
        "policy rule 'ghost answer': its answer 'Notes > Note > Gone' is not a documented "
        "transaction",
        "policy rule 'lazy exemption': exempts 'Notes > Note > Patch' without a reason: say why",
        "policy rule 'covers nothing': covers no documented transaction (check requests_with, "
        "methods, under)",
    ]  # fmt: skip
    assert policy_problems([NO_CREDENTIALS], NOTES) == []


def test_a_bad_policy_file_is_refused_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[[tool.flask-dredd.policy]]\nrule = "x"\nrequests_with = ["A"]\ndrop = ["A"]\n'
        'answer = "N > N > A"\ncolour = "red"\n'
    )
    with pytest.raises(PolicyError, match=r"policy rule 'x' has unknown keys \['colour'\]"):
        load_policy(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[[tool.flask-dredd.policy]]\nrule = "x"\n')
    with pytest.raises(PolicyError, match=r"policy rule 'x' needs answer = …"):
        load_policy(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[[tool.flask-dredd.policy]]\nrule = "x"\nanswer = "N > N > A"\n'
    )
    with pytest.raises(PolicyError, match=r"rule 'x' needs what it changes: drop = …, caller"):
        load_policy(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[[tool.flask-dredd.policy]]\nrule = "x"\nrequests_with = ["A"]\ndrop = ["A"]\n'
        'answer = "N > N > Unknown"\n'
    )
    with pytest.raises(PreflightError, match=r"its answer 'N > N > Unknown' is not a documented"):
        derived_transactions(tmp_path, NOTES)
    assert load_policy(tmp_path / "elsewhere") == []


BLUEPRINT = """FORMAT: 1A

# Notes

# Group Notes

## Note [/notes/{id}]

+ Parameters
    + id: 1 (number)

### Get [GET]

+ Request

    + Headers

            Authorization: Bearer <token>

+ Response 200 (application/json)

        {"id": 1}

### Delete [DELETE]

+ Request Without a token

+ Response 401 (application/json)

    + Headers

            WWW-Authenticate: Bearer

    + Body

            {"error": "token_missing"}

# Data Structures

## Nothing (object)
"""


def test_the_effective_text_compiles_to_the_derived_names(tmp_path: Path) -> None:
    source = tmp_path / "notes.apib"
    source.write_text(BLUEPRINT)
    compiled = documented_transactions(source, ROOT / "node_modules")
    rule = Rule("no credentials", ("Authorization",), ("Authorization",), "Notes > Note > Delete")
    found = derive([rule], compiled)
    copy = tmp_path / "notes.derived.apib"
    copy.write_text(with_derived(BLUEPRINT, found))
    after = documented_transactions(copy, ROOT / "node_modules")
    assert [(t.name, t.id) for t in after] == [
        ("Notes > Note > Get", "GET (200) /notes/1"),
        ("Notes > Note > Get [derived: no credentials]", "GET (401) /notes/1"),
        ("Notes > Note > Delete", "DELETE (401) /notes/1"),
    ]
    derived = after[1]
    assert derived.request_headers == ()  # the token is dropped
    assert derived.body.strip() == '{"error": "token_missing"}'
    assert derived.headers == (("Content-Type", "application/json"), ("WWW-Authenticate", "Bearer"))


@pytest.fixture
def own_registry(monkeypatch: pytest.MonkeyPatch) -> hooks.Registry:
    registry = hooks.Registry()
    monkeypatch.setattr(hooks, "registry", registry)
    return registry


def test_the_handler_gives_a_derived_transaction_its_sources_fixtures_then_drops_headers(
    own_registry: hooks.Registry,
) -> None:
    made: list[str] = []

    @hooks.before("Notes > Note > Get")
    def signed_in_with_a_note(transaction: dict[str, Any]) -> None:
        made.append(transaction["name"])
        transaction["request"]["headers"]["Authorization"] = "Bearer real-token"

    source = {
        "name": "Notes > Note > Get",
        "request": {"headers": {"Authorization": "Bearer <token>", "Accept": "x"}},
    }
    derived = {"name": "Notes > Note > Get [derived: no credentials]",
               "request": {"headers": {"Accept": "x"}}}  # fmt: skip
    handler_side.arm([source, derived])
    handler_side.arm([source, derived])  # armed once, whatever calls it again
    hooks_for = own_registry.named("before", derived["name"])
    assert [h.function_name for h in hooks_for] == [
        "test_the_handler_gives_a_derived_transaction_its_sources_fixtures_then_drops_headers"
        ".<locals>.signed_in_with_a_note",
        "_dropping.<locals>.drop_credentials",
    ]
    for hook in hooks_for:
        hook.func(derived)
    assert made == [derived["name"]]
    assert derived["request"]["headers"] == {"Accept": "x"}


POLICY = """
[[tool.flask-dredd.policy]]
rule = "no credentials"
requests_with = ["Authorization"]
drop = ["Authorization"]
answer = "Notes > Note > Delete > Example 2"
[tool.flask-dredd.policy.exempt]
"Notes > Note > Patch" = "the note's author may be anonymous"
"""


def test_check_fails_on_a_covered_source_it_cannot_derive_from_and_names_lists_them(
    tmp_path: Path, own_registry: hooks.Registry
) -> None:
    from flask_dredd.authoring.derived_listing import derived_lines, derived_problems
    from flask_dredd.authoring.inventory import take_inventory
    from flask_dredd.declarations import skip

    (tmp_path / "pyproject.toml").write_text(POLICY)
    skip("Notes > Note > Get > Example 1", reason="lands later")
    inventory = take_inventory(NOTES, own_registry)
    problems, count = derived_problems(tmp_path, inventory)
    assert count == 1
    assert [str(p) for p in problems] == [
        "policy: rule 'no credentials' covers 'Notes > Note > Get > Example 1' but cannot "
        "derive from it: the source is skipped, so 'Notes > Note > Get > Example 1 [derived: "
        "no credentials]' would not run on its fixtures. Give the source fixtures, or exempt "
        "it from the rule with a reason"
    ]
    assert derived_lines(tmp_path, inventory) == [
        "derived      Notes > Note > Get > Example 1 [derived: no credentials]  (rule 'no "
        "credentials': Notes > Note > Get > Example 1's fixtures, answered as Notes > Note > "
        "Delete > Example 2)",
        "exempt       Notes > Note > Patch  (rule 'no credentials': the note's author may be "
        "anonymous)",
    ]

    def a_note(transaction: Any) -> None:
        pass

    own_registry.clear()  # the skip gone, fixtures instead: nothing to complain about
    hooks.before("Notes > Note > Get > Example 1")(a_note)
    assert derived_problems(tmp_path, take_inventory(NOTES, own_registry)) == ([], 1)
