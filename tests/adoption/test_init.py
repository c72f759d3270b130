"""The done-when of adoption: a Flask project with none of flask-dredd's files runs
`flask dredd init`, gets its examples and its fixture hooks through `scaffold`, and its
contract runs green on SQLite and PostgreSQL and passes `check`; with Flask-SQLAlchemy
and Flask-Migrate, and with plain SQLAlchemy 2 and plain Alembic.

The project's examples (`apiary.apib`), factories and the bodies of its fixture hooks
are its own; the glue is what it adds besides: the settings section, `hooks/setup.py`
and `package.json`, counted here and stated in README.md.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from flask_dredd.authoring.lockfile import SHIPPED, dredd_lock

from .conftest import FLASK, PROJECTS, ROOT, NewProject, new_project
from .test_new_project import assert_green

pytestmark = pytest.mark.e2e
#: What README.md states for a project adopted with `flask dredd init`, per variant.
INIT_GLUE_LINES = {"fsqla": 15, "alembic": 14}
README_SAYS = (
    "15 lines of glue with Flask-SQLAlchemy (one route left out of the contract), "
    "14 with plain SQLAlchemy and Alembic"
)
CHECK_JSONSCHEMA = str(Path(sys.executable).parent / "check-jsonschema")
#: The transactions that need rows, and what the author writes into each scaffolded stub.
FIXTURES = {
    "Auth > Login > Log in > Example 1": "UserFactory()",
    "Auth > Login > Log in > Example 2": "UserFactory()",
    "Users > User > Get a user": "UserFactory()",
    "Notes > Notes > List notes": "NoteFactory()",
    "Notes > Note > Get a note > Example 1": "NoteFactory()",
    "Notes > Notes > Create a note > Example 1": "author(transaction, [])",
}
NO_FIXTURES = ("Notes > Notes > Create a note > Example 2", "Notes > Note > Get a note > Example 2")


def flask_dredd(project: NewProject, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`flask dredd …` with no --app and no FLASK_APP: the settings say which app."""
    return subprocess.run([FLASK, "dredd", *args], cwd=project.root, env=project.env(**env),
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def adopted(tmp_path: Path, variant: str) -> NewProject:
    project = new_project(tmp_path, variant)
    root = project.root
    for glue in ("dredd.yml", "package.json", "hooks/setup.py", "hooks/notes.py"):
        (root / glue).unlink()
    examples = (root / "apiary.apib").read_text()
    (root / "apiary.apib").unlink()
    fixtures = (root / "factories.py").read_text()
    (root / "factories.py").unlink()
    done = project.flask("dredd", "init")  # no DATABASE_URL: init needs none
    assert done.returncode == 0, done.stdout + done.stderr
    settings = root / "pyproject.toml"
    if variant == "alembic":  # plain SQLAlchemy: the one setting the engine cannot guess
        settings.write_text(settings.read_text().replace(
            "[tool.flask-dredd]\n", '[tool.flask-dredd]\ndb = "notes.database"\n', 1))  # fmt: skip
    else:  # a route the contract leaves out, with its reason
        api = root / "notes/api.py"
        api.write_text(api.read_text() + '\n\n@bp.get("/docs")\ndef docs():\n    return "<p>"\n')
        settings.write_text(settings.read_text() + '[tool.flask-dredd.excluded-routes]\n'
                            '"GET /docs" = "the HTML documentation page"\n')  # fmt: skip
    assert 'flask dredd scaffold "Notes > Notes by note_id > Get note"' in done.stdout
    (root / "apiary.apib").write_text(examples)  # the author fills in the examples
    (root / "factories/__init__.py").write_text(fixtures)
    for name, body in FIXTURES.items():
        made = flask_dredd(project, "scaffold", name)
        assert made.returncode == 0, made.stdout + made.stderr
        fill(root, made.stdout, body)
    declarations = root / "hooks/declarations.py"
    declarations.write_text(declarations.read_text() + "".join(
        f'no_fixtures("{name}")\n' for name in NO_FIXTURES))  # fmt: skip
    return project


def fill(root: Path, scaffolded: str, body: str) -> None:
    """Replace the stub's body (what scaffold printed: `… hooks/x.py:N: fn()`) by `body`."""
    where, function = re.search(r" (hooks/\w+\.py):\d+: (\w+)\(\)", scaffolded).groups()
    path = root / where
    text = path.read_text()
    start = text.index(f"def {function}(transaction):\n") + len(f"def {function}(transaction):\n")
    end = text.find("\n\n", start)
    end = len(text) if end == -1 else end + 1
    text = text[:start] + f"    {body}\n" + text[end:]
    line = "from factories import NoteFactory, UserFactory, author  # noqa: F401\n"
    if line not in text:
        text = text.replace("import dredd_hooks as hooks\n", f"import dredd_hooks as hooks\n{line}")
    path.write_text(text)


def glue_lines(project: NewProject) -> int:
    settings = (project.root / "pyproject.toml").read_text()
    others = ("hooks/setup.py", "package.json")
    files = [settings, *((project.root / name).read_text() for name in others)]
    lines = (line.strip() for text in files for line in text.splitlines())
    return sum(1 for line in lines if line and not line.startswith("#"))


@pytest.fixture(scope="module", params=["fsqla", "alembic"])
def project(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> NewProject:
    # Adopted once per variant (init, then four scaffolds: 15-20 s on a busy machine) for
    # the SQLite and the PostgreSQL test, which only run it.
    project = adopted(tmp_path_factory.mktemp("adopted"), request.param)
    assert glue_lines(project) == INIT_GLUE_LINES[request.param] <= 15
    return project


def test_init_then_scaffold_runs_green_on_sqlite_and_passes_check(project: NewProject, tmp_path):
    assert README_SAYS in " ".join((ROOT / "README.md").read_text().split())
    url = f"sqlite:///{tmp_path / 'notes_contract.db'}"
    done = flask_dredd(project, "run", "--database-url", url)
    run = project.run_contract(url)  # and through `flask --app notes`, on the same database
    assert done.returncode == 0, done.stdout + done.stderr
    assert_green(run)
    check = flask_dredd(project, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    if (project.root / "notes/models.py").read_text().count("db.Model"):  # the fsqla variant
        assert "excluded: GET /docs: the HTML documentation page" in check.stdout
        assert "[flask-dredd] excluded  GET /docs: the HTML documentation page" in done.stdout
        report = (project.root / "reports/index.html").read_text()
        assert "<code>GET /docs</code>: the HTML documentation page" in report


@pytest.mark.postgres
def test_init_then_scaffold_runs_green_on_postgres(project: NewProject, notes_postgres_url: str):
    assert_green(project.run_contract(notes_postgres_url))


def test_init_keeps_what_exists_and_validates(tmp_path: Path) -> None:
    project = new_project(tmp_path, "fsqla")
    before = (project.root / "apiary.apib").read_text()
    done = project.flask("dredd", "init", DATABASE_URL="sqlite://")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "kept  apiary.apib (exists; --force replaces it)" in done.stdout
    assert (project.root / "apiary.apib").read_text() == before
    for path, schema in ((".github/workflows/contract.yml", "vendor.github-workflows"),
                         ("docker-compose.yml", "vendor.compose-spec")):  # fmt: skip
        command = [CHECK_JSONSCHEMA, "--builtin-schema", schema, str(project.root / path)]
        checked = subprocess.run(command, capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    workflow = (project.root / ".github/workflows/contract.yml").read_text()
    assert "flask dredd check" in workflow and "flask dredd run" in workflow
    forced = project.flask("dredd", "init", "--force", DATABASE_URL="sqlite://")
    assert "wrote apiary.apib" in forced.stdout
    assert (project.root / "pyproject.toml").read_text().count("[tool.flask-dredd]") == 1


def test_the_shipped_lock_is_the_repositorys_dredd(tmp_path: Path) -> None:
    """The lock init writes is this repository's (what the tests run), pruned to Dredd."""
    repository = json.loads((ROOT / "package-lock.json").read_text())
    assert json.loads(SHIPPED.read_text()) == dredd_lock(repository)
    assert PROJECTS.exists()
