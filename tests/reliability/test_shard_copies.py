"""Shard copies are created, never written through a link, and removed only if ours.

`--parallel` used to copy the template with shutil.copyfile, which followed a symbolic
link sitting at a shard's name: the protected file it pointed to became a copy of the
contract database, and drop() deleted the link afterwards. These tests drive
`ShardDatabases` as the parallel runner does (the template guarded and locked by the
run's own database phase) against protected files and databases of 1,000 rows, and
count the rows afterwards.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy.engine import make_url

from flask_dredd.run.config import RunConfig, child_environment
from flask_dredd.run.database import _psycopg2_params, open_run_database, parse_url
from flask_dredd.run.locks import RunIdentity, RunLocks
from flask_dredd.run.runner import prepare_database
from flask_dredd.run.shard_databases import ShardDatabaseError, ShardDatabases
from tests.postgres import PG_SERVER, scratch_database

from .guard_support import ROWS, fill


def sqlite_rows(path: Path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT count(*) FROM keep").fetchone()[0]


def protected_file(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        fill(conn.execute)
    conn.close()
    return path


def locked_template(url: str, root: Path, locks: RunLocks) -> ShardDatabases:
    """The template prepared and locked by the run's database phase, as --parallel does."""
    config = RunConfig(
        root=root, flask_app="eventapi", app_spec="eventapi:create_app()", database_url=url,
        migrate=False,
    )  # fmt: skip
    env = child_environment(config)
    prepare_database(config, env, locks)
    assert locks.database is not None
    return ShardDatabases(parse_url(env["DATABASE_URL"]), locks.database, locks.identity)


@pytest.fixture
def template(tmp_path: Path) -> Iterator[tuple[ShardDatabases, Path]]:
    """A designated template ``atk_contract.db`` (a few rows), locked for the test."""
    path = tmp_path / "atk_contract.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE keep (id integer)")
        conn.execute("INSERT INTO keep VALUES (1), (2), (3)")
    conn.close()
    with RunLocks(RunIdentity.current(), note=print) as locks:
        yield locked_template(f"sqlite:///{path}", tmp_path, locks), tmp_path


@pytest.mark.parametrize("plant", ["symlink", "hard link", "wal symlink"])
def test_a_link_at_a_shard_name_is_refused_and_the_protected_file_is_untouched(
    template: tuple[ShardDatabases, Path], plant: str
):
    databases, folder = template
    precious = protected_file(folder / "precious.db")
    name = {"symlink": "atk_shard1_contract.db", "hard link": "atk_shard2_contract.db",
            "wal symlink": "atk_shard2_contract.db-wal"}[plant]  # fmt: skip
    planted = folder / name
    if plant == "hard link":
        os.link(precious, planted)
    else:
        planted.symlink_to(precious)
    with pytest.raises(ShardDatabaseError) as refused:
        databases.create(2)
    assert f"{planted} is " in str(refused.value), refused.value
    assert "not a shard copy this tool made" in str(refused.value)
    assert databases.drop() == []
    assert sqlite_rows(precious) == ROWS
    assert os.path.lexists(planted)  # never deleted: not ours
    assert os.path.samefile(planted, precious)
    assert sorted(p.name for p in folder.iterdir()) == sorted(  # nothing else made
        [f".flask-dredd-{template_key(databases)}.lock", "atk_contract.db", "precious.db", name]
    )  # fmt: skip


def test_copies_are_new_files_registered_beside_the_template_and_dropped(
    template: tuple[ShardDatabases, Path],
):
    databases, folder = template
    urls = databases.create(2)
    copies = [Path(make_url(u).database or "") for u in urls]
    assert [c.name for c in copies] == ["atk_shard1_contract.db", "atk_shard2_contract.db"]
    for copy in copies:
        assert copy.stat().st_nlink == 1 and sqlite_rows_of(copy) == 3
    (registry,) = folder.glob(".flask-dredd-*.shards.json")
    assert [e["path"] for e in json.loads(registry.read_text())] == [str(c) for c in copies]
    assert databases.drop() == []
    assert not any(c.exists() for c in copies) and not registry.exists()
    assert len(list(folder.glob(".flask-dredd-*.lock"))) == 1  # the template's, still held


def template_key(databases: ShardDatabases) -> str:
    assert databases.opened.file is not None
    return databases.opened.file.key


def sqlite_rows_of(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM keep").fetchone()[0]


def test_drop_never_deletes_what_it_did_not_create(template: tuple[ShardDatabases, Path]):
    databases, folder = template
    precious = protected_file(folder / "precious.db")
    copies = [Path(make_url(u).database or "") for u in databases.create(2)]
    copies[0].unlink()
    copies[0].symlink_to(precious)  # swapped for a link while the shards ran
    notes = databases.drop()
    assert len(notes) == 1 and f"kept {copies[0]}" in notes[0], notes
    assert copies[0].is_symlink() and sqlite_rows(precious) == ROWS
    assert not copies[1].exists()


def test_a_killed_runs_copies_are_removed_by_the_next_run_only_if_still_its_own(
    tmp_path: Path, template: tuple[ShardDatabases, Path]
):
    databases, folder = template
    left = [Path(make_url(u).database or "") for u in databases.create(3)]
    with sqlite3.connect(left[0]) as conn:  # the killed run's shard 1 had written a row
        conn.execute("INSERT INTO keep VALUES (4)")
    conn.close()
    (left[0].parent / (left[0].name + "-wal")).write_bytes(b"")  # SQLite's side file
    # The run is killed: no drop(); its template lock dies with it.
    identity = RunIdentity(pid=os.getpid() + 1, started="x", host="h", command="killed")
    with RunLocks(identity, note=print) as shard3:  # a run still uses copy 3
        locked_template(f"sqlite:///{left[2]}", folder, shard3)
        nxt = ShardDatabases(databases.template, databases.opened, RunIdentity.current())
        with pytest.raises(ShardDatabaseError, match="is in use by a run"):
            nxt.create(3)
    assert left[2].exists()  # kept; the free ones (provably the killed run's) are gone
    assert not left[0].exists() and not left[1].exists()
    urls = nxt.create(3)  # copy 3 free now: every leftover is the killed run's own
    assert [Path(make_url(u).database or "") for u in urls] == left
    assert [sqlite_rows_of(c) for c in left] == [3, 3, 3]  # fresh copies of the template
    assert not (left[0].parent / (left[0].name + "-wal")).exists()
    nxt.drop()
    assert not any(c.exists() for c in left)


# ---------------------------------------------------------------- PostgreSQL


@pytest.fixture
def postgres_template() -> Iterator[str]:
    with scratch_database(f"atk_{uuid.uuid4().hex[:8]}_contract") as url:
        yield url


def admin() -> psycopg2.extensions.connection:
    conn = psycopg2.connect(f"{PG_SERVER}/postgres")
    conn.autocommit = True
    return conn


@pytest.mark.postgres
def test_a_foreign_database_at_a_shard_name_is_never_dropped(postgres_template: str):
    name = make_url(postgres_template).database or ""
    shard = name.replace("_contract", "_shard1_contract")
    conn = admin()
    try:
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{shard}"')
        with psycopg2.connect(f"{PG_SERVER}/{shard}") as other, other.cursor() as cur:
            fill(cur.execute)
        other.close()
        with RunLocks(RunIdentity.current(), note=print) as locks:
            url, _, opened = open_run_database(parse_url(postgres_template), Path.cwd())
            locks.hold_copies(opened, lambda db: _psycopg2_params(url, dbname=db))
            databases = locked_template(postgres_template, Path.cwd(), locks)
            locks.release_database()
            with pytest.raises(ShardDatabaseError, match="not a shard copy this tool made"):
                databases.create(2)
            assert databases.drop() == []
        with psycopg2.connect(f"{PG_SERVER}/{shard}") as other, other.cursor() as cur:
            cur.execute("SELECT count(*) FROM keep")
            assert cur.fetchone()[0] == ROWS
        other.close()
    finally:
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{shard}" WITH (FORCE)')
        conn.close()


@pytest.mark.postgres
def test_postgres_copies_carry_their_mark_and_a_leftover_of_ours_is_replaced(
    postgres_template: str,
):
    with RunLocks(RunIdentity.current(), note=print) as locks:
        url, _, opened = open_run_database(parse_url(postgres_template), Path.cwd())
        locks.hold_copies(opened, lambda db: _psycopg2_params(url, dbname=db))
        databases = locked_template(postgres_template, Path.cwd(), locks)
        locks.release_database()
        first = databases.create(2)
        databases.urls = []  # as if killed: the copies stay
        again = ShardDatabases(databases.template, databases.opened, locks.identity)
        assert again.create(2) == first  # ours: dropped and made again
        assert again.drop() == []
    conn = admin()
    with conn.cursor() as cur:
        cur.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                    (f"{opened.name.removesuffix('_contract')}_shard%",))  # fmt: skip
        assert cur.fetchall() == []
    conn.close()


def test_a_forged_registry_never_gets_a_protected_file_removed(
    template: tuple[ShardDatabases, Path],
):
    databases, folder = template
    precious = protected_file(folder / "precious.db")
    status = precious.stat()
    registry = folder / f".flask-dredd-{template_key(databases)}.shards.json"
    registry.write_text(
        json.dumps([{"path": str(precious), "device": status.st_dev, "inode": status.st_ino}])
    )
    with pytest.raises(ShardDatabaseError, match="which is no shard copy name of"):
        databases.create(2)
    assert sqlite_rows(precious) == ROWS and registry.exists()
