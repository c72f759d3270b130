"""The guard judges the SQLite file the driver opened, not its name.

- a designated-looking hard link to a protected file is refused (the file has another
  name), by the run's database phase and by every reset; 1,000 rows stay;
- ``FLASK_DREDD_ALLOW_DATABASE`` is exact: nothing stripped, and allowing a symbolic
  link's path never allows the file it points to.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from flask_dredd.isolation import ALLOW_ENV, STRATEGIES
from flask_dredd.isolation.actual import check_url_connection
from flask_dredd.isolation.guard import UnsafeDatabaseError

from .guard_support import ROWS, isolation_refuses, rows_reached, runner_refuses


@pytest.fixture(autouse=True)
def no_allowance(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_ENV, raising=False)


def sqlite_file(path: Path, rows: int = ROWS) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE keep (id integer PRIMARY KEY, note text)")
        conn.executemany("INSERT INTO keep VALUES (?, ?)", [(i, f"row {i}") for i in range(rows)])
    conn.close()
    return path


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_a_designated_hard_link_to_a_protected_file_is_refused_and_nothing_is_lost(
    tmp_path: Path, strategy: str
):
    precious = sqlite_file(tmp_path / "precious.db")
    os.link(precious, tmp_path / "hard_contract.db")
    url = f"sqlite:///{tmp_path / 'hard_contract.db'}"
    refusal = runner_refuses(url, tmp_path)
    assert "the file has 2 hard links" in refusal and "cp, never ln" in refusal, refusal
    assert rows_reached(url, tmp_path) == ROWS
    assert "2 hard links" in isolation_refuses(url, tmp_path, strategy)
    assert rows_reached(f"sqlite:///{precious}", tmp_path) == ROWS


def test_a_hard_linked_file_is_allowed_only_by_its_exact_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    precious = sqlite_file(tmp_path / "precious.db")
    os.link(precious, tmp_path / "hard_contract.db")
    url = make_url(f"sqlite:///{tmp_path / 'hard_contract.db'}")
    for almost in (f" {tmp_path / 'hard_contract.db'}", f"{tmp_path / 'hard_contract.db'}\n"):
        monkeypatch.setenv(ALLOW_ENV, almost)  # not stripped: not the exact path
        with pytest.raises(UnsafeDatabaseError, match="2 hard links"):
            check_url_connection(url)
    monkeypatch.setenv(ALLOW_ENV, str(tmp_path / "hard_contract.db"))
    assert check_url_connection(url).file.links == 2  # type: ignore[union-attr]


def test_allowing_a_symbolic_link_does_not_allow_the_file_it_points_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    precious = sqlite_file(tmp_path / "precious.db")
    (tmp_path / "link.db").symlink_to(precious)
    monkeypatch.setenv(ALLOW_ENV, str(tmp_path / "link.db"))
    for spelling in (tmp_path / "link.db", precious):
        with pytest.raises(UnsafeDatabaseError, match="not designated"):
            check_url_connection(make_url(f"sqlite:///{spelling}"))
    monkeypatch.setenv(ALLOW_ENV, str(precious))  # the real file's exact path
    assert check_url_connection(make_url(f"sqlite:///{precious}")).allowed


def test_a_relative_allowance_is_read_against_the_working_directory_as_spelt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    sqlite_file(tmp_path / "precious.db")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(ALLOW_ENV, "precious.db")
    assert check_url_connection(make_url(f"sqlite:///{tmp_path / 'precious.db'}")).allowed
    monkeypatch.setenv(ALLOW_ENV, "sub/../precious.db")  # not the path, only one spelling
    with pytest.raises(UnsafeDatabaseError, match="not designated"):
        check_url_connection(make_url("sqlite:///precious.db"))
