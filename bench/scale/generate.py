"""Generate the scale contract: a synthetic Flask app, its .apib, hooks and factories.

`python bench/scale/generate.py DIR [--tables 100] [--transactions 370]` writes a
project into DIR the size of the Open Event Server's contract (about 370 transactions
over about 100 tables), built only on flask-dredd's public API:

- `scaleapp/`: Flask + Flask-SQLAlchemy, one model per table (`t001` … `t100`), each
  with a foreign key to the table before it in a binary tree (`t007.parent_id →
  t003.id`), so a fixture's rows hang off a chain of at most log2(tables) parents;
  for each table `GET /tNNN` (list), `POST /tNNN` (201, or 422 without a name),
  `GET /tNNN/{id}` (200, or 404), `DELETE /tNNN/{id}` (204);
- `apiary.apib`: one group per table; the transactions are dealt out table by table,
  each table getting the next of get, list, create, delete, get 404, create 422 in
  turn until the total is reached (so every action keeps its examples together);
- `factories.py`: one `flask_dredd.factories.BaseFactory` per table, parents by
  `SubFactory`; `hooks/setup.py`: `flask_dredd.install()`; `hooks/fixtures.py`:
  `flask_dredd.fixtures.bind`/`given` and `no_fixtures` for every transaction;
- `dredd.yml`, and `node_modules` linked to this repository's (the pinned Dredd).

Every example is exact (ids from 1 after each reset, fixed names), so the contract
passes in full with exact comparison on.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("get", "list", "create", "delete", "get404", "create422")


def parent_of(table: int) -> int | None:
    return table // 2 if table > 1 else None


def tname(table: int) -> str:
    return f"t{table:03d}"


@dataclass
class Table:
    number: int
    kinds: list[str]  # which transactions this table's actions get

    @property
    def name(self) -> str:
        return tname(self.number)

    @property
    def model(self) -> str:
        return self.name.upper()


def deal(tables: int, transactions: int) -> list[Table]:
    """Each table's transactions: dealt round by round (get first), up to the total."""
    if transactions > tables * len(KINDS):
        raise SystemExit(f"at most {len(KINDS)} transactions per table: raise --tables")
    dealt = [Table(n, []) for n in range(1, tables + 1)]
    left = transactions
    for kind in KINDS:
        for table in dealt:
            if left == 0:
                return [t for t in dealt if t.kinds]
            table.kinds.append(kind)
            left -= 1
    return [t for t in dealt if t.kinds]


def row(table: int) -> dict[str, object]:
    """The row a fixture makes, as the API shows it: its parents are made first, id 1."""
    return {"id": 1, "name": f"{tname(table)} row", "parent_id": 1 if parent_of(table) else None}


def app_module(tables: int) -> str:
    models = []
    for n in range(1, tables + 1):
        parent = parent_of(n)
        column = f'ForeignKey("{tname(parent)}.id")' if parent else "nullable=True"
        fk = f"    parent_id: Mapped[int | None] = mapped_column({column})\n"
        models.append(
            f"class {tname(n).upper()}(db.Model):\n"
            f'    __tablename__ = "{tname(n)}"\n'
            "    id: Mapped[int] = mapped_column(primary_key=True)\n"
            "    name: Mapped[str] = mapped_column(String(80))\n" + fk
        )
    return f'''"""A synthetic API of {tables} tables for flask-dredd's scale bench (generated)."""

import os

from flask import Flask, abort, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

db = SQLAlchemy()


{chr(10).join(f"{m}{chr(10)}" for m in models)}
MODELS = {{m.__tablename__: m for m in db.Model.__subclasses__()}}


def shown(item):
    return {{"id": item.id, "name": item.name, "parent_id": item.parent_id}}


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    db.init_app(app)

    def model_of(table):
        if table not in MODELS:
            abort(404)
        return MODELS[table]

    @app.get("/<table>")
    def list_rows(table):
        rows = db.session.scalars(db.select(model_of(table)).order_by("id")).all()
        return jsonify({{"items": [shown(r) for r in rows]}})

    @app.post("/<table>")
    def create_row(table):
        body = request.get_json(silent=True) or {{}}
        if not body.get("name"):
            return jsonify({{"error": "name_required"}}), 422
        item = model_of(table)(name=body["name"])
        db.session.add(item)
        db.session.commit()
        return jsonify(shown(item)), 201

    @app.get("/<table>/<int:item_id>")
    def get_row(table, item_id):
        item = db.session.get(model_of(table), item_id)
        if item is None:
            return jsonify({{"error": "not_found"}}), 404
        return jsonify(shown(item))

    @app.delete("/<table>/<int:item_id>")
    def delete_row(table, item_id):
        item = db.session.get(model_of(table), item_id)
        if item is None:
            return jsonify({{"error": "not_found"}}), 404
        db.session.delete(item)
        db.session.commit()
        return "", 204

    return app
'''


def _json(value: object) -> str:
    return "        " + json.dumps(value)


def blueprint(dealt: list[Table]) -> tuple[str, dict[str, list[str]], list[str]]:
    """The .apib, the names each table's fixture serves, and those needing none."""
    out = ["FORMAT: 1A", "", "# Scale", "", "A synthetic contract for the scale bench.", ""]
    fixtures: dict[str, list[str]] = {}
    none: list[str] = []
    for table in dealt:
        t, kinds = table.name, set(table.kinds)
        group = f"Table {t}"
        out += [f"# Group {group}", "", f"## {t} collection [/{t}]", ""]
        needs = fixtures.setdefault(t, [])
        if "list" in kinds:
            out += [f"### List {t} [GET]", "", "+ Response 200 (application/json)", "",
                    _json({"items": [row(table.number)]}), ""]  # fmt: skip
            needs.append(f"{group} > {t} collection > List {t}")
        if "create" in kinds:
            two = "create422" in kinds
            action = f"{group} > {t} collection > Create a {t}"
            out += [f"### Create a {t} [POST]", "", "+ Request (application/json)", "",
                    _json({"name": "new"}), "", "+ Response 201 (application/json)", "",
                    _json({"id": 1, "name": "new", "parent_id": None}), ""]  # fmt: skip
            if two:
                out += ["+ Request No name (application/json)", "", _json({}), "",
                        "+ Response 422 (application/json)", "",
                        _json({"error": "name_required"}), ""]  # fmt: skip
            none += [f"{action} > Example 1", f"{action} > Example 2"] if two else [action]
        out += [f"## {t} [/{t}/{{id}}]", "", "+ Parameters", "    + id: 1 (number)", ""]
        if "get" in kinds:
            two = "get404" in kinds
            action = f"{group} > {t} > Get a {t}"
            out += [f"### Get a {t} [GET]", "", "+ Response 200 (application/json)", "",
                    _json(row(table.number)), ""]  # fmt: skip
            if two:
                out += ["+ Request Missing", "", "+ Response 404 (application/json)", "",
                        _json({"error": "not_found"}), ""]  # fmt: skip
                none.append(f"{action} > Example 2")
            needs.append(f"{action} > Example 1" if two else action)
        if "delete" in kinds:
            out += [f"### Delete a {t} [DELETE]", "", "+ Response 204", ""]
            needs.append(f"{group} > {t} > Delete a {t}")
    return "\n".join(out), fixtures, none


def factories_module(tables: int) -> str:
    parts = ['"""One factory per table (generated); parents by SubFactory."""', "",
             "import factory", "", "from flask_dredd.factories import BaseFactory",
             "from scaleapp import " + ", ".join(tname(n).upper() for n in range(1, tables + 1)),
             ""]  # fmt: skip
    for n in range(1, tables + 1):
        parent = parent_of(n)
        parts += [f"class {tname(n).upper()}Factory(BaseFactory):", "    class Meta:",
                  f"        model = {tname(n).upper()}", "",
                  f'    name = "{tname(n)} row"']  # fmt: skip
        if parent:
            parts.append(
                f"    parent_id = factory.LazyFunction(lambda: {tname(parent).upper()}Factory().id)"
            )
        parts += ["", ""]
    return "\n".join(parts)


def fixtures_module(fixtures: dict[str, list[str]], none: list[str]) -> str:
    tables = [t for t, names in fixtures.items() if names]
    lines = ['"""Which rows each transaction needs (generated)."""', "",
             "from flask_dredd.declarations import no_fixtures",
             "from flask_dredd.fixtures import bind, given", "",
             "import factories", "", "bind({"]  # fmt: skip
    for t in tables:
        lines.append(f"    given(factories.{t.upper()}Factory): {json.dumps(fixtures[t])},")
    lines += ["})", "", f"no_fixtures(*{json.dumps(none)})", ""]
    return "\n".join(lines)


def generate(target: Path, tables: int = 100, transactions: int = 370) -> Path:
    dealt = deal(tables, transactions)
    (target / "scaleapp").mkdir(parents=True, exist_ok=True)
    (target / "hooks").mkdir(exist_ok=True)
    (target / "scaleapp" / "__init__.py").write_text(app_module(tables))
    text, fixtures, none = blueprint(dealt)
    (target / "apiary.apib").write_text(text)
    (target / "factories.py").write_text(factories_module(tables))
    (target / "hooks" / "setup.py").write_text(
        '"""The engine\'s wiring."""\n\nfrom flask_dredd import install\n\n'
        'install(migrations="none")\n'
    )
    (target / "hooks" / "fixtures.py").write_text(fixtures_module(fixtures, none))
    (target / "dredd.yml").write_text(
        "blueprint: apiary.apib\nhookfiles: hooks/*.py\nhooks-worker-connect-timeout: 30000\n"
        "hooks-worker-connect-retry: 250\n"
    )
    link = target / "node_modules"
    if not link.exists():
        os.symlink(ROOT / "node_modules", link)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path)
    parser.add_argument("--tables", type=int, default=100)
    parser.add_argument("--transactions", type=int, default=370)
    args = parser.parse_args()
    generate(args.target, args.tables, args.transactions)
    print(f"generated {args.target}: {args.tables} tables, {args.transactions} transactions")


if __name__ == "__main__":
    main()
