"""Shards without Dredd: the spec, the split, timings, shard databases' names, merge checks."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

import pytest

from flask_dredd.contract.compiler import DocumentedTransaction
from flask_dredd.contract.shards import (
    ShardError,
    ShardSpec,
    action_groups,
    parse_shard,
    plan,
    read_timings,
    units,
)
from flask_dredd.reporting.shards import MergeError, merge
from flask_dredd.reporting.xunit import Case, read_xunit, write_xunit
from flask_dredd.run.shard_databases import shard_name

BLUEPRINT = """FORMAT: 1A

# Shop

# Group Items

## Items [/items]

### List Items [GET]

+ Response 200

### Create an Item [POST]

+ Request (application/json)

+ Response 201

+ Request (application/json)

+ Response 422

## Item [/items/{id}]

### Get an Item [GET]

+ Response 200

### Delete an Item [DELETE]

+ Response 204
"""

NAMES = [
    "Items > Items > List Items",
    "Items > Items > Create an Item > Example 1",
    "Items > Items > Create an Item > Example 2",
    "Items > Item > Get an Item",
    "Items > Item > Delete an Item",
]


def compiled(names: list[str] = NAMES) -> list[DocumentedTransaction]:
    return [DocumentedTransaction(n, f"GET (200) /{i}", "GET", 200, "/", "/") for i, n in
            enumerate(names)]  # fmt: skip


@pytest.mark.parametrize("spec", ["0/2", "3/2", "a/b", "1", "1/0", "-1/2", "", "2/3/4"])
def test_a_bad_spec_is_refused_with_the_form_it_takes(spec: str):
    with pytest.raises(ShardError, match=r"bad shard .*write K/N with whole numbers 1 ≤ K ≤ N"):
        parse_shard(spec)


def test_a_good_spec():
    assert parse_shard(" 2/3 ") == ShardSpec(2, 3) and str(ShardSpec(2, 3)) == "2/3"


def test_examples_of_one_action_stay_together():
    assert action_groups(compiled(), BLUEPRINT) == [[0], [1, 2], [3], [4]]


def test_a_derived_action_shares_its_sources_shard():
    # The handler arms a derived transaction from its source's hooks and documented
    # request, which must both be in the same run.
    names = [*NAMES[:4], f"{NAMES[0]} [derived: no credentials]"]
    documented = compiled(names)
    groups = action_groups(documented, BLUEPRINT)
    assert units(groups, documented) == [[0, 3], [1], [2]]  # action indices
    for count in (2, 3, 4):
        for shard in plan(documented, BLUEPRINT, count, {}):
            assert (0 in shard.positions) == (4 in shard.positions)


def test_by_counts_every_transaction_lands_once_whole_actions_in_document_order():
    shards = plan(compiled(), BLUEPRINT, 2, {})
    positions = [p for s in shards for p in s.positions]
    assert sorted(positions) == list(range(5))
    assert [s.positions for s in shards] == [[1, 2, 4], [0, 3]]  # heaviest first, then fill
    assert all(s.positions == sorted(s.positions) for s in shards)
    assert "Create an Item" in shards[0].text and "List Items" not in shards[0].text


def test_recorded_durations_balance_the_split():
    slow = {NAMES[0]: 4.0, NAMES[1]: 0.1, NAMES[2]: 0.1, NAMES[3]: 0.1, NAMES[4]: 3.9}
    shards = plan(compiled(), BLUEPRINT, 2, slow)
    # By counts this would be [[1, 2, 4], [0, 3]]: 7.9 s against 0.2 s.
    assert [s.positions for s in shards] == [[0, 3], [1, 2, 4]]
    assert [round(s.predicted_seconds, 1) for s in shards] == [4.1, 4.1]


def test_the_split_is_deterministic_and_unknown_transactions_weigh_the_mean():
    timings = {NAMES[0]: 1.0, NAMES[4]: 3.0}
    first = [s.positions for s in plan(compiled(), BLUEPRINT, 3, timings)]
    assert first == [s.positions for s in plan(compiled(), BLUEPRINT, 3, dict(timings))]
    assert first == [[1, 2], [4], [0, 3]]
    # Create's two examples, unrecorded, weigh the mean (2 s) each.
    assert [s.predicted_seconds for s in plan(compiled(), BLUEPRINT, 3, timings)] == [4, 3, 3]


def test_more_shards_than_actions_leaves_some_empty():
    shards = plan(compiled(), BLUEPRINT, 6, {})
    assert [s.text == "" for s in shards].count(True) == 2


def test_timings_from_a_records_file_or_a_mapping(tmp_path: Path):
    records = tmp_path / "transactions.jsonl"
    records.write_text(json.dumps({"name": NAMES[0], "duration_ms": 250}) + "\n{torn")
    assert read_timings(records) == {NAMES[0]: 0.25}
    mapping = tmp_path / "timings.json"
    mapping.write_text(json.dumps({NAMES[1]: 1.5}))
    assert read_timings(mapping) == {NAMES[1]: 1.5}
    mapping.write_text(json.dumps({NAMES[1]: "slow"}))
    with pytest.raises(ShardError, match="number of seconds"):
        read_timings(mapping)
    with pytest.raises(ShardError, match="cannot read the timings file"):
        read_timings(tmp_path / "missing.json")


def test_shard_databases_stay_designated():
    assert shard_name("eventapi_contract", 1) == "eventapi_shard1_contract"
    assert shard_name("eventapi_e2e_ab12_test", 2) == "eventapi_e2e_ab12_shard2_test"
    assert shard_name("precious", 3) == "precious_shard3_contract"


# ---------------------------------------------------------------- merge


def shard_folder(root: Path, spec: str, positions: list[int], *, sha: str = "a" * 64,
                 failed: tuple[int, ...] = (), exit_code: int = 0, seconds: float = 5.0,
                 total: int = 5) -> Path:  # fmt: skip
    """The reports a `flask dredd run --shard` leaves: run.json, dredd.xml, records."""
    folder = root / spec.replace("/", "of")
    folder.mkdir()
    mine = [{"name": NAMES[p], "id": f"GET (200) /{p}", "position": p} for p in positions]
    cases = [Case(t["id"], "failed" if t["position"] in failed else "passed", 0.01,
                  "Message:\nstatusCode: expected 200, got 500" if t["position"] in failed else "")
             for t in mine]  # fmt: skip
    write_xunit(folder / "dredd.xml", cases)
    (folder / "transactions.jsonl").write_text(
        "".join(json.dumps({**t, "duration_ms": 10, "reset_ms": 1}) + "\n" for t in mine)
    )
    run = {"exit_code": exit_code, "cause": None, "phases": {"total": seconds},
           "blueprint": "shop.apib", "blueprint_sha256": sha, "contract_total": total,
           "shard": spec, "transactions": mine}  # fmt: skip
    (folder / "run.json").write_text(json.dumps(run))
    return folder


def test_merge_joins_shards_in_document_order(tmp_path: Path):
    a = shard_folder(tmp_path, "1/2", [1, 2, 4], seconds=6.0)
    b = shard_folder(tmp_path, "2/2", [0, 3], failed=(3,), exit_code=1, seconds=4.0)
    merged = merge([b, a], tmp_path / "out")
    assert merged.exit_code == 1
    assert [row.name for row in merged.report.rows] == NAMES
    assert merged.slowest.spec == "1/2" and round(merged.balance, 2) == 1.2
    xunit = read_xunit(tmp_path / "out" / "dredd.xml")
    assert (xunit.passed, xunit.failed) == (4, 1)
    lines = (tmp_path / "out" / "transactions.jsonl").read_text().splitlines()
    assert [json.loads(line)["name"] for line in lines] == NAMES
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert run["slowest_shard"] == "1/2" and len(run["transactions"]) == 5
    page = (tmp_path / "out" / "index.html").read_text()
    assert 'data-shard="1/2"' in page and "slowest shard 1/2 (6.0 s), balance 1.20" in page


def test_merge_refuses_shards_of_different_blueprints(tmp_path: Path):
    a = shard_folder(tmp_path, "1/2", [1, 2, 4])
    b = shard_folder(tmp_path, "2/2", [0, 3], sha="b" * 64)
    with pytest.raises(MergeError, match="different .apib files.*run every shard from one commit"):
        merge([a, b], tmp_path / "out")


def test_merge_names_the_missing_shard(tmp_path: Path):
    a = shard_folder(tmp_path, "1/3", [0, 1, 2])
    c = shard_folder(tmp_path, "3/3", [4])
    with pytest.raises(MergeError, match=r"shard 2/3 is missing \(have 1/3, 3/3\)"):
        merge([a, c], tmp_path / "out")


def test_merge_refuses_a_shard_twice_and_an_unfinished_one(tmp_path: Path):
    a = shard_folder(tmp_path, "1/2", [1, 2, 4])
    twice = tmp_path / "again"
    twice.mkdir()
    (twice / "run.json").write_text((a / "run.json").read_text())
    with pytest.raises(MergeError, match="shard 1/2 is there twice"):
        merge([a, twice], tmp_path / "out")
    (twice / "run.json").unlink()
    with pytest.raises(MergeError, match="has no run.json: its run did not finish"):
        merge([a, twice], tmp_path / "out")


def test_merge_refuses_a_stale_run_json_beside_a_killed_or_running_shard(tmp_path: Path):
    a = shard_folder(tmp_path, "1/2", [1, 2, 4])
    b = shard_folder(tmp_path, "2/2", [0, 3])  # an earlier, finished run's run.json
    lock = b / "run.lock"
    lock.write_text('{"pid": 1}')  # a killed run's: its lock file stayed, unlocked
    with pytest.raises(MergeError) as killed:
        merge([a, b], tmp_path / "out")
    assert f"{b} holds no finished run (its run was killed before it finished" in str(killed.value)
    assert "run that shard again" in str(killed.value)
    with lock.open() as held:  # a run still going holds its lock
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(MergeError, match="its run is still going"):
            merge([a, b], tmp_path / "out")
    lock.unlink()  # a run that finished removes its lock file last
    assert merge([a, b], tmp_path / "out").exit_code == 0


def test_merge_refuses_shards_split_differently(tmp_path: Path):
    a = shard_folder(tmp_path, "1/2", [1, 2, 4])
    b = shard_folder(tmp_path, "2/2", [0, 1])
    with pytest.raises(MergeError, match="ran in shard 1/2 and in shard 2/2"):
        merge([a, b], tmp_path / "out")


def test_a_shard_without_results_makes_the_merge_aborted_never_green(tmp_path: Path):
    a = shard_folder(tmp_path, "1/2", [1, 2, 4])
    b = shard_folder(tmp_path, "2/2", [0, 3])
    (b / "dredd.xml").unlink()
    (b / "transactions.jsonl").unlink()
    merged = merge([a, b], tmp_path / "out")
    assert merged.exit_code == 3 and "shard 2/2: 2 transaction(s) have no result" in merged.cause
    assert read_xunit(tmp_path / "out" / "dredd.xml").not_run == 2


def test_the_worst_shard_decides_an_aborted_one_over_a_failed_one(tmp_path: Path):
    a = shard_folder(tmp_path, "1/2", [1, 2, 4], failed=(1,), exit_code=1)
    b = shard_folder(tmp_path, "2/2", [0, 3], exit_code=3)
    assert merge([a, b], tmp_path / "out").exit_code == 3
