"""Negative transactions derived from a policy: the API's rules stated once (issue #11).

The policy lives in the project's ``pyproject.toml``, one table per rule::

    [[tool.flask-dredd.policy]]
    rule = "no credentials"                  # the name's suffix: `… [derived: no credentials]`
    requests_with = ["Authorization", "Cookie"]   # covers documented 2xx requests with any
    methods = ["POST", "PATCH", "PUT", "DELETE"]  # optional: only these methods
    under = ["/events", "/tracks"]           # optional: only URI templates under these
    not_under = ["/auth/"]                   # optional: never these
    drop = ["Authorization", "Cookie", "X-CSRFToken"]   # the derived request lacks these
    answer = "Events > Events > Create an Event > Example 2"   # the documented refusal
    [tool.flask-dredd.policy.exempt]
    "Users > Users > Create a User > Example 1" = "sign-up needs no account"

For every documented 2xx transaction a rule covers, the engine derives one transaction:
the same request without the `drop` headers, answered as the `answer` transaction is
documented (status, headers and body). Its name is the source's with
`` [derived: <rule>]``; the run's effective copy of the blueprint holds it as an action
right after its source's, so Dredd runs and reports it like any other. In the handler,
the derived transaction gets its source's `before` hooks (the same fixtures, the same
caller), and then loses the dropped headers the caller set
(`flask_dredd.probes.derived`).

A rule skips a source the documentation already covers: another transaction of the
same method and URI template, documented with the answer's status and body and none of
the dropped headers. It exempts a transaction only with a reason. `policy_problems` names what the
policy gets wrong (an unknown answer or exemption, an exemption without a reason, a
rule that covers nothing), for `flask dredd check` and the run's preflight.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_dredd.contract.compiler import DocumentedTransaction
from flask_dredd.contract.reorder import ACTION_HEADING, Action, parse, render_grouped
from flask_dredd.errors import FlaskDreddError

PYPROJECT = "pyproject.toml"
_DERIVED = re.compile(r"^(?P<source>.*) \[derived: (?P<rule>[^\]]+)\]$")
_KEYS = {"rule", "requests_with", "methods", "under", "not_under", "drop", "answer", "exempt"}


class PolicyError(FlaskDreddError, ValueError):
    """The policy cannot be read or used; the message names the rule and the fix."""


@dataclass(frozen=True)
class Rule:
    name: str
    requests_with: tuple[str, ...]
    drop: tuple[str, ...]
    answer: str
    methods: tuple[str, ...] = ()
    under: tuple[str, ...] = ()
    not_under: tuple[str, ...] = ()
    exempt: dict[str, str] = field(default_factory=dict)

    def covers(self, t: DocumentedTransaction) -> bool:
        path = t.uri_template
        return (
            200 <= t.status < 300
            and _has_any(t.request_headers, self.requests_with)
            and (not self.methods or t.method in self.methods)
            and (not self.under or any(path.startswith(p) for p in self.under))
            and not any(path.startswith(p) for p in self.not_under)
        )


@dataclass(frozen=True)
class Derived:
    name: str  # "<source> [derived: <rule>]"
    source: DocumentedTransaction
    rule: Rule
    answer: DocumentedTransaction

    def action_text(self, group: str, resource: str) -> str:
        """The derived transaction as an action of the source's resource."""
        prefix = f"{group} > {resource} > "
        title = self.name.removeprefix(prefix)
        headers = [(n, v) for n, v in self.source.request_headers
                   if n.lower() not in {d.lower() for d in self.rule.drop}]  # fmt: skip
        lines = [f"### {title} [{self.source.method} {self.source.uri}]", "",
                 f"Derived from `{self.source.name}` by the policy rule "
                 f"\"{self.rule.name}\"; answered as `{self.answer.name}`.", "",
                 "+ Request", ""]  # fmt: skip
        lines += _section("Headers", [f"{n}: {v}" for n, v in headers])
        lines += _section("Body", self.source.request_body.splitlines())
        media = next((v for n, v in self.answer.headers if n.lower() == "content-type"), None)
        lines += [f"+ Response {self.answer.status}" + (f" ({media})" if media else ""), ""]
        lines += _section("Headers", [f"{n}: {v}" for n, v in self.answer.headers
                                      if n.lower() != "content-type"])  # fmt: skip
        lines += _section("Body", self.answer.body.splitlines())
        return "\n".join(lines) + "\n"


def load_policy(root: Path) -> list[Rule]:
    """The rules of ``root/pyproject.toml`` (none when it has no policy)."""
    path = root / PYPROJECT
    if not path.is_file():
        return []
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"cannot read the policy in {path}: {exc}") from None
    tables = settings.get("tool", {}).get("flask-dredd", {}).get("policy", [])
    if not isinstance(tables, list):
        raise PolicyError(f"{path}: write each rule as [[tool.flask-dredd.policy]]")
    return [_rule(table, path) for table in tables]


def derive(rules: Sequence[Rule], documented: Sequence[DocumentedTransaction]) -> list[Derived]:
    """One derived transaction per covered, not exempt, not yet documented transaction."""
    by_name = {t.name: t for t in documented}
    found = []
    for rule in rules:
        answer = by_name.get(rule.answer)
        if answer is None:
            continue  # a policy problem, reported by policy_problems
        for t in documented:
            skip = t.name in rule.exempt or not rule.covers(t)
            if skip or _documented(t, rule, answer, documented):
                continue
            found.append(Derived(f"{t.name} [derived: {rule.name}]", t, rule, answer))
    return found


def policy_problems(
    rules: Sequence[Rule], documented: Sequence[DocumentedTransaction]
) -> list[str]:
    names = {t.name for t in documented}
    problems = []
    for rule in rules:
        where = f"policy rule {rule.name!r}"
        if rule.answer not in names:
            problems.append(f"{where}: its answer {rule.answer!r} is not a documented transaction")
        for name, reason in rule.exempt.items():
            if name not in names:
                problems.append(f"{where}: exempts {name!r}, which is not documented")
            if not str(reason).strip():
                problems.append(f"{where}: exempts {name!r} without a reason: say why")
        if rule.answer in names and not any(rule.covers(t) for t in documented):
            problems.append(f"{where}: covers no documented transaction (check requests_with, "
                            "methods, under)")  # fmt: skip
    return problems


def with_derived(text: str, derived: Sequence[Derived]) -> str:
    """The blueprint's text with each derived action right after its source's action."""
    if not derived:
        return text
    blueprint = parse(text)
    placed: list[Action] = []
    left = list(derived)
    for action in blueprint.actions:
        placed.append(action)
        group, resource, name = _heading_names(action)
        key = f"{group} > {resource} > {name}"
        mine = [d for d in left if d.source.name == key or d.source.name.startswith(key + " > ")]
        for item in mine:
            placed.append(Action(action.group, action.resource, item.action_text(group, resource)))
            left.remove(item)
    if left:
        raise PolicyError(f"cannot place the derived transaction {left[0].name!r}: no action "
                          f"named {left[0].source.name!r} in the blueprint's text")  # fmt: skip
    return render_grouped(blueprint.preamble, placed, blueprint.data_structures)


def split_name(name: str) -> tuple[str, str] | None:
    """(source name, rule) of a derived transaction's name; None for a documented one."""
    found = _DERIVED.match(name)
    return None if found is None else (found.group("source"), found.group("rule"))


def _documented(t: DocumentedTransaction, rule: Rule, answer: DocumentedTransaction,
                documented: Sequence[DocumentedTransaction]) -> bool:  # fmt: skip
    """Whether the documentation has the rule's answer for `t`'s route already."""
    return any(
        o.method == t.method and o.uri_template == t.uri_template and o.status == answer.status
        and o.body.strip() == answer.body.strip() and not _has_any(o.request_headers, rule.drop)
        for o in documented
    )  # fmt: skip


def _has_any(headers: Sequence[tuple[str, str]], names: Sequence[str]) -> bool:
    wanted = {n.lower() for n in names}
    return any(n.lower() in wanted for n, _ in headers)


def _rule(table: Any, path: Path) -> Rule:
    if not isinstance(table, dict) or not isinstance(table.get("rule"), str):
        raise PolicyError(f'{path}: each [[tool.flask-dredd.policy]] needs rule = "a name"')
    name = table["rule"]
    unknown = set(table) - _KEYS
    if unknown:
        raise PolicyError(f"{path}: policy rule {name!r} has unknown keys {sorted(unknown)} "
                          f"(known: {', '.join(sorted(_KEYS))})")  # fmt: skip
    for key in ("requests_with", "drop", "answer"):
        if not table.get(key):
            raise PolicyError(f"{path}: policy rule {name!r} needs {key} = …")
    exempt = table.get("exempt", {})
    if not isinstance(exempt, dict):
        raise PolicyError(f"{path}: policy rule {name!r}: exempt maps names to reasons")
    lists = {k: tuple(str(v) for v in table.get(k, ())) for k in
             ("requests_with", "drop", "methods", "under", "not_under")}  # fmt: skip
    return Rule(name, lists["requests_with"], lists["drop"], str(table["answer"]),
                lists["methods"], lists["under"], lists["not_under"],
                {str(k): str(v) for k, v in exempt.items()})  # fmt: skip


def _section(keyword: str, content: list[str]) -> list[str]:
    if not content:
        return []
    return [f"    + {keyword}", "", *(f"            {line}" for line in content), ""]


def _heading_names(action: Action) -> tuple[str, str, str]:
    group = action.group.splitlines()[0].removeprefix("# Group").strip() if action.group else ""
    heading = next((line for line in action.resource.splitlines() if line.startswith("## ")), "")
    resource = heading[3:].split("[")[0].strip()
    first = action.body.splitlines()[0]
    name = first[4:].rsplit("[", 1)[0].strip() if ACTION_HEADING.match(first) else ""
    return group, resource, name
