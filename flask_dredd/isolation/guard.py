"""The safety guard: resets only ever touch databases designated for contract testing.

A reset deletes every row it did not create, so pointing it at a development or
production database by mistake would be a disaster. The rule is deliberately simple
and checkable before anything starts:

- the database's name ends in ``_test`` or ``_contract`` (PostgreSQL and other
  servers: the database name; SQLite: the file's name without its extension, so
  ``var/eventapi_contract.db`` is designated), or
- it is an in-memory SQLite database (it dies with the process), or
- ``FLASK_DREDD_ALLOW_DATABASE`` names exactly that database (its name, or for
  SQLite its path).
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from .errors import IsolationError

ALLOW_ENV = "FLASK_DREDD_ALLOW_DATABASE"
DESIGNATED_SUFFIXES = ("_test", "_contract")


class UnsafeDatabaseError(IsolationError):
    """Raised instead of touching a database that is not designated for contract testing."""

    def __init__(self, url: URL, name: str) -> None:
        self.url = url
        self.database_name = name
        super().__init__(_refusal_message(url, name))


def is_designated(url: str | URL) -> bool:
    """True when a reset may touch the database at ``url`` (see the module docstring)."""
    url = make_url(url)
    if _is_sqlite_memory(url):
        return True
    name = database_name(url)
    return name.endswith(DESIGNATED_SUFFIXES) or _allowed_by_env(url)


def check_designated(url: str | URL) -> None:
    """Raise :class:`UnsafeDatabaseError` unless the database at ``url`` is designated."""
    url = make_url(url)
    if not is_designated(url):
        raise UnsafeDatabaseError(url, database_name(url))


def database_name(url: str | URL) -> str:
    """The name the rule looks at: the SQLite file's stem, or the server database's name."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        return Path(url.database or "").stem
    return url.database or ""


def _is_sqlite_memory(url: URL) -> bool:
    if url.get_backend_name() != "sqlite":
        return False
    path = url.database or ""
    # "sqlite://", "sqlite:///:memory:", and URI filenames "file::memory:" / "?mode=memory".
    return (
        path in ("", ":memory:")
        or path.startswith("file::memory:")
        or url.query.get("mode") == "memory"
    )


def _allowed_by_env(url: URL) -> bool:
    allowed = os.environ.get(ALLOW_ENV, "").strip()
    if not allowed:
        return False
    if url.get_backend_name() != "sqlite":
        return allowed == (url.database or "")
    path = url.database or ""
    # The same file may be spelled relative or absolute; compare the resolved paths too.
    return allowed == path or Path(allowed).resolve() == Path(path).resolve()


def _refusal_message(url: URL, name: str) -> str:
    if url.get_backend_name() == "sqlite":
        what = f"SQLite database {url.database!r} (name {name!r})"
        allow_value = url.database
        rename = (
            f"rename the file so its name ends in '_test' or '_contract' (e.g. {name}_contract.db)"
        )
    else:
        what = f"database {name!r}"
        allow_value = name
        rename = f"use a database whose name ends in '_test' or '_contract' (e.g. {name}_contract)"
    return (
        f"Refusing to reset {what} at {url.render_as_string(hide_password=True)}: "
        "it is not designated for contract testing, and a reset deletes every row in it.\n"
        "Rule: a database is designated when its name ends in '_test' or '_contract' "
        "(for SQLite, the file name without its extension), when it is an in-memory SQLite "
        f"database, or when {ALLOW_ENV} names it exactly.\n"
        f"Fix: {rename} and point DATABASE_URL at it, "
        f"or, if every row in it is disposable, set {ALLOW_ENV}={allow_value}"
    )
