"""What `flask dredd names` and `flask dredd check` say about transactions derived from
the policy (`flask_dredd.contract.derived`).

`names` lists each derived transaction with its rule and source, and each exemption with
its reason. `check` fails on a policy problem (an unknown answer or exemption, an
exemption without a reason, a rule covering nothing), on a bad policy file, and on a
route a rule covers but cannot derive: its source transaction is skipped, or has
neither fixtures nor a `no_fixtures` declaration, so the derived one would not run on
the state the rule is about; or, for a rule with ``caller = "<role>"``, its fixtures have
no ``given(..., caller=...)`` recipe, or a caller with no stand-in for the role
(`flask_dredd.fixtures.stand_in`): the message names the `stand_in` to write. After a
run, `check` lists the notes of kind ``vacuous`` in the run's records (a filter that
removes nothing, a scoped list with no other owner, a follow-up not asked:
`flask_dredd.checks.vacuity`, `flask_dredd.checks.followups`); `check --strict` fails
on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from flask_dredd.authoring.check import Problem
from flask_dredd.authoring.inventory import Inventory
from flask_dredd.checks.finding import findings_of
from flask_dredd.contract.derived import Derived, derive, policy_problems
from flask_dredd.contract.policy import PolicyError, load_policy
from flask_dredd.fixtures import caller_name, caller_of, stand_ins
from flask_dredd.reporting.results import RECORD_FILE, read_records


def derived_lines(root: Path, inventory: Inventory) -> list[str]:
    """One line per derived transaction and per exemption; a policy error as one line."""
    documented = [entry.transaction for entry in inventory.entries]
    try:
        rules = load_policy(root)
    except PolicyError as exc:
        return [f"policy error: {exc}"]
    lines = [f"derived      {d.name}  (rule {d.rule.name!r}: {d.source.name}'s fixtures, "
             f"answered as {d.answer.name})" for d in derive(rules, documented)]  # fmt: skip
    lines += [f"exempt       {name}  (rule {rule.name!r}: {reason})"
              for rule in rules for name, reason in rule.exempt.items()]  # fmt: skip
    return lines


def derived_problems(root: Path, inventory: Inventory) -> tuple[list[Problem], int]:
    """The policy's problems, and how many transactions it derives."""
    documented = [entry.transaction for entry in inventory.entries]
    try:
        rules = load_policy(root)
    except PolicyError as exc:
        return [Problem("policy", str(exc))], 0
    problems = [Problem("policy", message) for message in policy_problems(rules, documented)]
    derived = derive(rules, documented)
    for item in derived:
        entry = inventory.entry(item.source.name)
        state = entry.state if entry is not None else "missing"
        if state in ("skipped", "missing"):
            problems.append(Problem(
                "policy",
                f"rule {item.rule.name!r} covers {item.source.name!r} but cannot derive from "
                f"it: the source is {state}, so {item.name!r} would not run on its fixtures. "
                "Give the source fixtures, or exempt it from the rule with a reason",
            ))  # fmt: skip
        elif item.rule.caller and entry is not None:
            recipes = [hook.func for hook in entry.fixtures]
            problems += _stand_in_problems(item, recipes, inventory.registry)
    return problems, len(derived)


def _stand_in_problems(item: Derived, recipes: Sequence[object], registry: object) -> list[Problem]:
    """What keeps the engine from sending `item`'s source as the rule's other caller."""
    role, rule = item.rule.caller, item.rule.name
    callers = [c for c in (caller_of(recipe) for recipe in recipes) if c is not None]
    if not callers:
        return [Problem("policy", (
            f"rule {rule!r} covers {item.source.name!r} but cannot derive from it: its "
            f"fixtures have no given(..., caller=...) recipe, so the engine cannot send it "
            f"as {role!r}. Bind it with given(..., caller=...), or exempt it from the rule "
            "with a reason"))]  # fmt: skip
    table = stand_ins(role, registry)
    return [Problem("policy", (
        f"rule {rule!r} covers {item.source.name!r} but cannot derive from it: no stand-in "
        f"for {role!r} is declared for its caller {caller_name(c)!r}. Write "
        f"stand_in({role!r}, {{{caller_name(c).upper()}: <who calls instead>}}) in a hook "
        "file (flask_dredd.fixtures), or exempt it from the rule with a reason"))
        for c in dict.fromkeys(callers) if c not in table]  # fmt: skip


def vacuity_lines(reports: Path) -> list[str]:
    """`<name>: filter x removes nothing here: …` for each vacuous note of the last run in
    `reports` (its records; a line cut short by a stopped run is left out)."""
    lines = [
        f"{record.get('name')}: {finding.message}"
        for record in read_records(reports / RECORD_FILE)
        for finding in findings_of(record)
        if finding.kind == "vacuous"
    ]
    return list(dict.fromkeys(lines))
