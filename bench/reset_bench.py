"""Reset cost per Dredd transaction, for every strategy, side by side in one run.

    .venv/bin/python bench/reset_bench.py            # 10, 50, 100, 200 tables; a few minutes
    .venv/bin/python bench/reset_bench.py --quick    # 10 and 100 tables, few rounds

A synthetic schema of N tables (two with static rows that others reference, some
foreign keys between the rest). Each round simulates one transaction: the "server"
(its own pooled engine) inserts a few rows into 1-3 random tables, then the hooks
reset. Strategies take turns inside every round, each on its own database, so they
share the same machine conditions. Prints the median ms per reset and the ratio to
``rebuild``. PostgreSQL from $FLASK_DREDD_TEST_PG (default 127.0.0.1:5432), skipped
when unreachable; scratch databases end in ``_test`` and are dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Column, Engine, ForeignKey, Integer, MetaData, String, Table, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from flask_dredd.isolation import STRATEGIES, Isolation

PG_SERVER = os.environ.get("FLASK_DREDD_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
STATIC_TABLES = ("static_0", "static_1")
STATIC_ROWS = 3
WARMUP_ROUNDS = 3
SETTLE_SECONDS = 0.05


def synthetic_schema(size: int) -> SQLAlchemy:
    """``size`` tables: two static ones, every third table references one of them,
    every fourth references the table before it (nullable, like an optional parent)."""
    db = SQLAlchemy(metadata=MetaData())
    for name in STATIC_TABLES:
        Table(
            name, db.metadata, Column("id", Integer, primary_key=True), Column("name", String(40))
        )
    for index in range(len(STATIC_TABLES), size):
        columns: list[Column] = [
            Column("id", Integer, primary_key=True),
            Column("name", String(40)),
        ]
        if index % 3 == 0:
            parent = STATIC_TABLES[index % 2]
            columns.append(Column("static_id", ForeignKey(f"{parent}.id"), nullable=False))
        if index % 4 == 0 and index > len(STATIC_TABLES):
            columns.append(Column("parent_id", ForeignKey(f"table_{index - 1}.id"), nullable=True))
        Table(f"table_{index}", db.metadata, *columns)
    return db


def static_rows_seed(db: SQLAlchemy) -> Callable[[Session], None]:
    def seed(session: Session) -> None:
        for name in STATIC_TABLES:
            rows = [{"id": row, "name": f"{name} {row}"} for row in range(1, STATIC_ROWS + 1)]
            session.execute(db.metadata.tables[name].insert(), rows)

    return seed


def simulate_transaction(
    server: Engine, db: SQLAlchemy, rng: random.Random, every_table: bool = False
) -> None:
    """What a Dredd transaction's fixtures and request write: a few rows in 1-3 tables."""
    writable = [t for t in db.metadata.sorted_tables if t.name not in STATIC_TABLES]
    with server.begin() as connection:
        for table in writable if every_table else rng.sample(writable, rng.randint(1, 3)):
            rows = [
                {"name": "row", **({"static_id": 1} if "static_id" in table.c else {})}
                for _ in range(rng.randint(1, 5))
            ]
            connection.execute(table.insert(), rows)


@dataclass
class Contestant:
    strategy: str
    app: Flask
    isolation: Isolation
    server: Engine
    timings: list[float] = field(default_factory=list)

    def reset(self) -> None:
        # Let the previous contestant's I/O (a TRUNCATE or DROP SCHEMA of hundreds of
        # tables leaves plenty) settle first: in a real run no other database's reset
        # comes right before ours, an HTTP request does.
        time.sleep(SETTLE_SECONDS)
        with self.app.app_context():
            started = time.perf_counter()
            self.isolation.reset()
            self.timings.append((time.perf_counter() - started) * 1000)


def measure(urls: dict[str, URL], size: int, rounds: int, seed_value: int) -> dict[str, float]:
    db = synthetic_schema(size)
    contestants = []
    for strategy, url in urls.items():
        app = Flask(f"bench_{strategy}")
        app.config["SQLALCHEMY_DATABASE_URI"] = url.render_as_string(hide_password=False)
        db.init_app(app)
        isolation = Isolation(db, seed=static_rows_seed(db), strategy=strategy)
        with app.app_context():
            isolation.prepare()
        server = create_engine(url, pool_size=2)
        contestants.append(Contestant(strategy, app, isolation, server))
    rng = random.Random(seed_value)
    try:
        # Warm up: a PostgreSQL connection pays once for each table it first touches
        # (catalog caches), and a long run pays it once; steady state is what we compare.
        for _ in range(WARMUP_ROUNDS):
            for contestant in contestants:
                simulate_transaction(contestant.server, db, rng, every_table=True)
                contestant.reset()
                contestant.timings.clear()
        for round_ in range(rounds):
            first = round_ % len(contestants)  # rotate who goes first
            order = contestants[first:] + contestants[:first]
            choice = rng.random()
            for contestant in order:
                simulate_transaction(contestant.server, db, random.Random(choice))
                contestant.reset()
        return {c.strategy: statistics.median(c.timings) for c in contestants}
    finally:
        for contestant in contestants:
            contestant.server.dispose()
            with contestant.app.app_context():
                db.engine.dispose()


@contextmanager
def sqlite_databases() -> Iterator[dict[str, URL]]:
    with tempfile.TemporaryDirectory(prefix="reset_bench_") as directory:
        yield {
            s: make_url(f"sqlite:///{Path(directory) / f'bench_{s}_test.db'}") for s in STRATEGIES
        }


@contextmanager
def postgres_databases() -> Iterator[dict[str, URL] | None]:
    server = make_url(PG_SERVER)
    if server.drivername == "postgresql":  # SQLAlchemy 2.1 would pick psycopg 3
        server = server.set(drivername="postgresql+psycopg2")
    admin = create_engine(
        server.set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"connect_timeout": 3},
    )
    names = {s: f"flask_dredd_bench_{s}_{os.getpid()}_test" for s in STRATEGIES}
    try:
        with admin.connect() as connection:
            for name in names.values():
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as error:
        print(f"PostgreSQL skipped: not reachable at {PG_SERVER}: {error.orig}", file=sys.stderr)
        yield None
        return
    try:
        yield {s: server.set(database=name) for s, name in names.items()}
    finally:
        with admin.connect() as connection:
            for name in names.values():
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 and 100 tables, 10 rounds")
    parser.add_argument("--rounds", type=int, help="measured resets per strategy and size")
    parser.add_argument("--sizes", help="comma-separated table counts, e.g. 10,100")
    args = parser.parse_args()
    sizes = [
        int(s) for s in (args.sizes or ("10,100" if args.quick else "10,50,100,200")).split(",")
    ]
    rounds = args.rounds or (10 if args.quick else 20)
    strategies = list(STRATEGIES)

    results: dict[tuple[str, int], dict[str, float]] = {}
    with ExitStack() as stack:
        databases = {"PostgreSQL": stack.enter_context(postgres_databases())}
        databases["SQLite"] = stack.enter_context(sqlite_databases())
        for dialect, urls in databases.items():
            for size in sizes if urls else []:
                print(f"measuring {dialect}, {size} tables ...", file=sys.stderr, flush=True)
                results[dialect, size] = measure(urls, size, rounds, seed_value=size)

    header = f"{'database':<11} {'tables':>6}" + "".join(f" {s + ' ms':>12}" for s in strategies)
    header += "".join(f" {s + ' vs rebuild':>20}" for s in strategies if s != "rebuild")
    print(f"\nmedian ms per reset over {rounds} transactions (each touched 1-3 tables)\n")
    print(header)
    print("-" * len(header))
    for (dialect, size), timing in results.items():
        line = f"{dialect:<11} {size:>6}" + "".join(f" {timing[s]:>12.2f}" for s in strategies)
        line += "".join(
            f" {timing['rebuild'] / timing[s]:>19.1f}x" for s in strategies if s != "rebuild"
        )
        print(line)
    print_targets(results, sizes)
    return 0


def print_targets(results: dict[tuple[str, int], dict[str, float]], sizes: list[int]) -> None:
    pg = {size: t for (dialect, size), t in results.items() if dialect == "PostgreSQL"}
    if 100 in pg:
        speedup = pg[100]["rebuild"] / pg[100]["tracked"]
        print(
            f"\ntracked vs rebuild, 100 tables, PostgreSQL: {speedup:.1f}x faster (target >= 20x)"
        )
    if 10 in pg and max(sizes) in pg and max(sizes) > 10:
        growth = pg[max(sizes)]["tracked"] / pg[10]["tracked"]
        print(
            f"tracked, {max(sizes)} vs 10 tables, PostgreSQL: {growth:.2f}x its cost"
            " (target <= 1.5x)"
        )


if __name__ == "__main__":
    sys.exit(main())
