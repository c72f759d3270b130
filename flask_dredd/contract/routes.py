"""Flask routes and documented URI templates, reduced to one comparable shape.

`/events/{id}{?page,per_page}` (API Blueprint) and `/events/<int:event_id>` (Flask) are
the same route: both become `/events/{}`. Variable names and converters differ between
the two worlds for good reasons, so only the position of each variable counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Flask

#: Methods Flask adds to every rule by itself; nobody documents them.
IMPLICIT_METHODS = frozenset({"HEAD", "OPTIONS"})

_QUERY_EXPRESSION = re.compile(r"\{[?&][^}]*\}")  # {?page,per_page}, {&q}
_TEMPLATE_VARIABLE = re.compile(r"\{[^}]*\}")  # {id}, {+path}, {id,name}
_FLASK_VARIABLE = re.compile(r"<[^>]*>")  # <int:event_id>, <name>


@dataclass(frozen=True)
class Route:
    method: str
    rule: str  # "/events/<int:event_id>"
    endpoint: str

    @property
    def shape(self) -> str:
        return rule_shape(self.rule)

    def __str__(self) -> str:
        return f"{self.method} {self.rule}"


def template_shape(template: str) -> str:
    """`/events/{id}{?page}` → `/events/{}`: the path with every variable made anonymous."""
    path = _QUERY_EXPRESSION.sub("", template).split("?", 1)[0].split("#", 1)[0]
    return _normalise(_TEMPLATE_VARIABLE.sub("{}", path))


def rule_shape(rule: str) -> str:
    """`/events/<int:event_id>` → `/events/{}`."""
    return _normalise(_FLASK_VARIABLE.sub("{}", rule))


def _normalise(path: str) -> str:
    # Flask redirects `/events` to `/events/` (and back) by itself: one route either way.
    return path.rstrip("/") or "/"


def app_routes(app: Flask) -> list[Route]:
    """Every method + rule the app serves, static files and implicit methods left out."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        for method in sorted((rule.methods or set()) - IMPLICIT_METHODS):
            found.append(Route(method, rule.rule, rule.endpoint))
    return sorted(found, key=lambda route: (route.rule, route.method))
