"""The safety guard's rule: which databases a reset (and a run) may touch.

A reset deletes every row it did not create, so pointing it at a development or
production database by mistake would be a disaster. A database is *designated* when

- its name ends in ``_test`` or ``_contract`` (PostgreSQL: the database's name; SQLite:
  the file's name without its extension, so ``var/eventapi_contract.db`` is designated), or
- it is an in-memory SQLite database (it dies with the process), or
- ``FLASK_DREDD_ALLOW_DATABASE`` names exactly that database: character for character
  (nothing stripped), its name, or for SQLite its file's path (as the connection
  reports it: absolute, symbolic links resolved; a relative one is read against the
  working directory; a symbolic link's path never allows its target).

On SQLite a file with more than one hard link is refused even when its name is
designated, unless the variable names its exact path: another name reaches its rows.

The rule is applied twice. This module judges a URL alone (:func:`check_url_name`, a
necessary condition checked before anything connects or is created); the decisive check
is on the database the driver actually opened (:mod:`.actual`), because a URL's query
can send the driver elsewhere: ``…/x_contract?dbname=precious`` names one database and
opens another. A URL judged alone (:func:`is_designated`) is therefore only designated
when nothing in its query can change the target.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from sqlalchemy.engine import URL, make_url

from flask_dredd.errors import IsolationError

ALLOW_ENV = "FLASK_DREDD_ALLOW_DATABASE"
DESIGNATED_SUFFIXES = ("_test", "_contract")

#: Query parameters that can make the driver open another database (or server) than the
#: URL names. They are refused unless a connection proves the target designated.
TARGET_PARAMETERS: dict[str, frozenset[str]] = {
    "postgresql": frozenset(
        {
            "dbname",
            "database",
            "service",
            "servicefile",
            "host",
            "hostaddr",
            "port",
            "options",
            "passfile",
            "target_session_attrs",
            "load_balance_hosts",
            "dsn",
        }
    ),
    "sqlite": frozenset({"uri", "mode", "vfs", "immutable", "modeof"}),
}


class UnsafeDatabaseError(IsolationError):
    """Raised instead of touching a database that is not designated for contract testing."""

    def __init__(self, message: str, url: URL | None = None, name: str = "") -> None:
        self.url = url
        self.database_name = name
        super().__init__(message)


def designated_name(name: str) -> bool:
    """The naming half of the rule: ``name`` ends in one of the designated suffixes."""
    return name.endswith(DESIGNATED_SUFFIXES)


def allowed_by_env(backend: str, name_or_path: str) -> bool:
    """``FLASK_DREDD_ALLOW_DATABASE`` names exactly this database.

    Exactly: nothing is stripped, no link is followed, no ``..`` is folded. A SQLite
    path may be spelt relative to the working directory (joined to it, as the driver
    does); the decisive check compares the path the connection reports, symbolic links
    resolved, so allowing a link's path never allows the file it points to.
    """
    allowed = os.environ.get(ALLOW_ENV, "")
    if not allowed or not name_or_path:
        return False
    if backend != "sqlite":
        return allowed == name_or_path
    return _joined(allowed) == _joined(name_or_path)


def _joined(path: str) -> str:
    """``path`` against the working directory, as spelt (no normalisation, no links)."""
    return path if os.path.isabs(path) else os.path.join(os.getcwd(), path)


def database_name(url: str | URL) -> str:
    """The name the rule looks at in a URL: the SQLite file's stem, or the database's name."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        return Path(path).stem if path else ""
    return url.database or ""


def target_parameters(url: str | URL) -> list[str]:
    """The query parameters of ``url`` that can change which database the driver opens."""
    url = make_url(url)
    risky = TARGET_PARAMETERS.get(url.get_backend_name(), frozenset())
    return sorted(key for key in url.query if key.lower() in risky)


def sqlite_uri(url: URL) -> bool:
    """pysqlite reads the path as a ``file:`` URI (``?uri=true``)."""
    value = url.query.get("uri", "")
    value = value[-1] if isinstance(value, tuple) else value
    return value.strip().lower() in ("true", "yes", "on", "y", "t", "1")


def sqlite_in_memory(url: URL) -> bool:
    """The URL, read as pysqlite reads it, names an in-memory database."""
    if url.get_backend_name() != "sqlite":
        return False
    path = url.database or ""
    if not sqlite_uri(url):
        return path in ("", ":memory:")
    split = urlsplit(path)
    query = dict(parse_qsl(split.query))
    query.update({k: v for k, v in url.query.items() if isinstance(v, str)})
    return unquote(split.path) in ("", ":memory:") or query.get("mode") == "memory"


def sqlite_path(url: URL) -> str:
    """The file pysqlite opens for ``url`` as spelt (relative paths stay relative); "" in memory."""
    if sqlite_in_memory(url):
        return ""
    path = url.database or ""
    if not sqlite_uri(url):
        return path
    split = urlsplit(path)  # file:name, file:/abs, file:///abs, file://localhost/abs
    return unquote(split.path)


def check_url_name(url: str | URL) -> None:
    """Raise unless the database ``url`` names is designated (its query is not judged).

    A necessary condition, checked before anything connects to or creates the database;
    the connection check (:mod:`.actual`) decides.
    """
    url = make_url(url)
    if sqlite_in_memory(url):
        return
    name = database_name(url)
    path_or_name = sqlite_path(url) if url.get_backend_name() == "sqlite" else name
    if designated_name(name) or allowed_by_env(url.get_backend_name(), path_or_name):
        return
    raise UnsafeDatabaseError(refusal_message(url, name, path_or_name), url, name)


def is_designated(url: str | URL) -> bool:
    """True when the URL alone proves a reset may touch its database.

    A URL whose query can change the target (``?dbname=…``, ``?host=…``, SQLite
    ``?uri=true``, …) is not designated by this function, unless it spells an in-memory
    SQLite database: only a connection can tell where the driver really went.
    """
    try:
        check_designated(url)
    except UnsafeDatabaseError:
        return False
    return True


def check_designated(url: str | URL) -> None:
    """Raise :class:`UnsafeDatabaseError` unless the URL alone proves its database designated."""
    url = make_url(url)
    check_url_name(url)
    if sqlite_in_memory(url):
        return
    risky = target_parameters(url)
    if risky:
        raise UnsafeDatabaseError(
            f"Refusing to reset the database at {url.render_as_string(hide_password=True)} "
            "on the strength of its URL alone: its query parameters "
            f"{', '.join(risky)} can make the driver open another database than the one "
            "it names. Only a connection can prove which database that is (flask-dredd "
            "checks every connection it uses); or drop those parameters.",
            url,
            database_name(url),
        )


def refusal_message(url: URL, name: str, path_or_name: str, opened: str = "") -> str:
    """What a refusal says: the database, the rule, and both fixes."""
    where = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite":
        what = f"SQLite database {path_or_name!r} (name {name!r})"
        rename = (
            f"rename the file so its name ends in '_test' or '_contract' (e.g. {name}_contract.db)"
        )
    else:
        what = f"database {name!r}"
        rename = f"use a database whose name ends in '_test' or '_contract' (e.g. {name}_contract)"
    opened_note = f" ({opened})" if opened else ""
    risky = target_parameters(url)
    query_note = (
        f"\nThe URL's query parameters {', '.join(risky)} can change which database the "
        "driver opens; flask-dredd judges the database the connection reports, not the name "
        "in the URL."
        if risky
        else ""
    )
    if url.get_backend_name() == "sqlite" and "mode" in url.query and not sqlite_uri(url):
        query_note += (
            "\nSQLite reads ?mode= only together with ?uri=true: this URL opens the file "
            "itself, not an in-memory database."
        )
    return (
        f"Refusing to reset {what}{opened_note} at {where}: "
        "it is not designated for contract testing, and a reset deletes every row in it."
        f"{query_note}\n"
        "Rule: a database is designated when its name ends in '_test' or '_contract' "
        "(for SQLite, the file name without its extension), when it is an in-memory SQLite "
        f"database, or when {ALLOW_ENV} names it exactly.\n"
        f"Fix: {rename} and point DATABASE_URL at it, "
        f"or, if every row in it is disposable, set {ALLOW_ENV}={path_or_name}"
    )
