"""Negative transactions derived from a policy: the API's rules stated once (issue #11).

The policy lives in the project's ``pyproject.toml``, one table per rule::

    [[tool.flask-dredd.policy]]
    rule = "no credentials"                  # the name's suffix: `… [derived: no credentials]`
    requests_with = ["Authorization", "Cookie"]   # optional: covers documented 2xx requests
                                             # with any of these headers (none: every one)
    methods = ["POST", "PATCH", "PUT", "DELETE"]  # optional: only these methods
    under = ["/events", "/tracks"]           # optional: only URI templates under these
    not_under = ["/auth/"]                   # optional: never these
    drop = ["Authorization", "Cookie", "X-CSRFToken"]   # the derived request lacks these
    answer = "Events > Events > Create an Event > Example 2"   # the documented refusal
    [tool.flask-dredd.policy.exempt]
    "Users > Users > Create a User > Example 1" = "sign-up needs no account"

A rule transforms the covered request in one or more of these ways (at least one):

- ``drop = [headers]``: the derived request goes without these headers (no credentials,
  no session, no CSRF token);
- ``caller = "another user"``: the same fixtures, sent by someone else. The engine cannot
  know how the API's users sign in, so the hook files name the stand-in for each caller
  their recipes use: ``stand_in("another user", {OWNER: SOMEONE, OWNER_BROWSER:
  SOMEONE_BROWSER})`` (`flask_dredd.fixtures`). The derived transaction runs its
  source's ``before`` hooks with each ``given(..., caller=X)`` recipe's caller replaced by
  X's stand-in. The same mechanism sends another session's CSRF token: a stand-in
  caller that signs in as the same user with a token of a session of its own;
- ``unknown_id = ["id"]``: these URI parameters take ``unknown_value`` (default
  ``987654321``), a value no fixture has (ids restart at 1 on every reset);
- ``unknown_query = "colour"``: the request gains this query parameter (``=unknown_value``),
  one the route does not accept.

``answer`` is one documented transaction (it answers every covered source), or a list of
them: each source is answered as the one documented on the closest route (the longest
shared path; it must share the first segment), so a 404 of tracks answers the track
routes and a 404 of events the event routes. When the rule replaces a URI parameter,
the answer's own value of that parameter in its body's strings becomes the unknown one
(`Event 1 was not found.` → `Event 987654321 was not found.`).
``inexact = {"$.error.message" = "why"}`` compares those body paths by shape only, with
the reason, where the answer names something of its own route (the parameters a route
accepts).

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
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_dredd.actions import DocumentedTransaction
from flask_dredd.reorder import ACTION_HEADING, Action, parse, render_grouped

PYPROJECT = "pyproject.toml"
_DERIVED = re.compile(r"^(?P<source>.*) \[derived: (?P<rule>[^\]]+)\]$")
_KEYS = {"rule", "requests_with", "methods", "under", "not_under", "drop", "answer", "exempt",
         "caller", "unknown_id", "unknown_query", "unknown_value", "inexact"}  # fmt: skip
_TRANSFORMS = ("drop", "caller", "unknown_id", "unknown_query")
#: A value no fixture has: the database restarts its ids at 1 on every reset.
UNKNOWN_VALUE = "987654321"


class PolicyError(ValueError):
    """The policy cannot be read or used; the message names the rule and the fix."""


@dataclass(frozen=True)
class Rule:
    name: str
    requests_with: tuple[str, ...]
    drop: tuple[str, ...]
    answer: str | tuple[str, ...]  # one documented answer, or one per resource
    methods: tuple[str, ...] = ()
    under: tuple[str, ...] = ()
    not_under: tuple[str, ...] = ()
    exempt: dict[str, str] = field(default_factory=dict)
    caller: str = ""  # the stand-in's role: "another user"
    unknown_id: tuple[str, ...] = ()  # URI parameters given a value no fixture has
    unknown_query: str = ""  # a query parameter the routes do not accept
    unknown_value: str = UNKNOWN_VALUE
    inexact: dict[str, str] = field(default_factory=dict)  # body path -> why

    @property
    def answers(self) -> tuple[str, ...]:
        return (self.answer,) if isinstance(self.answer, str) else tuple(self.answer)

    def covers(self, t: DocumentedTransaction) -> bool:
        path = t.uri_template
        return (
            200 <= t.status < 300
            and (not self.requests_with or _has_any(t.request_headers, self.requests_with))
            and (not self.methods or t.method in self.methods)
            and (not self.under or any(path.startswith(p) for p in self.under))
            and not any(path.startswith(p) for p in self.not_under)
            and all(f"{{{name}}}" in _path(path) for name in self.unknown_id)
        )

    def answer_for(
        self, t: DocumentedTransaction, by_name: dict[str, DocumentedTransaction]
    ) -> DocumentedTransaction | None:
        """The one answer; of several, the one documented on the closest route (sharing at
        least the first segment)."""
        if isinstance(self.answer, str):
            return by_name.get(self.answer)
        best, shared = None, 0
        for name in self.answers:
            answer = by_name.get(name)
            if answer is None:
                continue
            length = _shared_segments(_path(t.uri_template), _path(answer.uri_template))
            if length > shared:
                best, shared = answer, length
        return best

    def uri(self, t: DocumentedTransaction) -> str:
        """The source's example URI, transformed as the rule says."""
        uri = t.uri
        if self.unknown_id:
            values = path_values(t.uri_template, uri)
            path, _, query = uri.partition("?")
            parts = path.split("/")
            template = _path(t.uri_template).split("/")
            for index, part in enumerate(template):
                if index < len(parts) and part.strip("{}") in self.unknown_id and values:
                    parts[index] = self.unknown_value
            uri = "/".join(parts) + (f"?{query}" if query else "")
        if self.unknown_query:
            uri += ("&" if "?" in uri else "?") + f"{self.unknown_query}={self.unknown_value}"
        return uri


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


def rule_named(rules: Sequence[Rule], name: str) -> Rule | None:
    return next((rule for rule in rules if rule.name == name), None)


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
                    f"{where} covers {t.name!r} ({t.method} {_path(t.uri_template)}) but none "
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


def path_values(template: str, uri: str) -> dict[str, str]:
    """The URI parameters' values in `uri`'s path: `/events/{id}`, `/events/7` → id 7."""
    names = _path(template).split("/")
    parts = uri.partition("?")[0].split("/")
    if len(names) != len(parts):
        return {}
    return {n[1:-1]: v for n, v in zip(names, parts, strict=True) if n.startswith("{")}


def _documented(t: DocumentedTransaction, rule: Rule, answer: DocumentedTransaction,
                documented: Sequence[DocumentedTransaction]) -> bool:  # fmt: skip
    """Whether the documentation has the rule's answer for `t`'s route already."""

    def same_route(o: DocumentedTransaction) -> bool:
        if rule.unknown_query:  # another example of the route, with a parameter of its own
            return _path(o.uri_template) == _path(t.uri_template)
        return o.uri_template == t.uri_template

    # A caller rule's refusal is documented only by a request of the same kind: one that
    # carries each selecting header the source carries (a CSRF token, a session cookie),
    # not one refused for lacking it.
    kind = {n.lower() for n, _ in t.request_headers if rule.caller and rule.requests_with
            and _has_any([(n, "")], rule.requests_with)}  # fmt: skip

    def same_kind(o: DocumentedTransaction) -> bool:
        return kind <= {n.lower() for n, _ in o.request_headers}

    return any(
        o.method == t.method and same_route(o) and o.status == answer.status
        and o.body.strip() == answer.body.strip() and not _has_any(o.request_headers, rule.drop)
        and same_kind(o)
        for o in documented
    )  # fmt: skip


def _has_any(headers: Sequence[tuple[str, str]], names: Sequence[str]) -> bool:
    wanted = {n.lower() for n in names}
    return any(n.lower() in wanted for n, _ in headers)


def _path(template: str) -> str:
    """The path part of a URI template: `/events/{id}{?page}` → `/events/{id}`."""
    return template.split("{?")[0].split("?")[0]


def _shared_segments(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a.strip("/").split("/"), b.strip("/").split("/"), strict=False):
        if x != y:
            break
        count += 1
    return count


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


def _strings(table: dict[str, Any], key: str, name: str, path: Path) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise PolicyError(f"{path}: policy rule {name!r}: {key} is a list of strings")
    return tuple(str(v) for v in value)


def _mapping(table: dict[str, Any], key: str, name: str, path: Path) -> dict[str, str]:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise PolicyError(f"{path}: policy rule {name!r}: {key} maps names to reasons")
    return {str(k): str(v) for k, v in value.items()}


def _rule(table: Any, path: Path) -> Rule:
    if not isinstance(table, dict) or not isinstance(table.get("rule"), str):
        raise PolicyError(f'{path}: each [[tool.flask-dredd.policy]] needs rule = "a name"')
    name = table["rule"]
    unknown = set(table) - _KEYS
    if unknown:
        raise PolicyError(f"{path}: policy rule {name!r} has unknown keys {sorted(unknown)} "
                          f"(known: {', '.join(sorted(_KEYS))})")  # fmt: skip
    if not table.get("answer"):
        raise PolicyError(f"{path}: policy rule {name!r} needs answer = …")
    if not any(table.get(key) for key in _TRANSFORMS):
        raise PolicyError(f"{path}: policy rule {name!r} needs what it changes: "
                          f"{' = …, '.join(_TRANSFORMS)} = …")  # fmt: skip
    answer = table["answer"]
    answers = answer if isinstance(answer, str) else _strings(table, "answer", name, path)
    return Rule(
        name, _strings(table, "requests_with", name, path), _strings(table, "drop", name, path),
        answers, _strings(table, "methods", name, path), _strings(table, "under", name, path),
        _strings(table, "not_under", name, path), _mapping(table, "exempt", name, path),
        caller=str(table.get("caller", "")),
        unknown_id=_strings(table, "unknown_id", name, path),
        unknown_query=str(table.get("unknown_query", "")),
        unknown_value=str(table.get("unknown_value", UNKNOWN_VALUE)),
        inexact=_mapping(table, "inexact", name, path),
    )  # fmt: skip


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
