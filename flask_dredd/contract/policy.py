"""The policy: the API's rules stated once, as they are written and read (issue #11).

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

`flask_dredd.contract.derived` derives the negative transactions from these rules.
Standard library only: the hooks handler reads the policy too (`flask_dredd.probes.derived`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask_dredd.errors import FlaskDreddError
from flask_dredd.sources import read_source

if TYPE_CHECKING:
    from flask_dredd.contract.compiler import DocumentedTransaction

PYPROJECT = "pyproject.toml"
_KEYS = {"rule", "requests_with", "methods", "under", "not_under", "drop", "answer", "exempt",
         "caller", "unknown_id", "unknown_query", "unknown_value", "inexact"}  # fmt: skip
_TRANSFORMS = ("drop", "caller", "unknown_id", "unknown_query")
#: A value no fixture has: the database restarts its ids at 1 on every reset.
UNKNOWN_VALUE = "987654321"


class PolicyError(FlaskDreddError, ValueError):
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
            and (not self.requests_with or has_any(t.request_headers, self.requests_with))
            and (not self.methods or t.method in self.methods)
            and (not self.under or any(path.startswith(p) for p in self.under))
            and not any(path.startswith(p) for p in self.not_under)
            and all(f"{{{name}}}" in path_part(path) for name in self.unknown_id)
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
            length = _shared_segments(path_part(t.uri_template), path_part(answer.uri_template))
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
            template = path_part(t.uri_template).split("/")
            for index, part in enumerate(template):
                if index < len(parts) and part.strip("{}") in self.unknown_id and values:
                    parts[index] = self.unknown_value
            uri = "/".join(parts) + (f"?{query}" if query else "")
        if self.unknown_query:
            uri += ("&" if "?" in uri else "?") + f"{self.unknown_query}={self.unknown_value}"
        return uri


def load_policy(root: Path) -> list[Rule]:
    """The rules of ``root/pyproject.toml`` (none when it has no policy)."""
    path = root / PYPROJECT
    if not path.is_file():
        return []
    try:
        settings = tomllib.loads(read_source(path, "policy file"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"cannot read the policy in {path}: {exc}") from None
    tables = settings.get("tool", {}).get("flask-dredd", {}).get("policy", [])
    if not isinstance(tables, list):
        raise PolicyError(f"{path}: write each rule as [[tool.flask-dredd.policy]]")
    return [_rule(table, path) for table in tables]


def rule_named(rules: Sequence[Rule], name: str) -> Rule | None:
    return next((rule for rule in rules if rule.name == name), None)


def path_values(template: str, uri: str) -> dict[str, str]:
    """The URI parameters' values in `uri`'s path: `/events/{id}`, `/events/7` → id 7."""
    names = path_part(template).split("/")
    parts = uri.partition("?")[0].split("/")
    if len(names) != len(parts):
        return {}
    return {n[1:-1]: v for n, v in zip(names, parts, strict=True) if n.startswith("{")}


def has_any(headers: Sequence[tuple[str, str]], names: Sequence[str]) -> bool:
    wanted = {n.lower() for n in names}
    return any(n.lower() in wanted for n, _ in headers)


def path_part(template: str) -> str:
    """The path part of a URI template: `/events/{id}{?page}` → `/events/{id}`."""
    return template.split("{?")[0].split("?")[0]


def _shared_segments(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a.strip("/").split("/"), b.strip("/").split("/"), strict=False):
        if x != y:
            break
        count += 1
    return count


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
