"""`flask dredd check`: each kind of disagreement fails with a precise message."""

from __future__ import annotations

import re

import pytest

from flask_dredd.contract.routes import rule_shape, template_shape

from .conftest import Project


def assert_fails_with(project: Project, *expected: str) -> str:
    result = project.flask_dredd("check")
    assert result.returncode == 1, result.stdout + result.stderr
    output = result.stdout + result.stderr
    for text in expected:
        assert text in output, output
    return output


def test_the_reference_project_passes(real: Project, documented):
    result = real.flask_dredd("check")
    assert result.returncode == 0, result.stdout + result.stderr
    verdict = result.stdout.splitlines()[-1]
    # The policy in pyproject.toml derives negatives from the documented transactions.
    assert re.match(rf"check: OK, {len(documented)} documented \+ [1-9]\d* derived transactions",
                    verdict), result.stdout  # fmt: skip


def test_the_mini_project_passes(mini: Project):
    # The baseline every other test changes one thing of.
    result = mini.flask_dredd("check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "check: OK, 6 transactions, 2 hook files, 5 routes of miniapp" in result.stdout


def test_hook_naming_no_transaction_gets_the_nearest_name(mini: Project):
    mini.edit("hooks/items.py", '"Items > Items > List items"', '"Items > Items > List Items"')
    output = assert_fails_with(
        mini,
        "unknown-name: hooks/items.py:8: before('Items > Items > List Items') hook one_item "
        "names 'Items > Items > List Items', which is not a transaction of the blueprint, "
        "so it never runs; did you mean 'Items > Items > List items'?",
        # …and the transaction it meant to cover now has nothing.
        "no-fixtures: 'Items > Items > List items' has no fixture hook",
    )
    assert output.count("✗") == 2


def test_declaration_naming_no_transaction_is_caught_too(mini: Project):
    mini.edit("hooks/declarations.py", "Check health", "Check Health")
    assert_fails_with(
        mini,
        "unknown-name: hooks/declarations.py:7: before('Health > Health > Check Health') "
        "hook no_fixtures names",
        "did you mean 'Health > Health > Check health'?",
    )


def test_transaction_without_fixtures_or_declaration(mini: Project):
    mini.edit("hooks/declarations.py", 'no_fixtures("Health > Health > Check health")\n', "")
    output = assert_fails_with(
        mini,
        "no-fixtures: 'Health > Health > Check health' has no fixture hook: add one with "
        '`flask dredd scaffold "Health > Health > Check health"`, or declare '
        '`no_fixtures("Health > Health > Check health")` in the declarations hook file',
        "check: 1 problem(s)",
    )
    assert output.count("✗") == 1


def test_declared_fixture_free_but_hooked_is_a_contradiction(mini: Project):
    mini.edit("hooks/declarations.py", "Create an item", "List items")
    assert_fails_with(
        mini,
        "contradiction: 'Items > Items > List items' is declared as needing no fixtures at "
        "hooks/declarations.py:5 but has fixture hooks at hooks/items.py:8",
    )


def test_skip_set_by_hand_has_no_reason(mini: Project):
    mini.write(
        "hooks/tags.py",
        "import dredd_hooks as hooks\n\n\n"
        '@hooks.before("Items > Items > Create an item")\n'
        "def not_now(transaction):\n"
        '    transaction["skip"] = True\n',
    )
    assert_fails_with(
        mini,
        "skip-without-reason: hooks/tags.py:6 sets transaction['skip'] itself, so nobody can "
        "tell why the transaction is skipped: write skip(name, reason='…') from "
        "flask_dredd.declarations instead",
    )


@pytest.mark.parametrize("call", ['skip("{name}")', 'skip("{name}", reason=" ")'])
def test_skip_declared_without_reason_is_refused(mini: Project, call: str):
    name = "Items > Tags > List tags"
    mini.edit(
        "hooks/declarations.py",
        f'skip("{name}", reason="tags are not stored yet")',
        call.format(name=name),
    )
    assert_fails_with(
        mini,
        "cannot load hook file hooks/declarations.py, line 8: ValueError: "
        f"skip('{name}') needs a reason: write skip('{name}', reason=",
    )


def test_route_missing_from_the_blueprint(mini: Project):
    mini.edit(
        "miniapp.py",
        "    return app\n",
        '    @app.delete("/items/<int:item_id>")\n'
        "    def delete_item(item_id: int):\n"
        '        return "", 204\n\n'
        "    return app\n",
    )
    assert_fails_with(
        mini,
        "undocumented-route: the app serves DELETE /items/<int:item_id> (endpoint "
        "'delete_item'), which the blueprint does not document",
    )


def test_documented_action_no_route_serves(mini: Project):
    mini.edit(
        "miniapp.py",
        '@app.get("/items/<int:item_id>/tags")',
        '@app.get("/items/<int:item_id>/labels")',
    )
    assert_fails_with(
        mini,
        "unrouted-action: the blueprint documents GET /items/{id}/tags ('Items > Tags > List "
        "tags'), which no route of the app serves; nearest routes: /items/<int:item_id>/labels",
        "undocumented-route: the app serves GET /items/<int:item_id>/labels",
    )


def test_documented_method_the_route_does_not_take(mini: Project):
    mini.edit("miniapp.py", '@app.post("/items")', '@app.put("/items")')
    assert_fails_with(
        mini,
        "unrouted-action: the blueprint documents POST /items ('Items > Items > Create an "
        "item'), which no route of the app serves; the app serves GET /items, PUT /items there",
    )


def test_unreadable_blueprint_is_reported_with_dredds_words(mini: Project):
    mini.write(
        "apiary.apib",
        "FORMAT: 1A\n\n# Mini\n\n## Broken [/items/{id]\n\n### Get [GET]\n\n+ Response 200\n",
    )
    result = mini.flask_dredd("check")
    assert result.returncode == 1
    assert "error: Dredd" in result.stderr and "apiary.apib" in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("template", "rule"),
    [
        ("/events/{id}{?page,per_page}", "/events/<int:event_id>"),
        ("/events{?q}", "/events/"),  # Flask serves both with and without the slash
        ("/files/{name}.{ext}", "/files/<name>.<ext>"),
        ("/a/{+path}/b{&x}", "/a/<path:path>/b"),
        ("/", "/"),
    ],
)
def test_template_and_rule_shapes_meet(template: str, rule: str):
    assert template_shape(template) == rule_shape(rule)


def test_different_paths_keep_different_shapes():
    assert template_shape("/events/{id}/talks") != rule_shape("/events/<int:id>")
    assert template_shape("/events/{id}") != rule_shape("/events/<int:id>/<int:talk>")


def test_opt_outs_are_listed_with_their_reasons(mini: Project):
    mini.write(
        "hooks/exactness.py",
        "from flask_dredd.declarations import inexact\n"
        "\n"
        'inexact("Items > Items > Create an item", reason="names are made up by the server")\n'
        'inexact("Health > Health > Check health", "$.ok", reason="flaps under load")\n',
    )
    result = mini.flask_dredd("check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[:3] == [
        "inexact: Items > Items > Create an item: inexact: names are made up by the server "
        "(hooks/exactness.py:3)",
        "partly inexact: Health > Health > Check health: inexact at $.ok: flaps under load "
        "(hooks/exactness.py:4)",
        "exactness: 3 exact, 0 with volatile fields, 2 opted out (1 partly)",
    ]


@pytest.mark.parametrize("reason", ["", ' reason=" "'])
def test_opt_out_without_reason_is_refused(mini: Project, reason: str):
    name = "Health > Health > Check health"
    comma = "," if reason else ""
    mini.write(
        "hooks/exactness.py",
        f'from flask_dredd.declarations import inexact\n\ninexact("{name}"{comma}{reason})\n',
    )
    assert_fails_with(
        mini,
        "cannot load hook file hooks/exactness.py, line 3: ValueError: "
        f"inexact('{name}') needs a reason: write inexact('{name}', reason=",
    )


def test_a_route_differing_only_by_converter_is_a_route_of_its_own(mini: Project):
    # GET /items/1 reaches <int:item_id>; the <name> rule beside it is documented by nothing.
    mini.edit(
        "miniapp.py",
        "    return app\n",
        '    @app.get("/items/<name>")\n'
        "    def item_by_name(name: str):\n"
        '        return {"name": name}\n\n'
        "    return app\n",
    )
    assert_fails_with(
        mini,
        "undocumented-route: the app serves GET /items/<name> (endpoint 'item_by_name')",
    )


def test_a_route_left_out_of_the_contract_needs_a_reason_and_is_reported(mini: Project):
    mini.edit(
        "miniapp.py",
        "    return app\n",
        '    @app.get("/docs")\n    def docs():\n        return "<html></html>"\n\n'
        "    return app\n",
    )
    mini.write("pyproject.toml", '[tool.flask-dredd.excluded-routes]\n"GET /docs" = ""\n')
    result = mini.flask_dredd("check")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "the route 'GET /docs' is left out of the contract without a reason" in result.stderr
    mini.write("pyproject.toml", '[tool.flask-dredd.excluded-routes]\n"GET /docs" = "HTML docs"\n')
    result = mini.flask_dredd("check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "excluded: GET /docs: HTML docs" in result.stdout
    assert "(1 left out of the contract)" in result.stdout
    names = mini.flask_dredd("names")
    assert "excluded: GET /docs: HTML docs (not in the contract)" in names.stdout


def test_an_exclusion_naming_no_route_is_a_problem(mini: Project):
    mini.write("pyproject.toml", '[tool.flask-dredd.excluded-routes]\n"GET /doc" = "typo"\n')
    assert_fails_with(
        mini, "unknown-exclusion: [tool.flask-dredd.excluded-routes] leaves out 'GET /doc'"
    )


def test_a_misspelt_settings_key_is_named_with_the_valid_ones(mini: Project):
    mini.write("pyproject.toml", '[tool.flask-dredd]\nworkres = 3\n')
    result = mini.flask_dredd("check")
    assert result.returncode == 2
    said = result.stderr
    assert "unknown setting in [tool.flask-dredd]: 'workres' (did you mean 'workers'?)" in said
    assert "Valid keys: app, app-spec, db" in result.stderr


def test_a_second_response_under_one_request_fails_check_naming_its_line(mini: Project):
    """Dredd tests the first response of each request only: the second one would vanish."""
    mini.edit(
        "apiary.apib",
        '+ Response 404 (application/json)\n\n        {"error": "not found"}\n',
        '+ Response 404 (application/json)\n\n        {"error": "not found"}\n\n'
        '+ Response 410 (application/json)\n\n        {"error": "gone"}\n',
    )
    lines = (mini.root / "apiary.apib").read_text().splitlines()
    line = lines.index("+ Response 410 (application/json)") + 1
    tested = lines.index("+ Response 404 (application/json)") + 1
    output = assert_fails_with(
        mini,
        f"untested-response: apiary.apib:{line}: `+ Response 410` of 'Get an item [GET]' "
        f"follows the response at line {tested} under the same request, so Dredd never "
        "tests it; give it a `+ Request` of its own",
    )
    assert output.count("✗") == 1
    names = mini.flask_dredd("names")
    assert f"untested: apiary.apib:{line}: `+ Response 410`" in names.stdout
    # Dredd agrees: the blueprint still has 6 transactions, none of them the 410.
    assert "6 transactions:" in names.stdout and "(410)" not in names.stdout


def test_extra_allowed_is_listed_as_an_opt_out_with_its_reason(mini: Project):
    mini.write(
        "hooks/extra.py",
        "from flask_dredd.declarations import extra_allowed\n"
        "\n"
        'extra_allowed("$[*]", reason="items carry warehouse codes", only=["Items > Items"])\n',
    )
    checked = mini.flask_dredd("check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    site = "(hooks/extra.py:3)"
    assert checked.stdout.splitlines()[:3] == [
        "exact: Items > Items > List items: exact; extra keys allowed at $[*]: items carry "
        f"warehouse codes {site}",
        "exact: Items > Items > Create an item: exact; extra keys allowed at $[*]: items carry "
        f"warehouse codes {site}",
        "exactness: 5 exact, 0 with volatile fields, 2 opted out",
    ]
    named = mini.flask_dredd("names")
    assert named.returncode == 0, named.stderr
    listed = [line for line in named.stdout.splitlines() if "extra keys allowed" in line]
    assert [line.split("  ")[0] for line in listed] == [
        "Items > Items > List items", "Items > Items > Create an item"]
    assert all(line.endswith(f"[exact; extra keys allowed at $[*]: items carry warehouse codes "
                             f"{site}]") for line in listed)  # fmt: skip
