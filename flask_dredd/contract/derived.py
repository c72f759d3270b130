"""Negative transactions derived from the policy (`flask_dredd.contract.policy`, issue #11).

For every documented 2xx transaction a rule covers, the engine derives one transaction:
the transformed request, answered as its `answer` is documented (status, headers and
body). Its name is the source's with `` [derived: <rule>]``; the run's effective copy of
the blueprint holds it as an action right after its source's, so Dredd runs and reports
it like any other. In the handler, the derived transaction gets its source's `before`
hooks (the same fixtures, the same caller or its stand-in), and then loses the dropped
headers the caller set (`flask_dredd.probes.derived`, which reads this policy from the
handler's working directory, the project's root).

A rule skips a source the documentation already covers: another transaction of the
same method and URI template (the same path, for ``unknown_query``), documented with the
answer's status and body and none of the dropped headers (for a ``caller`` rule, with
each of the source's `requests_with` headers: a tokenless refusal does not document
another session's token). It exempts a transaction only
with a reason. `policy_problems` names what the policy gets wrong (an unknown answer or
exemption, an exemption without a reason, a rule that covers nothing, a covered route
with no answer of its own resource), for `flask dredd check` and the run's preflight;
`flask_dredd.authoring.derived_listing` adds what needs the hook files (a caller rule on
a source whose caller has no stand-in).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_dredd.contract.compiler import DocumentedTransaction
from flask_dredd.contract.policy import (
    PolicyError,
    Rule,
    has_any,
    path_part,
    path_values,
)
from flask_dredd.contract.reorder import ACTION_HEADING, Action, parse, render_grouped

_DERIVED = re.compile(r"^(?P<source>.*) \[derived: (?P<rule>[^\]]+)\]$")






@dataclass(frozen=True)
class Derived:
    name: str  # "<source> [derived: <rule>]"
    source: DocumentedTransaction
    rule: Rule
    answer: DocumentedTransaction

    def body(self) -> str:
        """The answer's body, its own values of the replaced URI parameters made unknown."""
        body = self.answer.body
        if not self.rule.unknown_id:
            return body
        values = path_values(self.answer.uri_template, self.answer.uri)
        try:
            data = json.loads(body)
        except ValueError:
            return body
        swaps = {values[n]: self.rule.unknown_value for n in self.rule.unknown_id if n in values}
        return json.dumps(_swapped(data, swaps), indent=4, ensure_ascii=False)

    def action_text(self, group: str, resource: str) -> str:
        """The derived transaction as an action of the source's resource."""
        prefix = f"{group} > {resource} > "
        title = self.name.removeprefix(prefix)
        headers = [(n, v) for n, v in self.source.request_headers
                   if n.lower() not in {d.lower() for d in self.rule.drop}]  # fmt: skip
        lines = [f"### {title} [{self.source.method} {self.rule.uri(self.source)}]", "",
                 f"Derived from `{self.source.name}` by the policy rule "
                 f"\"{self.rule.name}\"; answered as `{self.answer.name}`.", "",
                 "+ Request", ""]  # fmt: skip
        lines += _section("Headers", [f"{n}: {v}" for n, v in headers])
        lines += _section("Body", self.source.request_body.splitlines())
        media = next((v for n, v in self.answer.headers if n.lower() == "content-type"), None)
        lines += [f"+ Response {self.answer.status}" + (f" ({media})" if media else ""), ""]
        lines += _section("Headers", [f"{n}: {v}" for n, v in self.answer.headers
                                      if n.lower() != "content-type"])  # fmt: skip
        lines += _section("Body", self.body().splitlines())
        return "\n".join(lines) + "\n"






def derive(rules: Sequence[Rule], documented: Sequence[DocumentedTransaction]) -> list[Derived]:
    """One derived transaction per covered, not exempt, not yet documented transaction."""
    by_name = {t.name: t for t in documented}
    found = []
    for rule in rules:
        for t in documented:
            if t.name in rule.exempt or not rule.covers(t):
                continue
            answer = rule.answer_for(t, by_name)
            if answer is None or _documented(t, rule, answer, documented):
                continue  # no answer: a policy problem, reported by policy_problems
            found.append(Derived(f"{t.name} [derived: {rule.name}]", t, rule, answer))
    return found


def policy_problems(
    rules: Sequence[Rule], documented: Sequence[DocumentedTransaction]
) -> list[str]:
    by_name = {t.name: t for t in documented}
    problems = []
    for rule in rules:
        where = f"policy rule {rule.name!r}"
        known = [name for name in rule.answers if name in by_name]
        for name in rule.answers:
            if name not in by_name:
                problems.append(f"{where}: its answer {name!r} is not a documented transaction")
        for name, reason in rule.exempt.items():
            if name not in by_name:
                problems.append(f"{where}: exempts {name!r}, which is not documented")
            if not str(reason).strip():
                problems.append(f"{where}: exempts {name!r} without a reason: say why")
        for path, reason in rule.inexact.items():
            if not str(reason).strip():
                problems.append(f"{where}: inexact {path!r} without a reason: say why")
        if not known:
            continue
        covered = [t for t in documented if rule.covers(t)]
        if not covered:
            problems.append(f"{where}: covers no documented transaction (check requests_with, "
                            "methods, under)")  # fmt: skip
        for t in covered:
            if t.name not in rule.exempt and rule.answer_for(t, by_name) is None:
                problems.append(
                    f"{where} covers {t.name!r} ({t.method} {path_part(t.uri_template)}) but none "
                    f"of its answers is documented on that resource: document the answer "
                    f"there and add it to the rule's answer list, or exempt {t.name!r} with "
                    "a reason"
                )
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

    def same_route(o: DocumentedTransaction) -> bool:
        if rule.unknown_query:  # another example of the route, with a parameter of its own
            return path_part(o.uri_template) == path_part(t.uri_template)
        return o.uri_template == t.uri_template

    # A caller rule's refusal is documented only by a request of the same kind: one that
    # carries each selecting header the source carries (a CSRF token, a session cookie),
    # not one refused for lacking it.
    kind = {n.lower() for n, _ in t.request_headers if rule.caller and rule.requests_with
            and has_any([(n, "")], rule.requests_with)}  # fmt: skip

    def same_kind(o: DocumentedTransaction) -> bool:
        return kind <= {n.lower() for n, _ in o.request_headers}

    return any(
        o.method == t.method and same_route(o) and o.status == answer.status
        and o.body.strip() == answer.body.strip() and not has_any(o.request_headers, rule.drop)
        and same_kind(o)
        for o in documented
    )  # fmt: skip








def _swapped(value: Any, swaps: dict[str, str]) -> Any:
    if isinstance(value, str):
        for old, new in swaps.items():
            value = re.sub(rf"\b{re.escape(old)}\b", new, value)
        return value
    if isinstance(value, list):
        return [_swapped(v, swaps) for v in value]
    if isinstance(value, dict):
        return {k: _swapped(v, swaps) for k, v in value.items()}
    return value








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
