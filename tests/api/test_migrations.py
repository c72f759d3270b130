"""The migrations and the models describe the same schema; the static rows seed cleanly."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from eventapi import MIGRATIONS_DIR, create_app
from eventapi.extensions import db
from eventapi.models import Role
from eventapi.seed import STATIC_ROLES, seed_static_rows


@pytest.fixture
def migrated_app(tmp_path):
    """An app on an empty SQLite file, brought to the head revision by `flask db upgrade`."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.db'}"})
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR))
        yield app
        db.session.remove()


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
