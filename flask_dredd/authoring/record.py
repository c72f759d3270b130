"""`flask dredd record`: write the real answers of chosen transactions into their examples.

For documentation authors: they write the request, give it fixtures, and let the app
say what the answer is. Record

1. refuses when the blueprint has uncommitted changes (git), unless forced: its result
   is meant to be reviewed as a diff, and nobody's unsaved edit may be mixed into it;
2. runs the chosen actions, and only those, as a run does (the app under gunicorn, the
   hook files, a reset database and the fixtures), from a copy of the blueprint holding
   just those actions (Dredd's --only would still reset the database for every other
   transaction), with `flask_dredd.capture` keeping each real response;
3. rewrites each chosen example's response (`flask_dredd.contract.example_writer`): status, the
   values of the headers it documents, and its body, with volatile values replaced by
   their matcher's placeholder. MSON Attributes and every other line stay as they are.

`--only-failing` runs every chosen transaction, then writes only those the run failed.
"""

from __future__ import annotations

import difflib
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from flask_dredd.authoring.project import Project
from flask_dredd.capture import CAPTURE_ENV, read_capture
from flask_dredd.contract.apib_text import BlueprintTextError, Example, find_examples, pair_with
from flask_dredd.contract.compiler import DocumentedTransaction
from flask_dredd.contract.example_writer import JsonPath, Matcher, Volatile, rewrite_response
from flask_dredd.contract.reorder import only_actions
from flask_dredd.declarations import Volatility, volatility
from flask_dredd.errors import FlaskDreddError, RunError
from flask_dredd.reporting.results import collect
from flask_dredd.run.config import RunConfig
from flask_dredd.run.runner import run
from flask_dredd.sources import read_source

CAPTURE_FILE = "captured.jsonl"


class RecordError(FlaskDreddError, RuntimeError):
    """Record cannot go ahead; the message says why and what to do."""


@dataclass
class Outcome:
    name: str
    written: bool
    notes: list[str] = field(default_factory=list)


@dataclass
class Recording:
    outcomes: list[Outcome]
    run_exit_code: int

    @property
    def changed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.written]


def choose(
    documented: list[DocumentedTransaction], names: tuple[str, ...], every: bool
) -> list[str]:
    """The transactions to record, in blueprint order; RecordError on an unknown name."""
    known = [t.name for t in documented]
    if every:
        return known
    if not names:
        raise RecordError("name the transactions to record (see `flask dredd names`), or --all")
    unknown = [name for name in names if name not in known]
    if unknown:
        lines = []
        for name in unknown:
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
            hint = "; did you mean " + " or ".join(repr(c) for c in close) if close else ""
            lines.append(f"no transaction is named {name!r}{hint}")
        raise RecordError("\n".join(lines) + "\n(`flask dredd names` lists every name)")
    wanted = set(names)
    return [name for name in known if name in wanted]


def ensure_committed(blueprint: Path, force: bool) -> None:
    """Refuse a blueprint with uncommitted changes (or outside git) unless forced."""
    if force:
        return
    try:
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", blueprint.name],
            cwd=blueprint.parent,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except FileNotFoundError:
        raise RecordError(
            "git is not installed, so record cannot tell whether "
            f"{blueprint.name} has unsaved edits; commit a copy some other way, then --force"
        ) from None
    if status.returncode != 0:
        raise RecordError(
            f"{blueprint} is not in a git repository, so record's changes could not be "
            "reviewed as a diff; put it under git, or pass --force"
        )
    if status.stdout.strip():
        raise RecordError(
            f"{blueprint.name} has uncommitted changes ({status.stdout.strip()}); commit or "
            "stash them first, so the recorded answers show as a diff of their own "
            "(or pass --force to write over them)"
        )


def located(text: str, documented: list[DocumentedTransaction]) -> dict[str, Example]:
    """Each transaction's example in the text, by name."""
    try:
        examples = find_examples(text.splitlines())
        pair_with(examples, documented)
    except BlueprintTextError as exc:
        raise RecordError(f"cannot place the examples in the blueprint's text: {exc}") from None
    return {example.name: example for example in examples}


def run_chosen(
    config: RunConfig, blueprint: Path, text: str, examples: list[Example]
) -> tuple[dict[str, dict], set[str], int]:
    """Run the actions holding `examples`; their captured responses, failures, exit code."""
    reports = config.path(config.reports_dir)
    reports.mkdir(parents=True, exist_ok=True)
    subset = reports / f"{blueprint.stem}.record{blueprint.suffix}"
    subset.write_text(only_actions(text, {example.action for example in examples}))
    capture = reports / CAPTURE_FILE
    capture.unlink(missing_ok=True)
    config.blueprint = subset
    config.env = {**config.env, CAPTURE_ENV: str(capture)}
    try:
        result = run(config)
    except RunError as exc:
        raise RecordError(str(exc)) from None
    if result.exit_code not in (0, 1):  # 1: some transaction failed, which record fixes
        raise RecordError(
            f"the run did not complete (exit {result.exit_code}); nothing was written. "
            f"See {reports}"
        )
    failed = {row.name for row in collect(reports, {}, 1, "").rows if row.status == "failed"}
    return read_capture(capture), failed, result.exit_code


def record(
    config: RunConfig,
    blueprint: Path,
    documented: list[DocumentedTransaction],
    chosen: list[str],
    volatile: Volatile,
    *,
    only_failing: bool = False,
) -> Recording:
    """Run `chosen` and write their real answers into `blueprint`."""
    text = read_source(blueprint, "blueprint")
    examples = located(text, documented)
    chosen_examples = [examples[name] for name in chosen]
    captured, failed, exit_code = run_chosen(config, blueprint, text, chosen_examples)
    lines = text.splitlines()
    outcomes: list[Outcome] = []
    edits: list[tuple[Example, list[str]]] = []
    for name in chosen:
        record_ = captured.get(name)
        if only_failing and name not in failed:
            outcomes.append(Outcome(name, False, ["passes: left as it is"]))
        elif record_ is None:
            outcomes.append(Outcome(name, False, ["not run: Dredd reported no response"]))
        elif "real" not in record_:
            outcomes.append(Outcome(name, False, [f"not run: {record_.get('not_run')}"]))
        else:
            example = examples[name]
            new, notes = rewrite_response(lines, example.response, record_["real"], volatile, name)
            old = lines[example.response.start : example.response.end]
            if new != old:
                edits.append((example, new))
            outcomes.append(Outcome(name, new != old, notes or ([] if new != old else ["same"])))
    # Bottom up, so earlier line numbers stay valid.
    for example, new in sorted(edits, key=lambda e: e[0].response.start, reverse=True):
        lines[example.response.start : example.response.end] = new
    if edits and read_source(blueprint, "blueprint") != text:
        raise RecordError(
            f"{blueprint.name} changed while its transactions ran; nothing was written: "
            "run record again"
        )
    if edits:
        blueprint.write_text("\n".join(lines) + ("\n" if text.endswith("\n") else ""), "utf-8")
    return Recording(outcomes, exit_code)


@dataclass
class DeclaredVolatility:
    """The hook files' volatile table, as `example_writer` asks it (the first rule wins,
    as in the comparison)."""

    table: Volatility

    def body_matcher(self, transaction: str, path: JsonPath) -> Matcher | None:
        return next((v.matcher for v in self.table.values if v.pattern.matches(path)), None)

    def header_matcher(self, transaction: str, header: str, cookie: str | None) -> Matcher | None:
        for rule in self.table.headers:
            if rule.header == header.lower() and rule.cookie == cookie:
                return rule.matcher
        return None


def volatile_table(project: Project) -> DeclaredVolatility:
    """What the project's hook files declare volatile (loading them raises HookFileError)."""
    return DeclaredVolatility(volatility(project.load_hooks()))
