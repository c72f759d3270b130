"""One lock per database: every spelling of one SQLite file or PostgreSQL database meets it.

Paths, ``..``, symbolic links (to the file or its folder), ``file:`` URIs with query
parameters (which used to skip the lock), libpq parameters (``?dbname=`` decoys, the
server in the query): a second run holding any other spelling is refused, naming the
database the connection reported. Judged on the run's own database phase
(``prepare_database``: guard, create, lock; without migration), for many spellings.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from flask_dredd.errors import RunError
from flask_dredd.isolation import ALLOW_ENV
from flask_dredd.run.config import RunConfig, child_environment
from flask_dredd.run.locks import RunIdentity, RunLocks
from flask_dredd.run.runner import prepare_database
from tests.postgres import scratch_database

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(autouse=True)
def no_allowance(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_ENV, raising=False)


def database_phase(url: str, root: Path, locks: RunLocks) -> None:
    """The run's database phase on ``url`` (guard, create, lock), without migrating."""
    config = RunConfig(
        root=root, flask_app="eventapi", app_spec="eventapi:create_app()", database_url=url,
        migrate=False,
    )  # fmt: skip
    prepare_database(config, child_environment(config), locks)


def assert_second_spelling_refused(first: str, second: str, root: Path) -> str:
    with RunLocks(RunIdentity.current(), note=print) as holder:
        database_phase(first, root, holder)
        with pytest.raises(RunError) as refused, RunLocks(RunIdentity.current(), print) as other:
            database_phase(second, root, other)
    message = str(refused.value)
    assert "Traceback" not in message
    return message


@pytest.fixture(scope="module")
def designated_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``x_contract.db`` (designated), a designated symbolic link and hard link to it."""
    folder = tmp_path_factory.mktemp("lock_spellings")
    sqlite3.connect(folder / "x_contract.db").close()
    (folder / "y_contract.db").symlink_to(folder / "x_contract.db")
    (folder / "sub").mkdir()
    (folder / "via_contract").symlink_to(folder, target_is_directory=True)
    return folder


@st.composite
def sqlite_lock_spellings(draw: st.DrawFn, folder: Path) -> str:
    name = draw(st.sampled_from(["x_contract.db", "y_contract.db"]))
    path = draw(
        st.sampled_from(
            [
                f"{folder}/{name}",
                name,  # relative to the project root
                f"./sub/../{name}",
                f"{folder}//sub/../{name}",
                f"{folder}/via_contract/{name}",
            ]
        )
    )
    if draw(st.booleans()):
        return f"sqlite:///{path}"
    if not path.startswith("/"):
        path = f"{folder}/{path}"
    scheme = draw(st.sampled_from(["file:", "file://", "file://localhost"]))
    params = draw(
        st.lists(
            st.sampled_from(["mode=rw", "mode=rwc", "cache=private", "cache=shared"]),
            unique_by=lambda p: p.split("=")[0],
            max_size=2,
        )
    )
    query = "&".join(draw(st.permutations(["uri=true", *params])))
    return f"sqlite:///{scheme}{path}?{query}"


@SETTINGS
@given(data=st.data())
def test_every_spelling_of_one_sqlite_file_meets_one_lock(
    designated_folder: Path, data: st.DataObject
):
    first = data.draw(sqlite_lock_spellings(designated_folder), label="first")
    second = data.draw(sqlite_lock_spellings(designated_folder), label="second")
    message = assert_second_spelling_refused(first, second, designated_folder)
    assert f"SQLite database {designated_folder / 'x_contract.db'}" in message, message
    assert "another flask-dredd run is using" in message, message
    assert not list(designated_folder.glob(".flask-dredd-*.lock"))  # both released


def test_with_a_hard_link_no_spelling_of_the_file_is_run_on(designated_folder: Path):
    # Two names, two folders: two lock files could never meet, so neither name is run on.
    os.link(designated_folder / "x_contract.db", designated_folder / "sub" / "z_contract.db")
    try:
        for spelling in ("sub/z_contract.db", "x_contract.db", "y_contract.db"):
            with (
                pytest.raises(RunError, match="the file has 2 hard links"),
                RunLocks(RunIdentity.current(), print) as locks,
            ):
                database_phase(f"sqlite:///{spelling}", designated_folder, locks)
    finally:
        (designated_folder / "sub" / "z_contract.db").unlink()


@pytest.fixture(scope="module")
def designated_postgres() -> Iterator[str]:
    name = f"flask_dredd_spell_{os.getpid()}_contract"
    with scratch_database(name) as url:
        yield make_url(url).database or name


@st.composite
def postgres_lock_spellings(draw: st.DrawFn, name: str) -> str:
    scheme = draw(st.sampled_from(["postgresql", "postgres", "postgresql+psycopg2"]))
    host = draw(st.sampled_from(["127.0.0.1", "127.0.0.1:5432", "localhost", "LocalHost:5432"]))
    form = draw(st.sampled_from(["path", "decoy+dbname", "host in query"]))
    if form == "path":
        url = f"{scheme}://postgres@{host}/{name}"
    elif form == "decoy+dbname":
        url = f"{scheme}://postgres@{host}/other_contract?dbname={name}"
    else:
        url = f"{scheme}://postgres@/{name}?host=127.0.0.1&port=5432"
    extra = draw(st.sampled_from(["", "sslmode=disable", "application_name=x_contract"]))
    return url + (("&" if "?" in url else "?") + extra if extra else "")


@pytest.mark.postgres
@SETTINGS
@given(data=st.data())
def test_every_spelling_of_one_postgres_database_meets_one_lock(
    designated_postgres: str, data: st.DataObject
):
    first = data.draw(postgres_lock_spellings(designated_postgres), label="first")
    second = data.draw(postgres_lock_spellings(designated_postgres), label="second")
    message = assert_second_spelling_refused(first, second, Path.cwd())
    assert f"PostgreSQL database {designated_postgres} on 127.0.0.1:5432" in message, message
