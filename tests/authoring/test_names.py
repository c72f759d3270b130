"""`flask dredd names`: every transaction with its state, and names that are Dredd's own."""

from __future__ import annotations

import re

from flask_dredd.contract.compiler import documented_transactions
from tests.dredd_names import transactions

from .conftest import ROOT, Project


def lines_by_name(output: str) -> dict[str, str]:
    return {line.split("  ")[0]: line for line in output.splitlines() if " > " in line}


def test_each_state_with_where_it_comes_from(mini: Project):
    result = mini.flask_dredd("names")
    assert result.returncode == 0, result.stderr
    lines = lines_by_name(result.stdout)
    assert list(lines) == [
        "Items > Items > List items",
        "Items > Items > Create an item",
        "Items > Item > Get an item > Example 1",
        "Items > Item > Get an item > Example 2",
        "Items > Tags > List tags",
        "Health > Health > Check health",
    ]
    assert re.search(r"GET \(200\) /items\s+fixtures\s+hooks/items\.py:8 one_item  \[exact\]$",
                     lines["Items > Items > List items"])  # fmt: skip
    assert re.search(r"no fixtures\s+hooks/declarations\.py:5  \[exact\]$",
                     lines["Items > Items > Create an item"])  # fmt: skip
    assert re.search(r"GET \(404\) /items/1\?verbose=true\s+no fixtures\s+"
                     r"hooks/declarations\.py:6  \[exact\]$",
                     lines["Items > Item > Get an item > Example 2"])  # fmt: skip
    assert re.search(r"skipped\s+hooks/declarations\.py:8: tags are not stored yet$",
                     lines["Items > Tags > List tags"])  # fmt: skip
    assert result.stdout.splitlines()[-2:] == [
        "6 transactions: 2 with fixtures, 3 need none, 1 skipped, 0 missing",
        "exactness: 5 exact, 0 with volatile fields, 0 opted out",  # the skip is not compared
    ]


def test_missing_and_unknown_are_shown(mini: Project):
    mini.edit("hooks/items.py", "Get an item > Example 1", "Get an item > Example 9")
    result = mini.flask_dredd("names")
    assert result.returncode == 0, result.stderr
    line = lines_by_name(result.stdout)["Items > Item > Get an item > Example 1"]
    assert re.search(
        r"MISSING\s+no fixture hook, not declared: `flask dredd scaffold` writes one  \[exact\]$",
        line,
    )
    assert "6 transactions: 1 with fixtures, 3 need none, 1 skipped, 1 missing" in result.stdout
    assert (
        "unknown name: hooks/items.py:13 before('Items > Item > Get an item > Example 9') "
        "hook item_1" in result.stdout
    )


def test_names_are_those_dredd_prints():
    # `names`, `check` and `scaffold` read names from Dredd's compiler; `dredd --names`
    # is what Dredd matches hooks against. They must be the very same list.
    compiled = documented_transactions(ROOT / "apiary.apib", ROOT / "node_modules")
    listed = transactions(ROOT / "apiary.apib", ROOT / "node_modules" / ".bin" / "dredd")
    assert [(t.name, t.method, t.status, t.uri) for t in compiled] == [
        (t.name, t.method, t.status, t.uri) for t in listed
    ]
    assert all(t.id == f"{t.method} ({t.status}) {t.uri}" for t in compiled)


def test_each_transaction_says_how_strictly_it_is_compared(mini: Project):
    mini.write(
        "hooks/exactness.py",
        "from flask_dredd import matchers\n"
        "from flask_dredd.declarations import inexact, volatile, volatile_header\n"
        "\n"
        'volatile("$..name", matchers.ANY)\n'
        'volatile_header("Content-Type", matchers.ANY)\n'
        'inexact("Items > Items > Create an item", reason="names are made up by the server")\n'
        'inexact("Health > Health > Check health", "$.ok", reason="flaps under load")\n',
    )
    result = mini.flask_dredd("names")
    assert result.returncode == 0, result.stderr
    lines = lines_by_name(result.stdout)
    assert lines["Items > Items > List items"].endswith(
        "[exact, volatile: $[0].name (ANY), header Content-Type (ANY)]"
    )
    assert lines["Items > Items > Create an item"].endswith(
        "[inexact: names are made up by the server (hooks/exactness.py:6)]"
    )
    assert lines["Health > Health > Check health"].endswith(
        "[inexact at $.ok: flaps under load (hooks/exactness.py:7)]"
    )
    assert lines["Items > Item > Get an item > Example 2"].endswith(
        "[exact, volatile: header Content-Type (ANY)]"
    )
    assert result.stdout.splitlines()[-1] == (
        "exactness: 0 exact, 3 with volatile fields, 2 opted out (1 partly)"
    )
