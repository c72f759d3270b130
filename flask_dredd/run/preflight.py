"""What a run checks before it touches the database or starts a server.

`preflight()` reads and validates dredd.yml, the reports folder, `--order` and the
blueprint, then compiles the blueprint with Dredd's own compiler (`actions.py`). Every
mistake found here is a `PreflightError` whose message names the problem and the fix,
within about two seconds, so nothing else has run when it is reported.

The compiled transactions are the contract: their number is the total the closing line
counts against, and their order tells which transaction a stopped run was on.

Preflight writes nothing a concurrent run could read: a reordered blueprint is compiled
from a temporary file, and `Contract.blueprint_for_run()` writes the run's copy into
the reports folder later, once the run owns that folder.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from flask_dredd.contract.compile_cache import cached_compile
from flask_dredd.contract.compiler import DocumentedTransaction, documented_transactions
from flask_dredd.contract.derived import Derived, derive, policy_problems, with_derived
from flask_dredd.contract.policy import PolicyError, load_policy
from flask_dredd.contract.reorder import reordered
from flask_dredd.contract.shards import (
    ShardError,
    ShardSpec,
    contract_record,
    parse_shard,
    plan,
    read_plan,
)
from flask_dredd.contract.shards import read_timings as read_shard_timings
from flask_dredd.errors import ContractError, PreflightError
from flask_dredd.run.dredd_config import DreddDefaults, load_dredd_config
from flask_dredd.sources import read_source

DERIVED_ENV = "FLASK_DREDD_DERIVED"


_ORDER = re.compile(r"^(reverse|shuffle(:\d+)?)$")


@dataclass(frozen=True)
class Contract:
    """dredd.yml's settings and the blueprint this run replays, compiled."""

    settings: dict[str, Any]
    source: Path  # the project's blueprint file
    transactions: list[DocumentedTransaction]  # in the order Dredd runs them
    order: str | None = None
    reordered_text: str | None = None  # what Dredd reads, when not the source as written
    shard: ShardSpec | None = None  # --shard: only this shard's actions (maybe none)
    record: dict[str, Any] = field(default_factory=dict)  # for run.json: hash, shard, names
    derived: int = 0  # transactions derived from the policy (flask_dredd.contract.derived)
    # The whole compiled contract, also when this run is one shard of it: follow-up
    # probes ask transactions that may be in another shard. Empty: a parallel run's
    # child, whose parent wrote it.
    everything: list[DocumentedTransaction] = field(default_factory=list)

    def write_everything(self, path: Path) -> Path | None:
        """The whole contract as JSON for the hooks handler (`FLASK_DREDD_CONTRACT`)."""
        if not self.everything:
            return None
        path.write_text(json.dumps([asdict(t) for t in self.everything]), encoding="utf-8")
        return path

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.transactions]

    def blueprint_for_run(self, reports: Path) -> Path:
        """The file Dredd reads: the source, or its effective copy (a shard's, reordered,
        or with derived transactions) written into `reports`."""
        if self.reordered_text is None:
            return self.source
        stem, suffix = self.source.stem, self.source.suffix
        variant = [self.shard.slug] if self.shard else []
        variant += [self.order.replace(":", "-")] if self.order else []
        copy = reports / f"{stem}.{'.'.join(variant or ['derived'])}{suffix}"
        copy.write_text(self.reordered_text, encoding="utf-8")
        return copy


def preflight(
    *,
    root: Path,
    dredd_config: Path,
    blueprint: Path | None,
    order: str | None,
    reports: Path,
    hook_timeout: float | None = None,
    shard: str | None = None,
    timings: Path | None = None,
    shard_plan: Path | None = None,
    dredd_defaults: DreddDefaults = (None, None),
) -> Contract:
    """Validate everything a run reads and compile its blueprint; `PreflightError` if bad.

    ``shard_plan``: the shard already cut and compiled by a parallel run (no compiling).
    """
    check_order(order)
    spec = shard_spec(shard)
    settings = load_dredd_config(root, dredd_config, *dredd_defaults)
    check_hook_timeout(settings, hook_timeout)
    source = blueprint_path(root, dredd_config, settings, blueprint)
    prepare_reports_folder(reports)
    if spec is not None and shard_plan is not None:
        return planned_contract(settings, source, spec, shard_plan)
    # A shard is cut from the document as written, and reordered afterwards.
    text = reordered_blueprint(source, order) if order and spec is None else None
    try:
        compiled = compile_blueprint(source, text, root / "node_modules")
    except ContractError as exc:
        if str(exc).startswith("Dredd found no transactions"):
            raise PreflightError(
                f"{source} holds no transactions: Dredd found no API Blueprint action with "
                "a request and response in it, so a run would test nothing. Check that it "
                "is the right file and that it starts with `FORMAT: 1A`, or name the "
                "blueprint with --blueprint / FLASK_DREDD_BLUEPRINT."
            ) from None
        raise PreflightError(f"{exc}\nFix the blueprint, then run again.") from None
    derived = derived_transactions(root, compiled)
    whole = read_source(source, "blueprint")
    if derived:  # the effective copy: derived actions beside their sources, then reordered
        whole = with_derived(whole, derived)
        text = reordered(whole, order) if order and spec is None else whole
        try:
            compiled = compile_blueprint(source, text, root / "node_modules")
        except ContractError as exc:
            raise PreflightError(f"the transactions derived from the policy do not compile: "
                                 f"{exc}") from None  # fmt: skip
    if spec is not None:
        node_modules = root / "node_modules"
        return shard_contract(settings, source, whole, compiled, order, spec,
                              timings or reports, node_modules, len(derived))  # fmt: skip
    record = contract_record(source, whole, compiled, None, list(range(len(compiled))))
    return Contract(
        settings, source, compiled, order, text, record=record, derived=len(derived),
        everything=compiled,
    )  # fmt: skip


def planned_contract(
    settings: dict[str, Any], source: Path, spec: ShardSpec, shard_plan: Path
) -> Contract:
    try:
        text, record, mine = read_plan(shard_plan, spec, read_source(source, "blueprint"))
    except ShardError as exc:
        raise PreflightError(str(exc)) from None
    return Contract(settings, source, mine, None, text or None, spec, record)


def shard_spec(shard: str | None) -> ShardSpec | None:
    try:
        return None if shard is None else parse_shard(shard)
    except ShardError as exc:
        raise PreflightError(str(exc)) from None


def shard_contract(
    settings: dict[str, Any],
    source: Path,
    whole: str,
    compiled: list[DocumentedTransaction],
    order: str | None,
    spec: ShardSpec,
    timings: Path,
    node_modules: Path,
    derived: int = 0,
) -> Contract:
    """The contract of one shard: its actions of ``compiled``, the compiled ``whole`` (the
    source as written, with any derived actions).

    ``timings``: a timings file, or a reports folder whose transactions.jsonl (an earlier
    run's) balances the split; no timings at all: split by transaction counts.
    """
    try:
        if timings.is_dir():
            timings = timings / "transactions.jsonl"
            durations = read_shard_timings(timings) if timings.exists() else {}
        else:
            durations = read_shard_timings(timings)
        chosen = plan(compiled, whole, spec.count, durations)[spec.index - 1]
    except ShardError as exc:
        raise PreflightError(str(exc)) from None
    record = contract_record(source, whole, compiled, spec, chosen.positions)
    mine = [compiled[p] for p in chosen.positions]
    if not chosen.text:
        return Contract(settings, source, [], order, None, spec, record, derived, compiled)
    text = reordered(chosen.text, order) if order else chosen.text
    if order is not None:
        mine = compile_blueprint(source, text, node_modules)
    return Contract(settings, source, mine, order, text, spec, record, derived, compiled)


def derived_transactions(root: Path, compiled: list[DocumentedTransaction]) -> list[Derived]:
    """What the policy in pyproject.toml derives, or PreflightError naming its problems;
    nothing with FLASK_DREDD_DERIVED=0 (the bench compares the contract with and without)."""
    if os.environ.get(DERIVED_ENV, "").strip().lower() in ("0", "off", "false"):
        return []
    try:
        rules = load_policy(root)
    except PolicyError as exc:
        raise PreflightError(str(exc)) from None
    problems = policy_problems(rules, compiled)
    if problems:
        raise PreflightError(
            "\n".join(problems) + "\nFix the policy ([[tool.flask-dredd.policy]] in "
            "pyproject.toml), then run again."
        )
    return derive(rules, compiled)


def compile_blueprint(
    source: Path, text: str | None, node_modules: Path
) -> list[DocumentedTransaction]:
    """Dredd's transactions of ``source``, or of ``text`` (a reordered copy) if given.

    Kept between runs (`contract/compile_cache.py`): the same text compiles the same.
    """
    if text is None:
        try:
            whole = read_source(source, "blueprint")
        except OSError:
            return documented_transactions(source, node_modules)  # its error names the file
        compile_source = lambda: documented_transactions(source, node_modules)  # noqa: E731
        return cached_compile(whole, node_modules, compile_source, source)

    def compile_copy() -> list[DocumentedTransaction]:
        with tempfile.TemporaryDirectory(prefix="flask-dredd-") as folder:
            copy = Path(folder) / source.name
            copy.write_text(text, encoding="utf-8")
            return documented_transactions(copy, node_modules)

    return cached_compile(text, node_modules, compile_copy)


def check_hook_timeout(settings: dict[str, Any], hook_timeout: float | None) -> None:
    """A hook time limit must be under Dredd's own, or Dredd times the hook out first."""
    dredd_ms = settings.get("hooks-worker-timeout") or 5000
    if hook_timeout is not None and hook_timeout * 1000 >= dredd_ms:
        raise PreflightError(
            f"--hook-timeout {hook_timeout:g} s (HOOK_TIMEOUT) is not under Dredd's "
            f"hooks-worker-timeout of {dredd_ms / 1000:g} s (dredd.yml): Dredd would give up "
            "on the hook first and the hooks handler could not name it. Lower it, or raise "
            "hooks-worker-timeout in dredd.yml."
        )


def check_order(order: str | None) -> None:
    if order is not None and not _ORDER.match(order):
        raise PreflightError(
            f"unknown order {order!r} (--order / FLASK_DREDD_ORDER): use 'reverse', 'shuffle' or "
            "'shuffle:SEED' with a whole-number SEED, e.g. ORDER=shuffle:42"
        )


def blueprint_path(
    root: Path, dredd_config: Path, settings: dict[str, Any], override: Path | None
) -> Path:
    """The blueprint file the run replays: --blueprint, else dredd.yml's; it must exist."""
    if override is not None:
        path = override if override.is_absolute() else root / override
        if not path.is_file():
            raise PreflightError(
                f"blueprint {override} not found (--blueprint / FLASK_DREDD_BLUEPRINT={override}): "
                "give the path of an API Blueprint file, relative to the project's root"
            )
        return path
    named = settings.get("blueprint")
    if not named:
        raise PreflightError(f"{dredd_config} names no blueprint; add `blueprint: apiary.apib`")
    path = Path(str(named))
    path = path if path.is_absolute() else root / path
    if not path.is_file():
        raise PreflightError(
            f"blueprint {named} (named in {dredd_config}) not found in {root}: fix "
            "`blueprint:` there, or name one with --blueprint / FLASK_DREDD_BLUEPRINT. flask dredd "
            "run takes one blueprint file (no glob, no URL)."
        )
    return path


def prepare_reports_folder(reports: Path) -> None:
    """Create the reports folder if missing and prove that files can be written in it."""
    if reports.exists() and not reports.is_dir():
        raise PreflightError(
            f"{reports} is a file, but the run writes its reports into a folder of that "
            "name: move the file away, or choose another folder with --reports-dir / "
            "FLASK_DREDD_REPORTS"
        )
    try:
        reports.mkdir(parents=True, exist_ok=True)
        # os.access() says yes to root on read-only file systems; a real file does not lie.
        with tempfile.NamedTemporaryFile(dir=reports, prefix=".write-check-"):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise PreflightError(
            f"cannot write reports into {reports}: {reason}. Make it writable for "
            f"this user (uid {os.getuid()}), or choose another folder with "
            "--reports-dir / FLASK_DREDD_REPORTS"
        ) from None


def reordered_blueprint(blueprint: Path, order: str) -> str:
    """``blueprint``'s text with its actions in ``order`` (names unchanged)."""
    try:
        return reordered(read_source(blueprint, "blueprint"), order)
    except (OSError, ValueError) as exc:
        raise PreflightError(f"cannot reorder {blueprint}: {exc}") from None


