"""`flask dredd names`: every transaction with its state, and names that are Dredd's own."""

from __future__ import annotations

import re

from flask_dredd.actions import documented_transactions
from flask_dredd.blueprint import transactions

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
    assert re.search(r"GET \(200\) /items\s+fixtures\s+hooks/items\.py:8 one_item$",
                     lines["Items > Items > List items"])  # fmt: skip
    assert re.search(r"no fixtures\s+hooks/declarations\.py:5$",
                     lines["Items > Items > Create an item"])  # fmt: skip
    assert re.search(r"GET \(404\) /items/1\?verbose=true\s+no fixtures\s+"
                     r"hooks/declarations\.py:6$",
                     lines["Items > Item > Get an item > Example 2"])  # fmt: skip
    assert re.search(r"skipped\s+hooks/declarations\.py:8: tags are not stored yet$",
                     lines["Items > Tags > List tags"])  # fmt: skip
    assert result.stdout.splitlines()[-1] == (
        "6 transactions: 2 with fixtures, 3 need none, 1 skipped, 0 missing"
    )


def test_missing_and_unknown_are_shown(mini: Project):
    mini.edit("hooks/items.py", "Get an item > Example 1", "Get an item > Example 9")
    result = mini.flask_dredd("names")
    assert result.returncode == 0, result.stderr
    line = lines_by_name(result.stdout)["Items > Item > Get an item > Example 1"]
    assert re.search(
        r"MISSING\s+no fixture hook, not declared: `flask dredd scaffold` writes one$", line
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
