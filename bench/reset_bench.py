"""Reset cost per Dredd transaction, for every strategy and schema size, side by side.

    .venv/bin/python bench/reset_bench.py            # 10, 50, 100, 200 tables; a few minutes
    .venv/bin/python bench/reset_bench.py --quick    # 10 and 100 tables, fewer rounds

A synthetic schema of N tables: two with static rows that others reference, some
foreign keys between the rest. A transaction: the "server" (its own pooled engine)
inserts a few rows into 1-3 random tables, then the hooks reset. Every (size,
strategy) pair has its own database and replays the same transactions; the pairs take
turns in blocks of a few resets, in a new order every time, so that they all share
the machine's conditions, which on a busy machine drift a lot within minutes. Prints
the median ms per reset and the ratio to ``rebuild``.

Each block starts with an untimed warm-up transaction that writes every table. On
PostgreSQL a neighbour's rebuild or TRUNCATE of hundreds of tables floods the shared
invalidation queue, which resets every connection's catalog caches, even in other
databases: a real run, one strategy on one database, never pays that between two
resets, so the warm-up keeps it out of the comparison. (rebuild has no caches to
warm: it recreates every table each time.)

PostgreSQL from $FLASK_DREDD_TEST_PG (default 127.0.0.1:5432), skipped when
unreachable; scratch databases end in ``_test`` and are dropped afterwards.
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
BLOCK = 5  # timed resets in a row per (size, strategy), after one warm-up
SETTLE_SECONDS = 0.05

Key = tuple[int, str]  # (number of tables, strategy)


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


@dataclass
class Contestant:
    """One strategy on one database with one schema size."""

    key: Key
    db: SQLAlchemy
    app: Flask
    isolation: Isolation
    server: Engine
    timings: list[float] = field(default_factory=list)

    @classmethod
    def start(cls, key: Key, db: SQLAlchemy, url: URL) -> Contestant:
        app = Flask(f"bench_{key[1]}_{key[0]}")
        app.config["SQLALCHEMY_DATABASE_URI"] = url.render_as_string(hide_password=False)
        db.init_app(app)
        isolation = Isolation(db, seed=static_rows_seed(db), strategy=key[1])
        with app.app_context():
            isolation.prepare()
        return cls(key, db, app, isolation, server=create_engine(url, pool_size=1))

    def transaction(self, seed: float, every_table: bool = False) -> None:
        """What a Dredd transaction's fixtures and request write: a few rows in 1-3 tables."""
        rng = random.Random(seed)
        writable = [t for t in self.db.metadata.sorted_tables if t.name not in STATIC_TABLES]
        with self.server.begin() as connection:
            for table in writable if every_table else rng.sample(writable, rng.randint(1, 3)):
                static = {"static_id": 1} if "static_id" in table.c else {}
                rows = [{"name": "row", **static} for _ in range(rng.randint(1, 5))]
                connection.execute(table.insert(), rows)

    def reset(self, timed: bool = True) -> None:
        # Let the previous contestant's I/O (a TRUNCATE or DROP SCHEMA of hundreds of
        # tables leaves plenty) settle first: in a real run an HTTP request, not another
        # database's reset, comes right before ours.
        time.sleep(SETTLE_SECONDS)
        with self.app.app_context():
            started = time.perf_counter()
            self.isolation.reset()
            if timed:
                self.timings.append((time.perf_counter() - started) * 1000)

    def block(self, seeds: list[float]) -> None:
        if self.key[1] != "rebuild":
            self.transaction(0, every_table=True)
            self.reset(timed=False)
        for seed in seeds:
            self.transaction(seed)
            self.reset()

    def stop(self) -> None:
        self.server.dispose()
        with self.app.app_context():
            self.db.engine.dispose()


def measure(urls: dict[Key, URL], rounds: int, rng: random.Random) -> dict[Key, float]:
    """Median ms per reset of every (size, strategy), blocks interleaved."""
    schemas = {size: synthetic_schema(size) for size, _ in urls}
    contestants: list[Contestant] = []
    seeds = [rng.random() for _ in range(rounds)]  # the same transactions for everyone
    try:
        for key, url in urls.items():
            contestants.append(Contestant.start(key, schemas[key[0]], url))
        for start in range(0, rounds, BLOCK):
            print(f"  resets {start + 1}-{min(start + BLOCK, rounds)} of {rounds}", file=sys.stderr)
            for contestant in rng.sample(contestants, len(contestants)):
                contestant.block(seeds[start : start + BLOCK])
        return {c.key: statistics.median(c.timings) for c in contestants}
    finally:
        for contestant in contestants:
            contestant.stop()


@contextmanager
def sqlite_databases(keys: list[Key]) -> Iterator[dict[Key, URL]]:
    with tempfile.TemporaryDirectory(prefix="reset_bench_") as directory:
        yield {
            (size, s): make_url(f"sqlite:///{Path(directory) / f'bench_{s}_{size}_test.db'}")
            for size, s in keys
        }


@contextmanager
def postgres_databases(keys: list[Key]) -> Iterator[dict[Key, URL] | None]:
    server = make_url(PG_SERVER)
    if server.drivername == "postgresql":  # SQLAlchemy 2.1 would pick psycopg 3
        server = server.set(drivername="postgresql+psycopg2")
    admin = create_engine(
        server.set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"connect_timeout": 3},
    )
    names = {(size, s): f"flask_dredd_bench_{s}_{size}_{os.getpid()}_test" for size, s in keys}
    created: list[str] = []
    try:
        try:
            with admin.connect() as connection:
                for name in names.values():
                    connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
                    created.append(name)
        except OperationalError as error:
            print(f"PostgreSQL skipped: {PG_SERVER}: {error.orig}", file=sys.stderr)
            yield None
            return
        yield {key: server.set(database=name) for key, name in names.items()}
    finally:
        if created:
            with admin.connect() as connection:
                for name in created:
                    connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def print_table(results: dict[tuple[str, int], dict[str, float]], strategies: list[str]) -> None:
    others = [s for s in strategies if s != "rebuild" and "rebuild" in strategies]
    header = f"{'database':<11} {'tables':>6}" + "".join(f" {s + ' ms':>12}" for s in strategies)
    header += "".join(f" {s + ' vs rebuild':>20}" for s in others)
    print(header)
    print("-" * len(header))
    for (dialect, size), timing in results.items():
        line = f"{dialect:<11} {size:>6}" + "".join(f" {timing[s]:>12.2f}" for s in strategies)
        line += "".join(f" {timing['rebuild'] / timing[s]:>19.1f}x" for s in others)
        print(line)


def print_targets(results: dict[tuple[str, int], dict[str, float]]) -> None:
    pg = {size: t for (dialect, size), t in results.items() if dialect == "PostgreSQL"}
    if 100 in pg and {"rebuild", "tracked"} <= set(pg[100]):
        speedup = pg[100]["rebuild"] / pg[100]["tracked"]
        print(f"tracked vs rebuild, 100 tables, PostgreSQL: {speedup:.1f}x faster (target >= 20x)")
    largest = max(pg, default=0)
    if 10 in pg and largest > 10 and "tracked" in pg[10]:
        growth = pg[largest]["tracked"] / pg[10]["tracked"]
        print(
            f"tracked, {largest} vs 10 tables, PostgreSQL: {growth:.2f}x its cost (target <= 1.5x)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 and 100 tables, 10 resets")
    parser.add_argument("--rounds", type=int, help="timed resets per size and strategy")
    parser.add_argument("--sizes", help="comma-separated table counts, e.g. 10,100")
    parser.add_argument(
        "--strategies", default=",".join(STRATEGIES), help="comma-separated, e.g. tracked"
    )
    args = parser.parse_args()
    sizes = [
        int(s) for s in (args.sizes or ("10,100" if args.quick else "10,50,100,200")).split(",")
    ]
    rounds = args.rounds or (10 if args.quick else 15)
    strategies = [name for name in STRATEGIES if name in args.strategies.split(",")]
    keys = [(size, strategy) for size in sizes for strategy in strategies]
    rng = random.Random(2024)

    results: dict[tuple[str, int], dict[str, float]] = {}
    with ExitStack() as stack:
        databases = {
            "PostgreSQL": stack.enter_context(postgres_databases(keys)),
            "SQLite": stack.enter_context(sqlite_databases(keys)),
        }
        for dialect, urls in databases.items():
            if urls is None:
                continue
            print(f"measuring {dialect} ...", file=sys.stderr, flush=True)
            for (size, strategy), ms in measure(urls, rounds, rng).items():
                results.setdefault((dialect, size), {})[strategy] = ms
    if not results:
        print("nothing measured", file=sys.stderr)
        return 1

    print(f"\nmedian ms per reset over {rounds} transactions, each touching 1-3 tables\n")
    print_table(results, strategies)
    print()
    print_targets(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
