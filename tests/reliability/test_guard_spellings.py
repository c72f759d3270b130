"""Property: however a URL to a protected database is spelt, nothing in it is ever lost.

Hypothesis spells URLs that all reach the same non-designated database of 1,000 rows
(each spelling is first proved to reach it, through the unguarded driver): query
parameters that override the target (``?dbname=``, ``?host=``, ``?mode=memory`` without
``?uri=true``), designated-looking decoys in the URL's path, percent-encoding, case,
userinfo, host forms, ``postgres://`` and ``postgresql+psycopg2://``, SQLite ``file:``
URIs, relative and absolute paths, a designated-looking symbolic link, a designated-looking
hard link (to a second protected file: a hard link keeps its own name in SQLite's
``PRAGMA database_list``, so only the file's identity reveals it). Every spelling
must be refused by the run's database phase, by ``Isolation.prepare()`` and by a
strategy's own reset, and the rows are counted after each: 0 lost.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flask_dredd.isolation import ALLOW_ENV, STRATEGIES

from .guard_support import (
    ROWS,
    isolation_refuses,
    precious_postgres_database,
    precious_sqlite_folder,
    rows_reached,
    runner_refuses,
)

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    database=None,  # nothing written into the working tree
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(scope="module", autouse=True)
def no_allowance() -> Iterator[None]:
    saved = os.environ.pop(ALLOW_ENV, None)
    yield
    if saved is not None:
        os.environ[ALLOW_ENV] = saved


@pytest.fixture(scope="module")
def precious_postgres() -> Iterator[str]:
    with precious_postgres_database() as name:
        yield name


@pytest.fixture(scope="module")
def precious_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = precious_sqlite_folder(tmp_path_factory.mktemp("guard_spellings")).parent
    (folder / "second").mkdir()
    hard_linked = precious_sqlite_folder(folder / "second")  # second/precious.db, 1,000 rows
    os.link(hard_linked, folder / "h_contract.db")
    return folder


def encoded(draw: st.DrawFn, value: str, keep: str = "") -> str:
    """``value`` with a random subset of its characters percent-encoded."""
    flags = draw(st.lists(st.booleans(), min_size=len(value), max_size=len(value)))
    return "".join(
        quote(ch, safe="") if flag and ch not in keep else ch
        for ch, flag in zip(value, flags, strict=True)
    )


@st.composite
def postgres_spellings(draw: st.DrawFn, name: str) -> str:
    scheme = draw(st.sampled_from(["postgresql", "postgres", "postgresql+psycopg2"]))
    user = draw(st.sampled_from(["postgres", "%70ostgres", "postgres:", "postgres:any%40pw"]))
    host = draw(
        st.sampled_from(
            [
                "127.0.0.1",
                "127.0.0.1:5432",
                "localhost",
                "LocalHost:5432",
                "[::1]",
                "[::1]:5432",
                "",
            ]
        )
    )
    query: list[tuple[str, str]] = []
    if host.startswith("[") or not host:
        # Nothing listens on ::1 here, and no socket is assumed: the query names the server,
        # which is one of the overrides the guard must see through.
        query.append((draw(st.sampled_from(["host", "hostaddr"])), "127.0.0.1"))
    form = draw(st.sampled_from(["path", "decoy+dbname", "empty+dbname", "empty+database"]))
    if form == "path":
        path = encoded(draw, name)
    elif form == "decoy+dbname":
        path = draw(st.sampled_from(["x_contract", "eventapi_test", name + "_contract"]))
        query.append(("dbname", encoded(draw, name)))
    else:
        path = ""
        query.append((form.split("+")[1], encoded(draw, name)))
    extras = draw(
        st.lists(
            st.sampled_from(
                [
                    ("sslmode", "disable"),
                    ("application_name", "x_contract"),
                    ("connect_timeout", "5"),
                    ("port", "5432"),
                    ("options", quote("-c statement_timeout=0")),
                    ("target_session_attrs", "any"),
                ]
            ),
            unique_by=lambda kv: kv[0],
            max_size=3,
        )
    )
    query = draw(st.permutations(query + [kv for kv in extras if kv[0] not in dict(query)]))
    rendered = "&".join(f"{key}={value}" for key, value in query)
    return f"{scheme}://{user}@{host}/{path}" + (f"?{rendered}" if rendered else "")


@st.composite
def sqlite_spellings(draw: st.DrawFn, folder: Path) -> str:
    # x_contract.db: a symbolic link to precious.db; h_contract.db: a hard link.
    file = draw(st.sampled_from(["precious.db", "x_contract.db", "h_contract.db"]))
    where = draw(st.sampled_from(["absolute", "relative", "dotted", "doubled"]))
    if where == "absolute":
        path = f"{folder}/{file}"
    elif where == "relative":
        path = file
    elif where == "dotted":
        path = f"./sub/../{file}"
    else:
        path = f"{folder}//{file}"
    path = encoded(draw, path, keep="/")
    form = draw(st.sampled_from(["plain", "uri"]))
    query: list[tuple[str, str]] = []
    if form == "plain":
        query += draw(
            st.lists(
                st.sampled_from([("mode", "memory"), ("cache", "shared"), ("timeout", "5")]),
                unique=True,
                max_size=2,
            )
        )
        database = path
    else:
        scheme = draw(st.sampled_from(["file:", "file://", "file://localhost"]))
        if scheme != "file:" and not path.startswith(("/", "%2F")):
            path = f"{folder}/{file}"  # file://host/… takes absolute paths only
        fragment = draw(st.sampled_from(["", "#x_contract.db", "#/eventapi_test.db"]))
        database = f"{scheme}{path}{fragment}"
        query.append(("uri", draw(st.sampled_from(["true", "True", "1", "yes"]))))
        query += draw(
            st.lists(
                st.sampled_from(
                    [("mode", "rw"), ("mode", "ro"), ("cache", "private"), ("vfs", "unix-dotfile")]
                ),
                unique_by=lambda kv: kv[0],
                max_size=2,
            )
        )
    query = draw(st.permutations(query))
    rendered = "&".join(f"{key}={value}" for key, value in query)
    return f"sqlite:///{database}" + (f"?{rendered}" if rendered else "")


def assert_refused_and_nothing_lost(url: str, instance: Path, strategy: str) -> None:
    assert rows_reached(url, instance) == ROWS, f"{url} does not reach the protected rows"
    refusal = runner_refuses(url, instance)
    assert "Traceback" not in refusal
    assert rows_reached(url, instance) == ROWS, f"the run's database phase lost rows: {url}"
    isolation_refuses(url, instance, strategy)
    assert rows_reached(url, instance) == ROWS, f"Isolation lost rows: {url}"


@pytest.mark.postgres
@SETTINGS
@given(data=st.data(), strategy=st.sampled_from(list(STRATEGIES)))
def test_no_spelling_of_a_protected_postgres_database_is_reset(
    precious_postgres: str, data: st.DataObject, strategy: str
) -> None:
    url = data.draw(postgres_spellings(precious_postgres), label="url")
    assert_refused_and_nothing_lost(url, Path.cwd(), strategy)


@SETTINGS
@given(data=st.data(), strategy=st.sampled_from(list(STRATEGIES)))
def test_no_spelling_of_a_protected_sqlite_database_is_reset(
    precious_sqlite: Path, data: st.DataObject, strategy: str
) -> None:
    url = data.draw(sqlite_spellings(precious_sqlite), label="url")
    assert_refused_and_nothing_lost(url, precious_sqlite, strategy)
