"""`flask dredd scaffold`: the stub lands in the right module, and check passes after it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flask_dredd.authoring.project import Project as Settings
from flask_dredd.authoring.scaffold import (
    after_prefix,
    factory_class,
    module_name,
    with_factory_imports,
)

from .conftest import Project

RUFF = str(Path(sys.executable).parent / "ruff")


def ruff_is_happy(path: Path, root: Path) -> subprocess.CompletedProcess[str]:
    # The project's own rules (pyproject.toml), with the copy's folders as first-party.
    return subprocess.run(
        [RUFF, "check", "--no-cache", "--select", "E,F,W,I,B,UP,SIM", "--isolated",
         "--line-length", "100", str(path)],
        cwd=root, capture_output=True, text=True,
    )  # fmt: skip


def test_stub_into_an_existing_module_then_check_passes(mini: Project):
    name = "Items > Tags > List tags"
    mini.edit("hooks/declarations.py", f'skip("{name}", reason="tags are not stored yet")\n', "")
    assert mini.flask_dredd("check").returncode == 1  # the transaction is now missing

    result = mini.flask_dredd("scaffold", name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(
        "added to hooks/items.py:18: list_tags() using ItemFactory, TagFactory"
    ), result.stdout
    source = (mini.root / "hooks/items.py").read_text()
    assert "from factories import ItemFactory, TagFactory\n" in source
    assert source.endswith(
        '@hooks.before("Items > Tags > List tags")\n'
        "def list_tags(transaction):\n"
        "    # GET /items/1/tags answers 200 in the blueprint:\n"
        "    # create the rows its example shows (ids restart at 1 after each reset).\n"
        "    ItemFactory()\n"
        "    TagFactory()\n"
    )
    assert source.splitlines()[17] == '@hooks.before("Items > Tags > List tags")'
    check = mini.flask_dredd("check")
    assert check.returncode == 0, check.stdout + check.stderr
    lint = ruff_is_happy(mini.root / "hooks/items.py", mini.root)
    assert lint.returncode == 0, lint.stdout


def test_stub_in_a_new_module_named_after_the_path(mini: Project):
    name = "Health > Health > Check health"
    mini.edit("hooks/declarations.py", f'no_fixtures("{name}")\n', "")
    result = mini.flask_dredd("scaffold", name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("created hooks/health.py:6: check_health()\n")
    assert (mini.root / "hooks/health.py").read_text() == (
        '"""Fixtures for the Health group."""\n\n'
        "import dredd_hooks as hooks\n\n\n"
        '@hooks.before("Health > Health > Check health")\n'
        "def check_health(transaction):\n"
        "    # GET /health answers 200 in the blueprint:\n"
        "    # create the rows its example shows (ids restart at 1 after each reset).\n"
        "    pass\n"
    )
    assert mini.flask_dredd("check").returncode == 0
    assert ruff_is_happy(mini.root / "hooks/health.py", mini.root).returncode == 0


def test_unknown_name_is_refused_with_the_nearest(mini: Project):
    result = mini.flask_dredd("scaffold", "Items > Tag > List tags")
    assert result.returncode == 1
    assert (
        "the blueprint has no transaction 'Items > Tag > List tags'; "
        "did you mean 'Items > Tags > List tags'?" in result.stderr
    )
    assert not (mini.root / "hooks/tags.py").exists()


@pytest.mark.parametrize(
    ("name", "where"),
    [
        ("Items > Items > List items", "(fixtures) at hooks/items.py:8"),
        ("Items > Items > Create an item", "(no fixtures) at hooks/declarations.py:5"),
        ("Items > Tags > List tags", "(skipped) at hooks/declarations.py:8"),
    ],
)
def test_name_already_hooked_or_declared_is_refused(mini: Project, name: str, where: str):
    before = (mini.root / "hooks/items.py").read_text()
    result = mini.flask_dredd("scaffold", name)
    assert result.returncode == 1
    assert f"{name!r} already has a hook {where}" in result.stderr
    assert (mini.root / "hooks/items.py").read_text() == before


def test_factories_follow_the_path_segments():
    assert factory_class("events") == "EventFactory"
    assert factory_class("categories") == "CategoryFactory"
    assert factory_class("speaker-roles") == "SpeakerRoleFactory"
    assert factory_class("addresses") == "AddressFactory"
    assert module_name(["events", "sessions"], "Events > Sessions > List") == "events"
    assert module_name([], "Health Checks > Ping > Ping") == "health_checks"


def test_factory_imports_merge_and_stay_sorted(tmp_path: Path):
    (tmp_path / "factories").mkdir()
    (tmp_path / "flask_dredd_like").mkdir()
    settings = Settings(tmp_path, tmp_path / "x.apib", ())
    merged = with_factory_imports(
        "import dredd_hooks as hooks\n\nfrom factories import UserFactory, sign_in\n",
        settings,
        ["EventFactory"],
    )
    assert merged.endswith("from factories import EventFactory, UserFactory, sign_in\n")
    # No factories import yet: it goes before a first-party module that sorts after it.
    inserted = with_factory_imports(
        "import dredd_hooks as hooks\n\nfrom flask_dredd_like import x\n", settings, ["A"]
    )
    assert inserted == (
        "import dredd_hooks as hooks\n\nfrom factories import A\nfrom flask_dredd_like import x\n"
    )


def test_the_module_comes_from_the_group_or_the_path_after_the_prefix():
    # An /api prefix no longer sends every stub to hooks/api.py.
    assert module_name(after_prefix(["api", "notes"], "/api"), "Notes > Notes > List") == "notes"
    assert module_name(after_prefix(["api", "v1", "users"], "/api/v1"), "Users > Get") == "users"
    assert module_name(["api", "notes"], "Notebook > Notes > List notes") == "notebook"
    assert after_prefix(["notes"], "/api") == ["notes"]  # a path outside the prefix: as is
