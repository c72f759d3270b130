"""Shards' reports: an empty shard's, and `flask dredd merge`, which joins several into one.

Each run writes in run.json what it replayed (`contract.shards.contract_record`): the
.apib's name and sha256, the shard (`K/N`, or null), its transactions (name, Dredd's
id, position in the whole contract) and the contract's total. `merge()` refuses, with a
`MergeError` naming the folder and the fix, shards that do not fit together: a folder
whose run did not finish (its `run.lock` is still there: the run is going or was
killed, so a run.json beside it is an older run's), a folder with no run.json (the run
did not finish, or is no flask-dredd run), different .apib
contents, different N, a shard twice or missing (named), a transaction in two shards or
in none. Then it writes one `dredd.xml`, `run.json`, `transactions.jsonl` and
`index.html` with the existing report code, rows in document order; a transaction a
shard has no result for is "not run", so a merge is never greener than its shards.

The merged exit code is the worst shard's: 3 if any shard aborted or was interrupted
(or lacks results), else 1 if any failed, else 0. The merged page shows each shard's
time, the slowest shard and the balance (slowest / mean).
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from flask_dredd.contract.compiler import DocumentedTransaction
from flask_dredd.errors import FlaskDreddError
from flask_dredd.reporting.events import TransactionResult
from flask_dredd.reporting.html import render
from flask_dredd.reporting.results import RECORD_FILE, RunReport, collect, read_records
from flask_dredd.reporting.xunit import NOT_RUN, XUNIT_FILE, Case, write_xunit

RUN_FILE = "run.json"
#: The reports folder's lock file (run.locks.REPORTS_LOCK): there while its run is.
RUN_LOCK = "run.lock"


class MergeError(FlaskDreddError, RuntimeError):
    """Shards' reports that cannot be merged; the message names the folder and the fix."""


def write_empty_shard(reports: Path, record: dict[str, Any], phases: dict[str, float]) -> None:
    """The reports of a shard that got no actions: nothing ran, and that is complete."""
    write_xunit(reports / XUNIT_FILE, [])
    (reports / RECORD_FILE).write_text("", encoding="utf-8")
    run = {"exit_code": 0, "dredd_exit_code": None, "cause": None, "phases": phases, **record}
    (reports / RUN_FILE).write_text(json.dumps(run, indent=2), encoding="utf-8")


@dataclass
class ShardReports:
    folder: Path
    run: dict[str, Any]
    index: int
    count: int

    @property
    def spec(self) -> str:
        return f"{self.index}/{self.count}"

    @property
    def seconds(self) -> float:
        return float((self.run.get("phases") or {}).get("total") or 0.0)

    @property
    def transactions(self) -> list[dict[str, Any]]:
        return list(self.run.get("transactions") or [])


@dataclass
class Merged:
    report: RunReport
    shards: list[ShardReports]
    exit_code: int
    cause: str | None

    @property
    def slowest(self) -> ShardReports:
        return max(self.shards, key=lambda s: (s.seconds, -s.index))

    @property
    def balance(self) -> float:
        """The slowest shard's time over the mean (1.0: perfectly balanced)."""
        mean = sum(s.seconds for s in self.shards) / len(self.shards)
        return self.slowest.seconds / mean if mean > 0 else 1.0


def _unfinished(folder: Path) -> str:
    """Why the run of ``folder`` did not finish ("" if it did): its lock file is there.

    A run removes its ``run.lock`` as its very last step; one that is still there
    belongs to a run still going (the lock is held) or killed (it is free), and any
    run.json beside it is an older run's.
    """
    try:
        fd = os.open(folder / RUN_LOCK, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return ""
    except OSError:
        return "its lock file is unreadable"
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return "its run is still going"
    finally:
        os.close(fd)  # releases the probe's shared lock, if taken
    return "its run was killed before it finished"


def read_shard(folder: Path) -> ShardReports:
    path = folder / RUN_FILE
    if not folder.is_dir():
        raise MergeError(f"{folder} is not a folder: give the reports folder of each shard")
    unfinished = _unfinished(folder)
    if unfinished:
        raise MergeError(
            f"{folder} holds no finished run ({unfinished}: {folder / RUN_LOCK} is still "
            f"there, so any {RUN_FILE} in it is an older run's); run that shard again"
        )
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MergeError(
            f"{folder} has no {RUN_FILE}: its run did not finish (or it is no `flask dredd run "
            "--shard K/N` reports folder); run that shard again"
        ) from None
    except (OSError, ValueError) as exc:
        raise MergeError(f"cannot read {path}: {exc}") from None
    shard = run.get("shard") if isinstance(run, dict) else None
    if not isinstance(shard, str) or "blueprint_sha256" not in run:
        raise MergeError(
            f"{path} names no shard: the run was not started with --shard K/N (or by a "
            "flask-dredd older than sharding); run it with --shard"
        )
    index, _, count = shard.partition("/")
    return ShardReports(folder, run, int(index), int(count))


def check_fit(shards: list[ShardReports]) -> None:
    """MergeError unless ``shards`` are all N shards of one .apib, each once, covering it."""
    first = shards[0]
    for other in shards[1:]:
        if other.run["blueprint_sha256"] != first.run["blueprint_sha256"]:
            raise MergeError(
                f"the shards ran different .apib files: {first.folder} ran "
                f"{first.run.get('blueprint')} {first.run['blueprint_sha256'][:12]}…, "
                f"{other.folder} ran {other.run.get('blueprint')} "
                f"{other.run['blueprint_sha256'][:12]}…; run every shard from one commit"
            )
        if other.count != first.count:
            raise MergeError(
                f"the shards split the contract differently: {first.folder} is shard "
                f"{first.spec}, {other.folder} is shard {other.spec}; use one N for all"
            )
    seen: dict[int, ShardReports] = {}
    for shard in shards:
        if shard.index in seen:
            raise MergeError(
                f"shard {shard.spec} is there twice: {seen[shard.index].folder} and "
                f"{shard.folder}; give each shard's folder once"
            )
        seen[shard.index] = shard
    missing = [f"{k}/{first.count}" for k in range(1, first.count + 1) if k not in seen]
    if missing:
        have = ", ".join(s.spec for s in sorted(shards, key=lambda s: s.index))
        raise MergeError(
            f"shard {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing "
            f"(have {have}): add {'its' if len(missing) == 1 else 'their'} reports folder"
        )
    owner: dict[int, ShardReports] = {}
    for shard in shards:
        for transaction in shard.transactions:
            position = int(transaction["position"])
            if position in owner:
                raise MergeError(
                    f"{transaction['name']!r} ran in shard {owner[position].spec} and in shard "
                    f"{shard.spec}: the shards were split with different timings; give every "
                    "shard the same --timings file"
                )
            owner[position] = shard
    total = int(first.run.get("contract_total") or 0)
    if len(owner) != total:
        raise MergeError(
            f"the shards hold {len(owner)} of the contract's {total} transactions: they were "
            "split with different timings; give every shard the same --timings file"
        )


def merge(folders: list[Path], out: Path) -> Merged:
    """Check and merge the shards' reports in ``folders`` into ``out``."""
    if not folders:
        raise MergeError("name the shards' reports folders: flask dredd merge DIR...")
    if out.resolve() in {folder.resolve() for folder in folders}:
        raise MergeError(f"{out} is one of the shards' folders: merge into another --reports-dir")
    shards = sorted((read_shard(folder) for folder in folders), key=lambda s: s.index)
    check_fit(shards)
    placed: list[tuple[int, TransactionResult]] = []
    records: list[tuple[int, dict[str, Any]]] = []
    cause: str | None = None
    worst = 0
    for shard in shards:
        rows, shard_records, shard_cause, code = _shard_rows(shard)
        placed += rows
        records += shard_records
        worst = max(worst, code)
        cause = cause or shard_cause
    placed.sort(key=lambda pair: pair[0])
    records.sort(key=lambda pair: pair[0])
    ordered = [row for _, row in placed]
    exit_code = 3 if worst >= 3 else worst
    slowest = max(shards, key=lambda s: (s.seconds, -s.index))
    report = RunReport(
        ordered,
        dict(slowest.run.get("phases") or {}),
        exit_code,
        title=f"Contract run: {len(shards)} shards merged",
        total=int(shards[0].run.get("contract_total") or len(ordered)),
        cause=cause,
    )
    merged = Merged(report, shards, exit_code, cause)
    _write(merged, out, [record for _, record in records])
    return merged


def _shard_rows(
    shard: ShardReports,
) -> tuple[list[tuple[int, TransactionResult]], list[tuple[int, dict[str, Any]]], str | None, int]:
    """The shard's rows and records with their positions, its cause and exit code."""
    mine = shard.transactions
    contract = [DocumentedTransaction(t["name"], t["id"], "", 0, "", "") for t in mine]
    code = int(shard.run.get("exit_code") or 0)
    report = collect(shard.folder, {}, code, "", contract)
    positions = [int(t["position"]) for t in mine]
    by_name = {t["name"]: int(t["position"]) for t in mine}
    cause = shard.run.get("cause")
    not_run = report.count(NOT_RUN)
    if code in (3, 130):
        code, cause = 3, f"shard {shard.spec}: {cause or 'aborted'}"
    elif not_run:  # a shard that says it passed but left transactions without a result
        code, cause = 3, f"shard {shard.spec}: {not_run} transaction(s) have no result"
    for row in report.rows:
        if row.status == NOT_RUN and not row.detail:
            row.detail = f"not run: {cause or 'no record of it'}"
    extra = max(positions, default=0) + 1_000_000  # rows matching no transaction: at the end
    placed = [(positions[i] if i < len(positions) else extra + i, row)
              for i, row in enumerate(report.rows)]  # fmt: skip
    records = [(by_name.get(str(r.get("name")), extra), r)
               for r in read_records(shard.folder / RECORD_FILE)]  # fmt: skip
    if code < 3 and report.count("failed"):
        code = max(code, 1)
    return placed, records, cause, code


def _write(merged: Merged, out: Path, records: list[dict[str, Any]]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    report = merged.report
    cases = [Case(row.id or row.name, row.status, row.seconds, _detail(row)) for row in report.rows]
    write_xunit(out / XUNIT_FILE, cases, merged.slowest.seconds)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    (out / RECORD_FILE).write_text(lines, encoding="utf-8")
    first = merged.shards[0].run
    everything = sorted((t for s in merged.shards for t in s.transactions),
                        key=lambda t: t["position"])  # fmt: skip
    run = {
        "exit_code": merged.exit_code,
        "cause": merged.cause,
        "phases": report.phases,
        "shards": [
            {
                "shard": s.spec,
                "folder": str(s.folder),
                "exit_code": s.run.get("exit_code"),
                "seconds": s.seconds,
                "transactions": len(s.transactions),
            }
            for s in merged.shards
        ],  # fmt: skip
        "slowest_shard": merged.slowest.spec,
        "balance": round(merged.balance, 3),
        "blueprint": first.get("blueprint"),
        "blueprint_sha256": first["blueprint_sha256"],
        "contract_total": first.get("contract_total"),
        "shard": None,
        "transactions": everything,
    }
    (out / RUN_FILE).write_text(json.dumps(run, indent=2), encoding="utf-8")
    page = render(report).replace("<h2>Time per phase</h2>", _shards_section(merged), 1)
    (out / "index.html").write_text(page, encoding="utf-8")


def _shards_section(merged: Merged) -> str:
    longest = max(merged.slowest.seconds, 1e-9)
    rows = []
    for shard in merged.shards:
        mark = " (slowest)" if shard is merged.slowest else ""
        width = 100 * shard.seconds / longest
        rows.append(
            f'    <tr data-shard="{shard.spec}"><td>{shard.spec}{mark}</td>'
            f'<td class="num">{len(shard.transactions)}</td>'
            f'<td class="num">{escape(str(shard.run.get("exit_code")))}</td>'
            f'<td class="num">{shard.seconds:.2f}</td><td class="bar">'
            f'<div class="fill" style="width: {width:.1f}%"></div></td></tr>'
        )
    return (
        f'<h2>Shards</h2>\n<p class="meta" id="shards-summary">slowest shard '
        f"{merged.slowest.spec} ({merged.slowest.seconds:.1f} s), balance "
        f"{merged.balance:.2f} (slowest / mean)</p>\n"
        '<table class="phases" id="shards">\n  <thead><tr><th>Shard</th>'
        '<th class="num">Transactions</th><th class="num">Exit</th>'
        '<th class="num">Seconds</th><th></th></tr></thead>\n  <tbody>\n'
        + "\n".join(rows)
        + "\n  </tbody>\n</table>\n\n<h2>Time per phase (slowest shard)</h2>"
    )


def _detail(row: TransactionResult) -> str:
    if row.status == NOT_RUN:
        return f"{row.name}: {row.detail}"
    if row.status == "skipped":
        return row.skip_reason or row.detail
    return row.detail


def summary_lines(merged: Merged) -> list[str]:
    """One line per shard and the verdict, for the console."""
    lines = [
        f"shard {s.spec}: exit {s.run.get('exit_code')}, {len(s.transactions)} transactions, "
        f"{s.seconds:.1f} s ({s.folder})"
        for s in merged.shards
    ]
    lines.append(
        f"slowest shard {merged.slowest.spec} ({merged.slowest.seconds:.1f} s), balance "
        f"{merged.balance:.2f} (slowest / mean)"
    )
    return lines
