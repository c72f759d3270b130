"""Who holds a lock, as a refused run tells it: fast checks of `flask_dredd.run.locks`.

The end-to-end tests (test_run_locks.py) start real runs; these take the locks in this
process, so the holder's command line is pytest's own, read back from /proc.
"""

from __future__ import annotations

import os
import shlex
import socket
import time
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy.engine import URL, make_url

from flask_dredd.isolation.actual import OpenedDatabase, check_url_connection
from flask_dredd.run.database import _psycopg2_params, ensure_database, parse_url
from flask_dredd.run.locks import ADVISORY_KEY, LockError, LockHeldError, RunIdentity, RunLocks

from .runs import postgres_database_fixture  # noqa: F401 (fixture)


def identity(**changes: object) -> RunIdentity:
    return RunIdentity(**{**RunIdentity.current().__dict__, **changes})  # type: ignore[arg-type]


def own_command_line() -> str:
    raw = Path("/proc/self/cmdline").read_bytes()
    return shlex.join(p.decode() for p in raw.split(b"\0") if p)


def test_a_held_reports_folder_refuses_at_once_and_is_free_again_after_release(tmp_path: Path):
    notes: list[str] = []
    first = RunLocks(identity(started="2026-12-01T10:00:00Z"), notes.append)
    first.hold_reports(tmp_path)
    started = time.monotonic()
    with pytest.raises(LockHeldError) as refused:
        RunLocks(identity(), notes.append).hold_reports(tmp_path)
    assert time.monotonic() - started < 2
    assert f"pid {first.identity.pid}, started 2026-12-01T10:00:00Z" in str(refused.value)
    first.release()
    assert not (tmp_path / "run.lock").exists()
    with RunLocks(identity(), notes.append) as second:
        second.hold_reports(tmp_path)
    assert notes == []  # a lock released in order leaves nothing to take over


def test_a_lock_file_that_cannot_be_created_is_a_clear_error(tmp_path: Path):
    not_a_folder = tmp_path / "reports"
    not_a_folder.write_text("")
    with pytest.raises(LockError, match=r"cannot create the lock file .*reports/run\.lock"):
        RunLocks(identity(), print).hold_reports(not_a_folder)


def test_a_lock_file_written_by_something_else_is_reused_without_naming_a_run(tmp_path: Path):
    (tmp_path / "run.lock").write_text('{"pid": "not a number"}')
    notes: list[str] = []
    with RunLocks(identity(), notes.append) as locks:
        locks.hold_reports(tmp_path)
    assert notes == []


def opened_postgres(url: URL) -> OpenedDatabase:
    """What the guard's connection reports for ``url`` (the lock is taken on that)."""
    return check_url_connection(parse_url(url.render_as_string(hide_password=False)))


@pytest.mark.postgres
def test_postgres_refusal_names_the_holder_from_pg_stat_activity_and_proc(
    postgres_database: str, monkeypatch: pytest.MonkeyPatch
):
    url = make_url(postgres_database)
    ensure_database(url)
    # A host name longer than application_name keeps: cut short, it is still this host.
    monkeypatch.setattr(socket, "gethostname", lambda: "ci-runner-" + "x" * 60)
    params = lambda name: _psycopg2_params(url, dbname=name)  # noqa: E731
    opened = opened_postgres(url)
    holder = identity(host=socket.gethostname(), started="2026-12-01T10:00:00Z")
    assert len(holder.application_name()) == 63
    with RunLocks(holder, print) as first:
        first.hold_database(url, opened, params)
        with pytest.raises(LockHeldError) as refused:
            RunLocks(identity(), print).hold_database(url, opened, params)
    message = str(refused.value)
    assert f"PostgreSQL database {url.database} on {url.host}:{url.port or 5432}" in message
    assert f"pid {holder.pid}, started 2026-12-01T10:00:00Z" in message
    assert f"command: {own_command_line()}" in message  # read from /proc/<pid>/cmdline
    with RunLocks(identity(), print) as again:  # released with the connection
        again.hold_database(url, opened, params)


@pytest.mark.postgres
def test_postgres_lock_held_by_another_program_is_described(postgres_database: str):
    url = make_url(postgres_database)
    ensure_database(url)
    params = _psycopg2_params(url, dbname=url.database or "")
    other = psycopg2.connect(**{**params, "application_name": "someone's script"})
    other.autocommit = True
    try:
        with other.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_KEY,))
        with pytest.raises(LockHeldError) as refused:
            RunLocks(identity(), print).hold_database(url, opened_postgres(url), lambda _: params)
    finally:
        other.close()
    assert 'application_name "someone\'s script"' in str(refused.value)
    assert "is locked by PostgreSQL backend" in str(refused.value)


@pytest.mark.parametrize("plant", ["symlink", "hard link"])
def test_a_lock_file_planted_as_a_link_to_a_protected_file_is_refused_untouched(
    tmp_path: Path, plant: str
):
    precious = tmp_path / "precious.db"
    precious.write_bytes(b"1,000 rows of someone's data\n" * 1000)
    before = precious.read_bytes()
    reports = tmp_path / "reports"
    reports.mkdir()
    if plant == "symlink":
        (reports / "run.lock").symlink_to(precious)
    else:
        os.link(precious, reports / "run.lock")
    with pytest.raises(LockError) as refused, RunLocks(identity(), print) as locks:
        locks.hold_reports(reports)
    assert "not a lock file of flask-dredd's" in str(refused.value)
    assert "symbolic link" in str(refused.value) or "2 hard links" in str(refused.value)
    assert precious.read_bytes() == before  # never truncated nor written
