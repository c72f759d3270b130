"""Shards of a contract: whole actions, split deterministically and balanced by time.

`flask dredd run --shard K/N` runs shard K of N. A shard is a set of whole actions
(every example of an action stays together, since a later example may rely on nothing
an earlier one did, but their numbers are part of their names), written as a copy of
the .apib holding only those actions, in document order (`reorder.only_actions`).

The split is a function of the blueprint's text and the timings alone, so every CI job
computes the same one: actions are weighed by the recorded duration of their
transactions (`transactions.jsonl` of an earlier run, or a timings file a team commits:
either JSON lines with `name` and `duration_ms`, or a JSON object `{name: seconds}`);
a transaction with no recorded duration weighs the mean of those recorded; with no
timings at all every transaction weighs 1 (a split by counts). Actions go, heaviest
first, to the lightest shard so far (ties: the lower shard number, then document
order), which keeps the slowest shard close to the mean.

Every run records what it ran (`contract_record`: the .apib's content hash, the shard,
its transactions with their document positions and the contract's total) in run.json,
so `flask dredd merge` can prove that shards fit together.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from flask_dredd.contract.compiler import DocumentedTransaction
from flask_dredd.contract.reorder import only_actions, parse
from flask_dredd.errors import FlaskDreddError

#: The environment variable `--shard` reads (make SHARD=K/N sets it).
SHARD_ENV = "FLASK_DREDD_SHARD"
_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_EXAMPLE = re.compile(r" > Example \d+$")
_DERIVED = re.compile(r"^(?P<source>.*) \[derived: [^\]]+\]$")  # contract.derived's names


class ShardError(FlaskDreddError, ValueError):
    """A bad shard spec or timings file; the message names the problem and the fix."""


@dataclass(frozen=True)
class ShardSpec:
    index: int  # K, from 1
    count: int  # N

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @property
    def slug(self) -> str:
        """For file names: `shard2of3`."""
        return f"shard{self.index}of{self.count}"


def parse_shard(text: str) -> ShardSpec:
    """`2/3` → ShardSpec(2, 3); ShardError for anything but whole numbers 1 ≤ K ≤ N."""
    match = _SPEC.match(text)
    if match is not None:
        index, count = int(match.group(1)), int(match.group(2))
        if 1 <= index <= count:
            return ShardSpec(index, count)
    raise ShardError(
        f"bad shard {text!r} (--shard / {SHARD_ENV} / SHARD): write K/N with whole numbers "
        "1 ≤ K ≤ N, shard K of N, e.g. --shard 2/4 for the second of four"
    )


def blueprint_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def action_groups(transactions: list[DocumentedTransaction], text: str) -> list[list[int]]:
    """The positions of each action's transactions, one list per action of ``text``.

    Dredd names an action's examples `… > Example N` after the action's name, so
    consecutive transactions of one action share that name; the number of groups must
    equal the number of actions the text has, or the split would cut an action.
    """
    groups: list[list[int]] = []
    last: str | None = None
    for position, transaction in enumerate(transactions):
        action = _EXAMPLE.sub("", transaction.name)
        if action != last or not _EXAMPLE.search(transaction.name):
            groups.append([])
        groups[-1].append(position)
        last = action
    actions = len(parse(text).actions)
    if len(groups) != actions:
        raise ShardError(
            f"cannot split the blueprint into whole actions: its text has {actions} actions "
            f"but Dredd's compiler gives {len(groups)} groups of transactions (two actions "
            "with one name?); give every action a name of its own"
        )
    return groups


def read_timings(path: Path) -> dict[str, float]:
    """Seconds per transaction name from a records file (JSON lines) or a JSON object."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ShardError(f"cannot read the timings file {path}: {exc.strerror or exc}") from None
    try:
        whole = json.loads(text)
    except ValueError:
        whole = None  # JSON lines (or a torn last line): read line by line below
    if isinstance(whole, dict) and "duration_ms" not in whole:
        if not all(_number(v) for v in whole.values()):
            raise ShardError(
                f"{path}: every value must be a number of seconds, e.g. "
                '{"Group > Resource > Action": 0.12}'
            )
        return {str(k): float(v) for k, v in whole.items()}
    timings: dict[str, float] = {}
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a torn last line of a stopped run
        if isinstance(record, dict) and _number(record.get("duration_ms")):
            timings[str(record.get("name"))] = float(record["duration_ms"]) / 1000
    if not timings and text.strip():
        raise ShardError(
            f"{path} holds no timings: use a run's transactions.jsonl or a JSON object "
            '{"Group > Resource > Action": seconds, …}'
        )
    return timings


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def weights(names: list[str], timings: dict[str, float]) -> list[float]:
    """Each transaction's weight: its recorded seconds, else the mean; no timings: 1."""
    known = [timings[n] for n in names if n in timings]
    if not known:
        return [1.0] * len(names)
    mean = sum(known) / len(known)
    return [timings.get(n, mean) for n in names]


def units(groups: list[list[int]], transactions: list[DocumentedTransaction]) -> list[list[int]]:
    """The actions that must share a shard, as lists of action indices.

    Each action stands alone, except an action of derived transactions
    (``… [derived: rule]``), which goes with its source's action: the handler arms a
    derived transaction from its source's hooks and documented request, so both must be
    in the same run.
    """
    action_of = {transactions[p].name: a for a, group in enumerate(groups) for p in group}
    unit_of = list(range(len(groups)))
    for action, group in enumerate(groups):
        found = _DERIVED.match(transactions[group[0]].name)
        if found is not None and found.group("source") in action_of:
            unit_of[action] = unit_of[action_of[found.group("source")]]
    members: dict[int, list[int]] = {}
    for action, unit in enumerate(unit_of):
        members.setdefault(unit, []).append(action)
    return list(members.values())


def split(
    groups: list[list[int]], weight: list[float], count: int, together: list[list[int]]
) -> list[list[int]]:
    """The action indices of each of ``count`` shards, each in document order; the
    actions of one list of ``together`` stay in one shard."""
    loads = [0.0] * count
    shards: list[list[int]] = [[] for _ in range(count)]

    def load(unit: int) -> float:
        return sum(weight[p] for a in together[unit] for p in groups[a])

    sized = sorted(range(len(together)), key=lambda u: (-load(u), together[u][0]))
    for unit in sized:
        lightest = min(range(count), key=lambda s: (loads[s], s))
        shards[lightest].extend(together[unit])
        loads[lightest] += load(unit)
    return [sorted(actions) for actions in shards]


@dataclass(frozen=True)
class Shard:
    spec: ShardSpec
    text: str  # the .apib copy holding only this shard's actions ("" when it has none)
    positions: list[int]  # its transactions' positions in the whole contract
    predicted_seconds: float  # from the timings; counts when there were none


def plan(
    transactions: list[DocumentedTransaction], text: str, count: int, timings: dict[str, float]
) -> list[Shard]:
    """Every shard of ``count``: which actions, the copy of the text, what it weighs."""
    groups = action_groups(transactions, text)
    weight = weights([t.name for t in transactions], timings)
    shards = []
    together = units(groups, transactions)
    for index, actions in enumerate(split(groups, weight, count, together), start=1):
        positions = [p for a in actions for p in groups[a]]
        copy = only_actions(text, set(actions)) if actions else ""
        predicted = sum(weight[p] for p in positions)
        shards.append(Shard(ShardSpec(index, count), copy, positions, predicted))
    return shards


def contract_record(
    source: Path,
    text: str,
    everything: list[DocumentedTransaction],
    shard: ShardSpec | None,
    positions: list[int],
) -> dict[str, object]:
    """What run.json says about the contract a run replayed, for `flask dredd merge`."""
    return {
        "blueprint": source.name,
        "blueprint_sha256": blueprint_sha256(text),
        "contract_total": len(everything),
        "shard": None if shard is None else str(shard),
        "transactions": [
            {"name": everything[p].name, "id": everything[p].id, "position": p} for p in positions
        ],
    }


def write_plan(
    path: Path,
    shard: Shard,
    record: dict[str, object],
    everything: list[DocumentedTransaction],
    source_text: str,
) -> None:
    """One shard's part, already compiled, for a child run of `--parallel` (`--shard-plan`).

    The parent compiled the whole blueprint once; a child reading this skips compiling
    it again (seconds per shard on a big contract).
    """
    mine = [asdict(everything[p]) for p in shard.positions]
    plan_ = {
        "shard": str(shard.spec),
        "text": shard.text,
        "record": record,
        "source_sha256": blueprint_sha256(source_text),
        "transactions": mine,
    }
    path.write_text(json.dumps(plan_), encoding="utf-8")


def read_plan(
    path: Path, spec: ShardSpec, source_text: str
) -> tuple[str, dict[str, object], list[DocumentedTransaction]]:
    """The shard's text, run.json record and transactions; ShardError if they do not fit."""
    try:
        plan_ = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ShardError(f"cannot read the shard plan {path}: {exc}") from None
    record = plan_["record"]
    # The record's hash is of the effective text (with derived actions); the plan also
    # names the source file's, which is what the child can check.
    source_sha = plan_.get("source_sha256", record["blueprint_sha256"])
    if plan_["shard"] != str(spec) or source_sha != blueprint_sha256(source_text):
        raise ShardError(
            f"the shard plan {path} is for shard {plan_['shard']} of another version of the "
            "blueprint: run the parallel run again"
        )
    transactions = [
        DocumentedTransaction(**{
            **t,
            "headers": tuple(tuple(h) for h in t["headers"]),
            "request_headers": tuple(tuple(h) for h in t.get("request_headers", ())),
        })  # fmt: skip
        for t in plan_["transactions"]
    ]
    return plan_["text"], record, transactions
