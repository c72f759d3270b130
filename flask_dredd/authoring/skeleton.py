"""What `flask dredd init` derives from the app: a blueprint skeleton and factory stubs.

The blueprint has one action per route and method of ``app.url_map`` (static files,
HEAD and OPTIONS left out), grouped by the path's first segment after the scaffold
prefix, each with a TODO example; where a mapped model matches the group (``/notes`` →
``Note``), the response's MSON attributes are the model's columns, in a Data Structures
section. The factories module has one stub per mapped model, with a value for each
column a row cannot do without.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import Boolean, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapper

from flask_dredd.authoring.scaffold import after_prefix, singular
from flask_dredd.contract.routes import app_routes

_VARIABLE = re.compile(r"<(?:([a-zA-Z_][\w]*)(?:\([^)]*\))?:)?([a-zA-Z_]\w*)>")
_EXAMPLES = {"int": "1", "float": "1.5", "uuid": "00000000-0000-4000-8000-000000000001"}
TODO_BODY = '{"TODO": "the documented response: write it, or `flask dredd record NAME`"}'


@dataclass(frozen=True)
class Action:
    group: str
    resource: str
    template: str  # "/notes/{note_id}"
    parameters: tuple[tuple[str, str, str], ...]  # (name, example, type)
    method: str
    name: str  # the action's title

    @property
    def transaction(self) -> str:
        return f"{self.group} > {self.resource} > {self.name}"


def mapped_models() -> list[Mapper[Any]]:
    """Every mapped class the app's import brought in (any declarative registry)."""
    from sqlalchemy.orm import mapperlib

    registries = getattr(mapperlib, "_mapper_registries", {})
    mappers = [mapper for registry in list(registries) for mapper in registry.mappers]
    return sorted(mappers, key=lambda mapper: mapper.class_.__name__)


def actions(app: Flask, prefix: str = "") -> list[Action]:
    found: list[Action] = []
    taken: set[str] = set()
    for route in app_routes(app):
        template, parameters = uri_template(route.rule)
        segments = after_prefix([p for p in route.rule.split("/") if p and "<" not in p], prefix)
        group = title(segments[0] if segments else "Root")
        resource = title(" ".join(segments) or "Root") + (
            f" by {parameters[-1][0]}" if parameters else ""
        )
        name = title(route.endpoint.rsplit(".", 1)[-1])
        while f"{group} > {resource} > {name}" in taken:
            name = f"{name} ({route.method})"
        taken.add(f"{group} > {resource} > {name}")
        found.append(Action(group, resource, template, parameters, route.method, name))
    return found


def uri_template(rule: str) -> tuple[str, tuple[tuple[str, str, str], ...]]:
    """`/notes/<int:note_id>` → (`/notes/{note_id}`, ((note_id, 1, number),))."""
    parameters = []
    for converter, name in _VARIABLE.findall(rule):
        kind = "number" if converter in ("int", "float") else "string"
        parameters.append((name, _EXAMPLES.get(converter, "example"), kind))
    return _VARIABLE.sub(lambda m: "{" + m.group(2) + "}", rule), tuple(parameters)


def title(text: str) -> str:
    words = re.sub(r"[_\-\s]+", " ", text).strip()
    return words[:1].upper() + words[1:]


def model_for(group: str, models: list[Mapper[Any]]) -> Mapper[Any] | None:
    wanted = singular(group.lower().replace(" ", "_")).replace("_", "")
    for mapper in models:
        if mapper.class_.__name__.lower() == wanted:
            return mapper
    return None


def blueprint(app: Flask, prefix: str = "", models: list[Mapper[Any]] | None = None) -> str:
    """The API Blueprint skeleton: every route and method, each with a TODO example."""
    models = mapped_models() if models is None else models
    lines = ["FORMAT: 1A", "", f"# {title(app.name)} API", "",
             "Written by `flask dredd init`: replace each TODO with the documented example.",
             ""]  # fmt: skip
    used: dict[str, Mapper[Any]] = {}
    group = resource = None
    for action in actions(app, prefix):
        if action.group != group:
            group, resource = action.group, None
            lines += [f"# Group {group}", ""]
        if action.resource != resource:
            resource = action.resource
            lines += [f"## {resource} [{action.template}]", ""]
            if action.parameters:
                lines += ["+ Parameters", ""]
                lines += [f"    + {n}: `{example}` ({kind}, required)"
                          for n, example, kind in action.parameters]  # fmt: skip
                lines.append("")
        lines += [f"### {action.name} [{action.method}]", "",
                  "TODO: what this action does, and the example's data.", ""]  # fmt: skip
        if action.method in ("POST", "PUT", "PATCH"):
            lines += ["+ Request (application/json)", "", "        {}", ""]
        status = {"POST": 201, "DELETE": 204}.get(action.method, 200)
        if status == 204:
            lines += ["+ Response 204", ""]
            continue
        lines += [f"+ Response {status} (application/json)", ""]
        model = model_for(action.group, models)
        if model is not None and action.method != "DELETE":
            used[model.class_.__name__] = model
            shape = model.class_.__name__
            listed = not action.parameters and action.method == "GET"
            lines += [f"    + Attributes ({f'array[{shape}]' if listed else shape})", ""]
        else:
            lines += ["    + Body", "", f"            {TODO_BODY}", ""]
    if used:
        lines += ["# Data Structures", ""]
        for name, model in used.items():
            lines += [f"## {name} (object)", ""]
            lines += [f"+ {c.key}: {sample(c)} ({mson_type(c)}, required)" for c in model.columns]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def mson_type(column: Any) -> str:
    kind = column.type
    if isinstance(kind, Boolean):
        return "boolean"
    if isinstance(kind, Integer | Numeric):
        return "number"
    return "string"


def sample(column: Any) -> str:
    return {"boolean": "false", "number": "1"}.get(mson_type(column), f"`TODO {column.key}`")


def factories_module(models: list[Mapper[Any]]) -> str:
    """`factories/__init__.py`: one factory stub per model, on the engine's BaseFactory."""
    modules = sorted({mapper.class_.__module__ for mapper in models})
    lines = ['"""The fixtures\' factories: make each one create valid rows (written by',
             '`flask dredd init`; every reset restarts their sequences at 1)."""', "",
             "import factory", "", "from flask_dredd.factories import BaseFactory"]  # fmt: skip
    for module in modules:
        names = sorted(m.class_.__name__ for m in models if m.class_.__module__ == module)
        lines.append(f"from {module} import {', '.join(names)}")
    for mapper in models:
        name = mapper.class_.__name__
        lines += ["", "", f"class {name}Factory(BaseFactory):", "    class Meta:",
                  f"        model = {name}", ""]  # fmt: skip
        fields = [line for line in map(field_line, mapper.columns) if line]
        lines += fields or ["    pass  # TODO: values for the columns a row needs"]
    if not models:
        lines += ["", "# No mapped model was found: add a factory per model here."]
    text = "\n".join(lines) + "\n"
    return text if "factory." in text else text.replace("import factory\n\n", "", 1)


def field_line(column: Any) -> str | None:
    """A factory declaration for a column a row cannot do without, or None."""
    if column.primary_key or column.nullable or column.default is not None:
        return None
    if column.server_default is not None:
        return None
    if column.foreign_keys:
        target = next(iter(column.foreign_keys)).column.table.name
        return f"    {column.key} = None  # TODO: a row of {target}: factory.SubFactory(...)"
    if isinstance(column.type, Boolean):
        return f"    {column.key} = False"
    if isinstance(column.type, Integer | Numeric):
        return f"    {column.key} = factory.Sequence(lambda n: n)"
    if isinstance(column.type, String | Text):
        return f'    {column.key} = factory.Sequence(lambda n: f"{column.key}{{n}}")'
    return f"    {column.key} = None  # TODO: a {column.type} value"
