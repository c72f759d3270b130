"""The migrations and the models describe the same schema; the static rows seed cleanly."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from eventapi import MIGRATIONS_DIR, create_app
from eventapi.config import with_postgres_driver
from eventapi.extensions import db
from eventapi.models import Role
from eventapi.seed import STATIC_ROLES, seed_static_rows

from .test_postgres import ensure_database

PG_URL = with_postgres_driver(
    os.environ.get(
        "EVENTAPI_TEST_POSTGRES_MIGRATIONS_URL",
        "postgresql://postgres@127.0.0.1:5432/eventapi_migrations_test",
    )
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migrated_app(request, tmp_path):
    """An app on an empty database, brought to the head revision by `flask db upgrade`."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrated.db'}"
    else:
        url = PG_URL
        ensure_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if request.param == "postgresql":
            downgrade(directory=str(MIGRATIONS_DIR), revision="base")  # a previous run's
            db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
            db.session.commit()
        upgrade(directory=str(MIGRATIONS_DIR))
        yield app
        db.session.remove()
        downgrade(directory=str(MIGRATIONS_DIR), revision="base")


def test_upgrade_creates_exactly_the_models_schema(migrated_app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_upgrade_creates_every_model_table(migrated_app):
    tables = set(inspect(db.engine).get_table_names())
    assert tables == set(db.metadata.tables) | {"alembic_version"}


def test_downgrade_removes_everything(migrated_app):
    downgrade(directory=str(MIGRATIONS_DIR), revision="base")
    assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}


def test_seed_inserts_the_static_roles_once(migrated_app):
    seed_static_rows(db.session)
    seed_static_rows(db.session)  # idempotent: `flask seed` may run on every deploy
    names = db.session.scalars(select(Role.name).order_by(Role.id)).all()
    assert names == list(STATIC_ROLES) == ["admin", "member"]


def test_seed_command(migrated_app):
    result = migrated_app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "Static rows are in place." in result.output
    assert db.session.scalar(select(Role).filter_by(name="member")) is not None


def test_upgrade_keeps_existing_events_live(tmp_path):
    """The soft-delete column arrives on a populated table (SQLite batch mode)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="74584d3913cb")
        seed_static_rows(db.session)
        db.session.execute(
            text(
                "INSERT INTO users (email, name, password_hash, role_id, created_at) "
                "VALUES ('a@b.co', 'A', 'x', 2, '2025-01-01 00:00:00');"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO events (title, description, starts_at, ends_at, owner_id, "
                "created_at, updated_at) VALUES ('Old', '', '2025-06-01 18:00:00', "
                "'2025-06-01 20:00:00', 1, '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
            )
        )
        db.session.commit()
        upgrade(directory=str(MIGRATIONS_DIR))
        assert db.session.execute(text("SELECT title, deleted_at FROM events")).all() == [
            ("Old", None)
        ]
        db.session.remove()
