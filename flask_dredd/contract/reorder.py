"""Copies of a blueprint with its actions in another order.

Isolation means a transaction passes whatever ran before it. Dredd always runs a
blueprint top to bottom, so to prove order does not matter we run reordered copies:
each action is moved together with the group and resource headings it sits under,
which keeps every transaction's name (`Group > Resource > Action > Example N`).
Examples inside one action keep their order, since their number is part of the name.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

_GROUP = re.compile(r"^# Group\s")
_RESOURCE = re.compile(r"^## .*\[/[^\]]*\]\s*$")
ACTION_HEADING = re.compile(r"^### .*\[[A-Z]+( [^\]]*)?\]\s*$")
DATA_STRUCTURES_HEADING = re.compile(r"^# Data Structures\s*$")


@dataclass(frozen=True)
class Action:
    group: str  # the `# Group …` line
    resource: str  # the resource heading and what precedes its first action
    body: str  # the `### …` heading and everything up to the next heading


@dataclass(frozen=True)
class Blueprint:
    preamble: str  # metadata, API name and overview
    actions: list[Action]
    data_structures: str

    def render(self, actions: list[Action] | None = None) -> str:
        parts = [self.preamble.rstrip() + "\n"]
        for action in self.actions if actions is None else actions:
            parts += [action.group.rstrip() + "\n", action.resource.rstrip() + "\n",
                      action.body.rstrip() + "\n"]  # fmt: skip
        parts.append(self.data_structures)
        return "\n".join(parts)


def parse(text: str) -> Blueprint:
    """Split a blueprint at its group, resource and action headings."""
    preamble: list[str] = []
    data_structures: list[str] = []
    found: list[tuple[str, list[str], list[str]]] = []  # (group, resource, action) lines
    group = ""
    resource: list[str] = []
    sink = preamble  # where the current line belongs
    for line in text.splitlines(keepends=True):
        if sink is not data_structures:
            if DATA_STRUCTURES_HEADING.match(line):
                sink = data_structures
            elif _GROUP.match(line):
                group, sink = line, []  # a group's own description is left out
            elif _RESOURCE.match(line):
                resource = sink = []
            elif ACTION_HEADING.match(line):
                sink = []
                found.append((group, resource, sink))
        sink.append(line)
    actions = [Action(g, "".join(r), "".join(a)) for g, r, a in found]
    return Blueprint("".join(preamble), actions, "".join(data_structures))


def reordered(text: str, order: str) -> str:
    """``order``: ``reverse`` or ``shuffle`` / ``shuffle:SEED``."""
    blueprint = parse(text)
    actions = list(blueprint.actions)
    if order == "reverse":
        actions.reverse()
    elif order.startswith("shuffle"):
        _, _, seed = order.partition(":")
        random.Random(int(seed) if seed else 0).shuffle(actions)
    else:
        raise ValueError(f"unknown order {order!r}: use 'reverse', 'shuffle' or 'shuffle:SEED'")
    return blueprint.render(actions)


def only_actions(text: str, keep: set[int]) -> str:
    """A copy of the blueprint with only the actions at positions ``keep`` (from 0).

    Names are kept, as for a reordered copy: `flask dredd record` runs such a copy
    instead of Dredd's --only, which still resets the database for every skipped one.
    Kept actions stay in their order, so a group or resource heading shared with the
    action before is not repeated (Dredd warns about a group defined twice).
    """
    blueprint = parse(text)
    kept = [a for i, a in enumerate(blueprint.actions) if i in keep]
    return render_grouped(blueprint.preamble, kept, blueprint.data_structures)


def render_grouped(preamble: str, actions: list[Action], data_structures: str) -> str:
    """The text of ``actions`` in this order, a group or resource heading written once for
    consecutive actions that share it (Dredd warns about a group defined twice)."""
    parts = [preamble.rstrip() + "\n"]
    group = resource = None
    for action in actions:
        if action.group != group:
            parts.append(action.group.rstrip() + "\n")
            group, resource = action.group, None
        if action.resource != resource:
            parts.append(action.resource.rstrip() + "\n")
            resource = action.resource
        parts.append(action.body.rstrip() + "\n")
    parts.append(data_structures)
    return "\n".join(parts)
