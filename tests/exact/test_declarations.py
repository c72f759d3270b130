"""volatile, volatile_header and inexact: refused when wrong, found where names/check look."""

from __future__ import annotations

from pathlib import Path

import pytest

from flask_dredd import hooks, matchers
from flask_dredd.authoring.project import Project
from flask_dredd.declarations import (
    Declaration,
    declaration_of,
    declarations_for,
    inexact,
    volatile,
    volatile_header,
    volatility,
)
from flask_dredd.exact.paths import PathPattern

SOURCE = """\
from flask_dredd import matchers
from flask_dredd.declarations import inexact, volatile, volatile_header

volatile("$..created_at", matchers.DATETIME_UTC)
volatile_header("Set-Cookie", matchers.token(43), cookie="session")
inexact("A > B > C", reason="  scores come from a model ")
inexact(
    "A > B > D",
    "$.items[*].score",
    reason="ranking is not deterministic",
)
"""


def load(tmp_path: Path, source: str) -> hooks.Registry:
    (tmp_path / "hooks").mkdir()
    (tmp_path / "hooks" / "exactness.py").write_text(source)
    return Project(tmp_path, tmp_path / "x.apib", ("hooks/*.py",)).load_hooks()


def test_declarations_land_in_the_registry_they_were_loaded_with(tmp_path: Path):
    before = len(volatility().values)
    registry = load(tmp_path, SOURCE)
    assert len(volatility().values) == before  # the global table is untouched
    table = volatility(registry)
    [value] = table.values
    assert (value.pattern, value.matcher, Path(value.file).name, value.line) == (
        PathPattern("$..created_at"), matchers.DATETIME_UTC, "exactness.py", 4,
    )  # fmt: skip
    [header] = table.headers
    assert (header.header, header.matcher.name, header.cookie, header.line) == (
        "set-cookie", "token(43)", "session", 5,
    )  # fmt: skip
    whole, partial = (hook for hook in registry if hook.kind == "before")
    assert (whole.name, whole.line, declaration_of(whole)) == (
        "A > B > C", 6, Declaration("inexact", "scores come from a model"),
    )  # fmt: skip
    assert (partial.name, partial.line) == ("A > B > D", 8)
    assert declarations_for("A > B > D", registry) == [
        Declaration("inexact", "ranking is not deterministic", (PathPattern("$.items[*].score"),))
    ]


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_inexact_needs_a_reason(reason: str | None):
    with pytest.raises(ValueError, match=r"inexact\('A > B', '\$.x'\) needs a reason: write "):
        inexact("A > B", "$.x", reason=reason)


def test_bad_patterns_and_matchers_are_refused_at_import():
    with pytest.raises(
        ValueError, match=r"volatile\('created_at', …\): 'created_at' is not a path"
    ):
        volatile("created_at", matchers.DATETIME)
    with pytest.raises(TypeError, match="needs a matcher from flask_dredd.matchers"):
        volatile("$.created_at", "DATETIME")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"inexact\('A > B', '\$.items\[\*'\): "):
        inexact("A > B", "$.items[*", reason="why")


def test_set_cookie_needs_the_cookie_and_only_set_cookie_has_one():
    with pytest.raises(ValueError, match="needs the cookie whose value varies"):
        volatile_header("Set-Cookie", matchers.token(43))
    with pytest.raises(ValueError, match="only Set-Cookie has cookies"):
        volatile_header("ETag", matchers.ANY, cookie="session")
    with pytest.raises(TypeError, match="needs a header name"):
        volatile_header("ETag: x", matchers.ANY)
