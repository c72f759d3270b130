"""prepare(): whatever the database held before, it ends at the baseline of today's schema."""

from __future__ import annotations

import logging
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL

from flask_dredd.isolation import STRATEGIES, Isolation

from .schema import db, seed_static_rows
from .support import apply, make_app, prepare_contract, snapshot

REVISION = """revision = "c0ffee000001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
"""


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_a_previous_schema_is_replaced(database_url: URL, strategy: str) -> None:
    """Migrations changed since the last run: old tables and columns must not linger."""
    engine = create_engine(database_url)
    cascade = " CASCADE" if engine.dialect.name == "postgresql" else ""
    with engine.begin() as connection:
        for table in inspect(connection).get_table_names():
            connection.execute(text(f'DROP TABLE "{table}"{cascade}'))
        connection.execute(text('CREATE TABLE "users" (id integer PRIMARY KEY, legacy text)'))
        connection.execute(text("INSERT INTO users VALUES (7, 'from an old run')"))
        connection.execute(text("CREATE TABLE dropped_since (id integer PRIMARY KEY)"))
    contract = prepare_contract(database_url, strategy)
    try:
        with engine.connect() as connection:
            schema = inspect(connection)
            assert "dropped_since" not in schema.get_table_names()
            assert [c["name"] for c in schema.get_columns("users")] == ["id", "name", "role_id"]
            baseline = snapshot(connection)
        assert baseline["users"] == [(1, "system", 1)]
        with contract.app.app_context():
            apply(contract, ("insert", "users", 3, "server"))
            contract.isolation.reset()
        with engine.connect() as connection:
            assert snapshot(connection) == baseline
    finally:
        contract.close()
        engine.dispose()


def test_prepare_twice_with_different_strategies(database_url: URL) -> None:
    """A tracked run's triggers do not trouble the next run, whatever its strategy."""
    snapshots = []
    for strategy in ["tracked", "truncate", "tracked", "rebuild"]:
        contract = prepare_contract(database_url, strategy)
        try:
            with contract.server.connect() as connection:
                snapshots.append(snapshot(connection))
            with contract.app.app_context():
                apply(contract, ("insert", "events", 0, "hooks"))
                contract.isolation.reset()
        finally:
            contract.close()
    assert all(state == snapshots[0] for state in snapshots)


@pytest.fixture
def migrations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A migrations directory as `flask db init` makes it, with one revision."""
    monkeypatch.chdir(tmp_path)
    directory = tmp_path / "migrations"
    app = make_app("sqlite://")
    flask_migrate.Migrate(app, db, directory=str(directory))
    with app.app_context():
        flask_migrate.init(directory=str(directory))
    (directory / "versions" / "c0ffee000001_initial.py").write_text(REVISION)
    return directory


# Flask-Migrate's own env.py template still calls db.get_engine().
@pytest.mark.filterwarnings("ignore:'get_engine' is deprecated:DeprecationWarning")
@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_the_migration_head_is_stamped_and_survives_resets(
    database_url: URL, migrations: Path, strategy: str
) -> None:
    app = make_app(database_url)
    flask_migrate.Migrate(app, db, directory=str(migrations))
    ours = logging.getLogger("flask_dredd.handler.probe")
    isolation = Isolation(db, seed=seed_static_rows, strategy=strategy)
    engine = create_engine(database_url)
    try:
        with app.app_context():
            isolation.prepare()
            for _ in range(2):
                db.session.execute(text("INSERT INTO tags (name) VALUES ('x')"))
                db.session.commit()
                isolation.reset()
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert versions.scalars().all() == ["c0ffee000001"]
        # env.py's fileConfig would have disabled every logger alembic.ini does not name.
        assert not ours.disabled
    finally:
        with app.app_context():
            db.engine.dispose()
        engine.dispose()


def test_without_migrations_nothing_is_stamped(tmp_path: Path) -> None:
    # A fresh file: the shared one keeps the version table a stamping test left, which
    # a prepare without migrations refuses to drop (see test_migrations.py).
    contract = prepare_contract(f"sqlite:///{tmp_path / 'fresh_test.db'}", "tracked")
    try:
        with contract.server.connect() as connection:
            assert "alembic_version" not in inspect(connection).get_table_names()
    finally:
        contract.close()


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_an_in_memory_sqlite_database(strategy: str) -> None:
    """Allowed by the guard, and reset on the one connection Flask-SQLAlchemy shares."""
    app = make_app("sqlite://")
    with app.app_context():
        isolation = Isolation(db, seed=seed_static_rows, strategy=strategy)
        isolation.prepare()
        with db.engine.connect() as connection:
            baseline = snapshot(connection)
        db.session.execute(text("INSERT INTO users (name, role_id) VALUES ('new', 2)"))
        db.session.execute(text("UPDATE roles SET name = 'renamed'"))
        db.session.commit()
        isolation.reset()
        with db.engine.connect() as connection:
            assert snapshot(connection) == baseline
        db.engine.dispose()


def test_the_hooks_commit_without_waiting_for_the_disk_and_the_server_as_configured(
    database_url: URL,
) -> None:
    """Each hook commit (reset, factory row) skips fsync; the API's connections do not."""
    with create_engine(database_url).begin() as connection:  # a stamping test's leftover
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    contract = prepare_contract(database_url, "tracked")
    sqlite = database_url.get_backend_name() == "sqlite"
    ask = "PRAGMA synchronous" if sqlite else "SHOW synchronous_commit"
    off, on = ("0", "2") if sqlite else ("off", "on")
    try:
        with contract.app.app_context():
            assert str(db.session.execute(text(ask)).scalar()) == off
            contract.isolation.reset()
            assert str(db.session.execute(text(ask)).scalar()) == off  # a reset keeps it
        with contract.server.connect() as connection:
            assert str(connection.execute(text(ask)).scalar()) == on
    finally:
        contract.close()
