"""Scratch databases for the isolation tests: a SQLite file and a PostgreSQL database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from .support import normalise

# The same variable the end-to-end tests read: a server URL without a database.
PG_SERVER = os.environ.get("FLASK_DREDD_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


def postgres_url(database: str) -> URL:
    return normalise(PG_SERVER).set(database=database)


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    engine = create_engine(
        postgres_url("postgres"),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"connect_timeout": 3},
    )
    try:
        engine.connect().close()
    except OperationalError as error:
        pytest.skip(
            f"PostgreSQL is not reachable at {PG_SERVER} (FLASK_DREDD_TEST_PG): {error.orig}"
        )
    yield engine
    engine.dispose()


@contextmanager
def postgres_database(admin: Engine, name: str) -> Iterator[URL]:
    """A fresh PostgreSQL database, dropped afterwards whatever happens."""
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_url(name)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgresql_test_url(postgres_admin: Engine) -> Iterator[URL]:
    # The pid keeps two test runs on one server apart; the suffix designates it.
    with postgres_database(postgres_admin, f"flask_dredd_iso_{os.getpid()}_test") as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_test_url(tmp_path_factory: pytest.TempPathFactory) -> URL:
    path: Path = tmp_path_factory.mktemp("isolation") / "flask_dredd_iso_test.db"
    return normalise(f"sqlite:///{path}")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> URL:
    """Each test that uses it runs once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_test_url")
