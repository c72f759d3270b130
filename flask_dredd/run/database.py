"""Database URLs for a contract run: parse them, reach the server, create what is missing.

The runner calls these before anything else starts, so that a wrong or unreachable
``DATABASE_URL`` ends the run within seconds with a message that says what to fix,
instead of surfacing later as a gunicorn worker crash or a hook timeout.

:func:`open_run_database` is the run's database phase up to migration: the guard on the
URL's name, SQLite's file rules, creating the database if missing (only ever the one the
URL names), and the guard on the database a real connection reports, all before any write.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from flask_dredd.errors import FlaskDreddError

if TYPE_CHECKING:
    from flask_dredd.isolation.actual import OpenedDatabase

#: How long a connection attempt may take before we call the server unreachable.
CONNECT_TIMEOUT_SECONDS = 5

SUPPORTED_BACKENDS = ("sqlite", "postgresql")


class DatabaseError(FlaskDreddError, RuntimeError):
    """A database problem the user must fix; the message says what and how."""


def default_sqlite_url(root: Path, name: str) -> str:
    """The zero-setup default: a SQLite file ``var/<name>.db`` under ``root``."""
    return f"sqlite:///{(root / 'var' / f'{name}.db').resolve()}"


def parse_url(raw: str) -> URL:
    """Parse ``raw`` into a SQLAlchemy URL, or explain what a valid one looks like."""
    example = (
        "examples: sqlite:///var/myapp_contract.db, "
        "postgresql://postgres@127.0.0.1:5432/myapp_contract"
    )
    try:
        url = make_url(raw)
    except ArgumentError:
        raise DatabaseError(f"DATABASE_URL {raw!r} is not a database URL ({example})") from None
    if url.drivername == "postgres":  # Heroku's spelling, which the app accepts too
        url = url.set(drivername="postgresql+psycopg2")
    if url.get_backend_name() not in SUPPORTED_BACKENDS:
        raise DatabaseError(
            f"DATABASE_URL uses {url.get_backend_name()!r}; flask-dredd supports "
            f"{', '.join(SUPPORTED_BACKENDS)} ({example})"
        )
    if not url.database:
        raise DatabaseError(f"DATABASE_URL {raw!r} names no database ({example})")
    if url.get_backend_name() == "postgresql" and url.get_driver_name() not in (
        "psycopg2",
        "postgresql",
    ):
        # Only psycopg2 is a dependency; another driver would fail at import time.
        url = url.set(drivername="postgresql+psycopg2")
    return url


#: PostgreSQL query parameters that name a database of their own: a run never creates one.
NAMING_PARAMETERS = frozenset({"dbname", "database", "service", "servicefile", "dsn"})

IN_MEMORY_REFUSAL = (
    "DATABASE_URL names an in-memory SQLite database ({database!r}), which a run cannot "
    "use: the server's workers and the hooks each open their own connection, and each "
    "would get its own empty database. Use a file, e.g. sqlite:///var/myapp_contract.db "
    "(or unset DATABASE_URL for the default)."
)


def refuse_in_memory(raw: str) -> None:
    """DatabaseError for an in-memory SQLite URL, before anything else of a run starts
    (the hooks' app would be judged against a database no process can share)."""
    from flask_dredd.isolation.guard import sqlite_in_memory

    try:
        url = parse_url(raw)
    except DatabaseError:
        return  # the database phase says what is wrong with it
    if url.get_backend_name() == "sqlite" and sqlite_in_memory(url):
        raise DatabaseError(IN_MEMORY_REFUSAL.format(database=url.database or ""))


def open_run_database(url: URL, root: Path) -> tuple[URL, bool, OpenedDatabase]:
    """Guard, create if missing, and judge the database a real connection opens.

    Returns the URL the run's processes must use (a relative SQLite path made absolute
    under ``root``, since each Flask app would read it against its own instance folder),
    whether the database was created, and what the connection reported. Raises
    ``UnsafeDatabaseError`` or :class:`DatabaseError`; nothing is written before both
    guard checks pass.
    """
    # Imported here: the isolation package is heavy, and `flask dredd --help` needs none of it.
    from flask_dredd.isolation.guard import check_url_name, sqlite_in_memory

    check_url_name(url)  # before anything is created under that name
    if url.get_backend_name() == "sqlite":
        if sqlite_in_memory(url):
            raise DatabaseError(IN_MEMORY_REFUSAL.format(database=url.database or ""))
        url = absolute_sqlite_url(url, root)
        created = ensure_database(url, root)  # the folder; connecting creates the file
        opened = _open_and_judge(url)
        if opened.in_memory:
            raise DatabaseError(IN_MEMORY_REFUSAL.format(database=url.database or ""))
        return url, created, opened
    # PostgreSQL: judge first what the URL really opens, so that a refused URL creates
    # nothing; only when that fails (the database is missing) create it and judge again.
    try:
        return url, False, _open_and_judge(url)
    except DatabaseError:
        if NAMING_PARAMETERS & {key.lower() for key in url.query}:
            raise  # the query names the database: creating the path's one would be a guess
        created = ensure_database(url, root)  # an unreachable server is reported here
    return url, created, _open_and_judge(url)


def _open_and_judge(url: URL) -> OpenedDatabase:
    from flask_dredd.isolation.actual import check_url_connection

    connect_args = {} if url.get_backend_name() == "sqlite" else _connect_timeout()
    try:
        return check_url_connection(url, connect_args)
    except (SQLAlchemyError, TypeError, ValueError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseError(
            f"cannot open the database at {url.render_as_string()}: {reason}"
        ) from None


def ensure_database(url: URL, root: Path | None = None) -> bool:
    """Make sure the database exists; create it if missing. Returns True if created.

    SQLite: a missing folder is created only under ``root`` (the project); elsewhere the
    user creates it. PostgreSQL: only the database the URL names is ever created.
    """
    if url.get_backend_name() == "sqlite":
        return _ensure_sqlite_folder(url, root)
    return _ensure_postgres_database(url)


def absolute_sqlite_url(url: URL, root: Path) -> URL:
    """``url`` with a relative SQLite path (plain or ``file:`` URI) made absolute under root."""
    from flask_dredd.isolation.guard import sqlite_uri

    database = url.database or ""
    if not sqlite_uri(url):
        return url if os.path.isabs(database) else url.set(database=str(root / database))
    split = urlsplit(database)
    if split.netloc or split.path.startswith("/"):
        return url
    rest = database[len("file:") :] if database.startswith("file:") else database
    return url.set(database=f"file:{quote(str(root))}/{rest}")


def _ensure_sqlite_folder(url: URL, root: Path | None) -> bool:
    from flask_dredd.isolation.guard import sqlite_path

    path = Path(os.path.abspath(sqlite_path(url)))
    if path.is_dir():
        raise DatabaseError(f"the SQLite database {path} is a folder; name a file in it")
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise DatabaseError(
            f"cannot create the SQLite database {path}: {ancestor} is a file, not a folder. "
            "Point DATABASE_URL at a file in a folder, e.g. sqlite:///var/myapp_contract.db"
        )
    if not path.parent.exists():
        project = Path(os.path.abspath(root)) if root is not None else None
        if project is None or not path.parent.is_relative_to(project):
            raise DatabaseError(
                f"the folder {path.parent} of the SQLite database does not exist, and "
                f"flask-dredd creates folders only inside the project ({project}). Create it "
                f"yourself (mkdir -p {path.parent}) or use a path in the project, e.g. "
                "sqlite:///var/myapp_contract.db"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"cannot create the folder {path.parent}: {exc}") from None
    return not path.exists()


def _ensure_postgres_database(url: URL) -> bool:
    try:
        import psycopg2
        import psycopg2.errors
        from psycopg2 import sql
    except ImportError:
        raise DatabaseError(
            "DATABASE_URL names a PostgreSQL database, and its driver psycopg2 is not "
            "installed: pip install 'flask-dredd[postgres]'"
        ) from None

    # The target may not exist yet, so connect to the server's maintenance database.
    server = _psycopg2_params(url, dbname="postgres")
    try:
        conn = psycopg2.connect(**server)
    except psycopg2.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseError(
            f"cannot reach PostgreSQL at {url.host or 'localhost'}:{url.port or 5432} "
            f"within {CONNECT_TIMEOUT_SECONDS} s: {reason}. Start the server, or fix "
            "DATABASE_URL (user, host, port), or unset it to use SQLite."
        ) from None
    try:
        conn.autocommit = True  # CREATE DATABASE cannot run inside a transaction
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (url.database,))
            if cur.fetchone():
                return False
            try:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(url.database)))
            except (psycopg2.errors.DuplicateDatabase, psycopg2.errors.UniqueViolation):
                return False  # another run created it just now; the database lock decides
            return True
    finally:
        conn.close()


def _psycopg2_params(url: URL, dbname: str) -> dict[str, object]:
    from flask_dredd.isolation.guard import TARGET_PARAMETERS

    params: dict[str, object] = {
        "dbname": dbname,
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
    }
    for key, value in (
        ("user", url.username),
        ("password", url.password),
        ("host", url.host),
        ("port", url.port),
    ):
        if value is not None:
            params[key] = value
    # The server-locating parameters (a socket folder in ?host=) stay, so the database is
    # created where the app will look; none that name another database (?dbname=,
    # ?service=) reach this connection, which must only ever create `url.database`.
    server_location = {"host", "hostaddr", "port"}
    params.update(
        {
            k: v
            for k, v in url.query.items()
            if isinstance(v, str)
            and (k.lower() not in TARGET_PARAMETERS["postgresql"] or k.lower() in server_location)
        }
    )
    return params


def _connect_timeout() -> dict[str, object]:
    return {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
