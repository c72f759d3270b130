"""A throwaway PostgreSQL database for one test: reachable first, dropped afterwards.

The e2e, reliability and adoption fixtures each name theirs (every name stays designated
for contract testing); this is the one place that checks the server and drops the database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import pytest

PG_SERVER = os.environ.get("FLASK_DREDD_TEST_PG", "postgresql://postgres@127.0.0.1:5432")


@contextmanager
def scratch_database(name: str) -> Iterator[str]:
    """The URL of database ``name`` on the test server (not created), dropped afterwards."""
    try:
        psycopg2.connect(f"{PG_SERVER}/postgres", connect_timeout=3).close()
    except psycopg2.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_SERVER} ({exc}); .ci/run starts it")
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        conn = psycopg2.connect(f"{PG_SERVER}/postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()
