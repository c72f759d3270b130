"""Settings, one class per way of running the API.

`create_app` picks a class by name (argument or ``EVENTAPI_CONFIG``) and then applies the
environment (`environment_overrides`). The contract hooks do the same to boot a bare app
bound to the server's database, so both processes always agree on the database and key.
"""

import os
from pathlib import Path


class Config:
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None  # from DATABASE_URL
    DATABASE_IN_INSTANCE_FOLDER = False  # without DATABASE_URL, use instance/eventapi.db
    JWT_ALGORITHM = "HS256"
    JWT_TTL_SECONDS = 3600
    # werkzeug's default (scrypt) is deliberately slow; tests use a cheaper method.
    PASSWORD_HASH_METHOD = "scrypt"
    DEFAULT_PER_PAGE = 20
    MAX_PER_PAGE = 100
    # A JSON API has no use for big bodies: anything larger is refused with a JSON 413.
    MAX_CONTENT_LENGTH = 64 * 1024

    # Browser clients: a server-side session (a row in login_sessions) named by an
    # HttpOnly cookie, valid for SESSION_LIFETIME_SECONDS after login or the last ping.
    SESSION_LIFETIME_SECONDS = 30 * 60
    SESSION_COOKIE_NAME = "session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # Expired session rows are kept this long (their cookie gets "session_expired", not
    # "session_invalid"), then purged at every login and, at most once per interval in
    # each worker process, when a request reads a session.
    SESSION_EXPIRED_RETENTION_SECONDS = 60 * 60
    SESSION_PURGE_INTERVAL_SECONDS = 5 * 60
    # Flask-SeaSurf: unsafe requests of a cookie session carry the session's CSRF token in
    # X-CSRFToken. The CSRF cookie is how a page's script learns the token, so it cannot
    # be HttpOnly; the session cookie, which no script needs, is.
    CSRF_COOKIE_NAME = "csrf_token"
    CSRF_HEADER_NAME = "X-CSRFToken"
    CSRF_COOKIE_HTTPONLY = False
    CSRF_COOKIE_SAMESITE = "Lax"
    CSRF_COOKIE_SECURE = False
    CSRF_DISABLE = False  # SeaSurf would otherwise turn itself off whenever TESTING is set
    # Only views that opt in are checked by SeaSurf itself; `eventapi.auth.csrf` calls its
    # validation for every unsafe request of a cookie session, and never for a bearer token.
    SEASURF_INCLUDE_OR_EXEMPT_VIEWS = "include"


class DevelopmentConfig(Config):
    SECRET_KEY = "development-key-not-secret-0000000000"
    DATABASE_IN_INSTANCE_FOLDER = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-key-not-secret-00000000000000"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class ContractConfig(Config):
    """What Dredd runs against: like production, with fixed non-secret defaults."""

    SECRET_KEY = "contract-key-not-secret-0000000000000"
    # Absolute, because Flask-SQLAlchemy resolves relative SQLite paths against each app's
    # instance folder, and the server and the hooks' bare app have different ones.
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{Path('var/eventapi_contract.db').resolve()}"
    # Contract runs hash throwaway passwords on every login and sign-up; scrypt would make
    # those transactions ten times slower than the rest for no gain in what is tested.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


class ProductionConfig(Config):
    # Cookies travel over HTTPS only.
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "contract": ContractConfig,
    "production": ProductionConfig,
}


def config_class(name: str | None = None) -> type[Config]:
    """The settings class called `name`, else ``EVENTAPI_CONFIG``, else development."""
    name = name or os.environ.get("EVENTAPI_CONFIG") or "development"
    try:
        return CONFIGS[name]
    except KeyError:
        known = ", ".join(CONFIGS)
        raise ValueError(f"unknown EventAPI config {name!r}; choose one of: {known}") from None


def environment_overrides() -> dict[str, str]:
    """Settings the environment provides: ``DATABASE_URL`` and ``SECRET_KEY``."""
    overrides = {}
    if url := os.environ.get("DATABASE_URL"):
        overrides["SQLALCHEMY_DATABASE_URI"] = with_postgres_driver(url)
    if secret := os.environ.get("SECRET_KEY"):
        overrides["SECRET_KEY"] = secret
    return overrides


def with_postgres_driver(url: str) -> str:
    """Name psycopg2 in a driverless PostgreSQL URL.

    psycopg2 is the driver we depend on, but SQLAlchemy 2.1 defaults ``postgresql://`` to
    psycopg 3; Heroku-style ``postgres://`` is not accepted at all.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url.removeprefix(prefix)
    return url
