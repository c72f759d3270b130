"""`flask dredd init`: what an existing Flask project needs to run its contract.

Each file is written only where it does not exist yet (``--force`` replaces it); a file
the project already has is listed as kept. The settings go under ``[tool.flask-dredd]``
of pyproject.toml (appended to an existing pyproject.toml, or replaced with ``--force``);
``.gitignore`` gains only the lines it lacks; a project with a Makefile of its own gets
``contract.mk`` to include instead. Nothing is run: no npm, no database.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask

from flask_dredd.authoring.lockfile import VERSION, shipped_lock
from flask_dredd.authoring.skeleton import actions, blueprint, factories_module, mapped_models
from flask_dredd.sources import read_source

GITIGNORE = ("node_modules/", "reports/", "var/")


@dataclass
class Initialised:
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    transactions: list[str] = field(default_factory=list)


def init(root: Path, app: Flask, import_path: str, *, force: bool = False,
         prefix: str = "", url_env: str = "DATABASE_URL") -> Initialised:  # fmt: skip
    done = Initialised()
    name = re.sub(r"[^a-z0-9-]+", "-", app.name.lower()).strip("-") or "api"
    database = re.sub(r"\W+", "_", app.name.lower()).strip("_") + "_contract"
    models = mapped_models()

    def write(relative: str, text: str) -> None:
        path = root / relative
        if path.exists() and not force:
            done.kept.append(relative)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        done.written.append(relative)

    settings_section(root, app, import_path, prefix, force, done)
    write("hooks/setup.py", SETUP_HOOK)
    write("hooks/declarations.py", DECLARATIONS)
    write("factories/__init__.py", factories_module(models))
    write("apiary.apib", blueprint(app, prefix, models))
    write("package.json", package_json(name))
    write("package-lock.json", shipped_lock(name))
    makefile = "Makefile" if not (root / "Makefile").exists() or force else "contract.mk"
    write(makefile, MAKEFILE)
    write(".github/workflows/contract.yml", workflow(root, database, url_env))
    write("docker-compose.yml", compose(database, url_env))
    ignore_lines(root, done)
    done.transactions = [action.transaction for action in actions(app, prefix)]
    return done


def settings_section(root: Path, app: Flask, import_path: str, prefix: str, force: bool,
                     done: Initialised) -> None:  # fmt: skip
    path = root / "pyproject.toml"
    text = read_source(path, "settings file") if path.exists() else ""
    if "[tool.flask-dredd" in text and not force:
        done.kept.append("pyproject.toml [tool.flask-dredd]")
        return
    # --force: the old section (and its sub-tables) gives way to the new one.
    text = re.sub(r"(?ms)^\[tool\.flask-dredd[^\n]*\n.*?(?=^\[(?!tool\.flask-dredd)|\Z)", "", text)
    migrations = "alembic.ini" if (root / "alembic.ini").is_file() else (
        "flask-migrate" if "migrate" in app.extensions else None)  # fmt: skip
    lines = [
        "[tool.flask-dredd]",
        f'app = "{import_path}"',
        '# blueprint = "apiary.apib"  # the defaults; `flask dredd --help` lists every setting',
        '# hookfiles = ["hooks/*.py"]',
        '# factories = "factories"',
        f'migrations = "{migrations}"' if migrations else '# migrations = "alembic.ini"  '
        "# or flask-migrate, or none",
        '# db = "myapp.database:db"  # unless the app has Flask-SQLAlchemy',
        '# seed = "myapp.seed:static_rows"  # rows every transaction starts with',
        f'scaffold-prefix = "{prefix}"' if prefix else '# scaffold-prefix = "/api"',
        "",
        "# Routes left out of the contract, each with its reason:",
        "# [tool.flask-dredd.excluded-routes]",
        '# "GET /docs" = "the HTML documentation page"',
    ]
    path.write_text(text.rstrip() + ("\n\n" if text.strip() else "") + "\n".join(lines) + "\n")
    done.written.append("pyproject.toml [tool.flask-dredd]")


def ignore_lines(root: Path, done: Initialised) -> None:
    path = root / ".gitignore"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    missing = [line for line in GITIGNORE if line not in text.splitlines()]
    if missing:
        path.write_text(text + ("\n" if text and not text.endswith("\n") else "")
                        + "\n".join(missing) + "\n")  # fmt: skip
        done.written.append(f".gitignore ({', '.join(missing)})")


def package_json(name: str) -> str:
    return json.dumps({"name": name, "private": True,
                       "devDependencies": {"dredd": VERSION}}, indent=2) + "\n"  # fmt: skip


def workflow(root: Path, database: str, url_env: str) -> str:
    own = "true"  # the project's own install, when init can tell what it is
    if (root / "requirements.txt").exists():
        own = "pip install -r requirements.txt"
    pyproject = root / "pyproject.toml"
    if pyproject.exists() and "[project]" in read_source(pyproject, "settings file"):
        own = "pip install -e ."
    return WORKFLOW.format(install=own, database=database, url_env=url_env)


def compose(database: str, url_env: str) -> str:
    return COMPOSE.format(database=database, url_env=url_env)


SETUP_HOOK = '''"""The app, the database prepared once and reset before every transaction."""

from flask_dredd import install

install()  # the settings come from [tool.flask-dredd] in pyproject.toml
'''

DECLARATIONS = '''"""Transactions that need no fixtures, or that are skipped (with the reason)."""

from flask_dredd.declarations import no_fixtures, skip  # noqa: F401

# no_fixtures("Group > Resource > Action")       # e.g. a 401 or a 404 on an empty database
# skip("Group > Resource > Action", reason="…")   # not runnable yet, and why
'''

MAKEFILE = """# Contract testing with flask-dredd (written by `flask dredd init`).
FLASK ?= flask

.PHONY: dredd check names

node_modules/.bin/dredd: package.json package-lock.json
\tnpm ci --no-audit --no-fund

dredd: node_modules/.bin/dredd ## run the contract against the app
\t$(FLASK) dredd run

check: node_modules/.bin/dredd ## blueprint, hooks and routes agree (the CI gate)
\t$(FLASK) dredd check

names: node_modules/.bin/dredd ## every transaction and what gives it its data
\t$(FLASK) dredd names
"""

WORKFLOW = """name: contract
on:
  push:
  pull_request:
jobs:
  contract:
    runs-on: ubuntu-latest
    services:
      postgres:
        image: postgres:16
        env:
          POSTGRES_PASSWORD: postgres
        ports:
          - 5432:5432
        options: >-
          --health-cmd pg_isready --health-interval 2s --health-timeout 5s --health-retries 20
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
          cache: pip
      - uses: actions/setup-node@v4
        with:
          node-version: "20"
          cache: npm
      - run: {install} && pip install 'flask-dredd[all]'
      - run: npm ci --no-audit --no-fund
      - run: flask dredd check
      - run: flask dredd run
        env:
          {url_env}: postgresql://postgres:postgres@localhost:5432/{database}
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: contract-reports
          path: reports/
"""

COMPOSE = """# The contract against PostgreSQL: docker compose up --exit-code-from contract
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: postgres
    healthcheck:
      test: ["CMD", "pg_isready", "-U", "postgres"]
      interval: 2s
      retries: 20
  contract:
    image: nikolaik/python-nodejs:python3.12-nodejs20
    working_dir: /app
    volumes:
      - .:/app
    environment:
      {url_env}: postgresql://postgres:postgres@db:5432/{database}
    command: sh -c "pip install -e . 'flask-dredd[all]' && npm ci && flask dredd run"
    depends_on:
      db:
        condition: service_healthy
"""
