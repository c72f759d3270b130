"""Declarations register in the hooks registry, where names/check/the recorder find them."""

from __future__ import annotations

from pathlib import Path

import pytest

from flask_dredd import hooks
from flask_dredd.authoring.project import Project
from flask_dredd.declarations import Declaration, declaration_of, no_fixtures, skip


def load(tmp_path: Path, source: str) -> hooks.Registry:
    (tmp_path / "hooks").mkdir()
    (tmp_path / "hooks" / "declarations.py").write_text(source)
    return Project(tmp_path, tmp_path / "x.apib", ("hooks/*.py",)).load_hooks()


def test_each_name_points_at_its_own_line_and_a_skip_makes_dredd_skip(tmp_path: Path):
    registry = load(
        tmp_path,
        "from flask_dredd.declarations import no_fixtures, skip\n"
        "\n"
        "no_fixtures(\n"
        '    "A > B > C",\n'
        '    "A > B > D",\n'
        ")\n"
        'skip("A > B > E", reason="  waits for issue 9 ")\n',
    )
    found = {hook.name: hook for hook in registry}
    assert {name: (h.kind, Path(h.file).name, h.line) for name, h in found.items()} == {
        "A > B > C": ("before", "declarations.py", 4),
        "A > B > D": ("before", "declarations.py", 5),
        "A > B > E": ("before", "declarations.py", 7),
    }
    assert declaration_of(found["A > B > C"]) == Declaration("no fixtures")
    assert declaration_of(found["A > B > E"]) == Declaration("skip", "waits for issue 9")
    transaction = {"name": "A > B > E", "skip": False}
    found["A > B > E"].func(transaction)
    assert transaction["skip"] is True
    untouched = {"name": "A > B > C", "skip": False}
    found["A > B > C"].func(untouched)
    assert untouched == {"name": "A > B > C", "skip": False}


def test_loading_leaves_the_global_registry_alone(tmp_path: Path):
    before = list(hooks.registry)
    load(tmp_path, 'from flask_dredd.declarations import no_fixtures\nno_fixtures("A > B")\n')
    assert list(hooks.registry) == before


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_skip_needs_a_reason(reason: str | None):
    with pytest.raises(ValueError, match=r"skip\('A > B'\) needs a reason: write skip\('A > B', "):
        skip("A > B", reason=reason)


def test_no_fixtures_needs_names():
    with pytest.raises(TypeError, match="at least one transaction name"):
        no_fixtures()
    with pytest.raises(TypeError, match="non-empty string"):
        no_fixtures("")
