"""A small project to provoke each authoring problem in, and the real one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from flask_dredd.contract.compiler import DocumentedTransaction, documented_transactions

ROOT = Path(__file__).resolve().parents[2]
MINI = Path(__file__).resolve().parent / "mini"
FLASK = str(Path(sys.executable).parent / "flask")


@dataclass
class Project:
    root: Path
    app: str

    def flask_dredd(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """`flask --app <app> dredd <args>` run from the project's root, as a user would."""
        return subprocess.run(
            [FLASK, "--app", self.app, "dredd", *args],
            cwd=self.root,
            env={**os.environ, "EVENTAPI_CONFIG": "contract"},
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text()
        assert old in text, f"{old!r} is not in {relative}"
        path.write_text(text.replace(old, new))

    def write(self, relative: str, text: str) -> None:
        (self.root / relative).write_text(text)


@pytest.fixture
def mini(tmp_path: Path) -> Project:
    """A copy of tests/authoring/mini: five routes, six transactions, all accounted for."""
    root = tmp_path / "mini"
    shutil.copytree(MINI, root, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "node_modules").symlink_to(ROOT / "node_modules")
    return Project(root, "miniapp")


@pytest.fixture
def real() -> Project:
    return Project(ROOT, "eventapi")


@pytest.fixture(scope="session")
def documented() -> list[DocumentedTransaction]:
    """The reference blueprint's transactions: the counts the tests expect follow it."""
    return documented_transactions(ROOT / "apiary.apib", ROOT / "node_modules")
