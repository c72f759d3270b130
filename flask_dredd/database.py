"""Database URLs for a contract run: parse them, reach the server, create what is missing.

The runner calls these before anything else starts, so that a wrong or unreachable
``DATABASE_URL`` ends the run within seconds with a message that says what to fix,
instead of surfacing later as a gunicorn worker crash or a hook timeout.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

#: How long a connection attempt may take before we call the server unreachable.
CONNECT_TIMEOUT_SECONDS = 5

SUPPORTED_BACKENDS = ("sqlite", "postgresql")


class DatabaseError(RuntimeError):
    """A database problem the user must fix; the message says what and how."""


def default_sqlite_url(root: Path, name: str) -> str:
    """The zero-setup default: a SQLite file ``var/<name>.db`` under ``root``."""
    return f"sqlite:///{(root / 'var' / f'{name}.db').resolve()}"


def parse_url(raw: str) -> URL:
    """Parse ``raw`` into a SQLAlchemy URL, or explain what a valid one looks like."""
    example = (
        "examples: sqlite:///var/eventapi_contract.db, "
        "postgresql://postgres@127.0.0.1:5432/eventapi_contract"
    )
    try:
        url = make_url(raw)
    except ArgumentError:
        raise DatabaseError(f"DATABASE_URL {raw!r} is not a database URL ({example})") from None
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


def ensure_database(url: URL) -> bool:
    """Make sure the database exists; create it if missing. Returns True if created."""
    if url.get_backend_name() == "sqlite":
        return _ensure_sqlite_file(url)
    return _ensure_postgres_database(url)


def _ensure_sqlite_file(url: URL) -> bool:
    if url.database in (None, "", ":memory:"):
        return False
    path = Path(url.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    return not path.exists()


def _ensure_postgres_database(url: URL) -> bool:
    import psycopg2
    import psycopg2.errors
    from psycopg2 import sql

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
    params.update({k: v for k, v in url.query.items() if isinstance(v, str)})
    return params

