"""Plain Alembic: the database from DATABASE_URL (or sqlalchemy.url), the models' metadata."""

import os

import notes.models  # noqa: F401  (registers the tables)
from alembic import context
from notes.database import Base
from sqlalchemy import create_engine

url = context.config.get_main_option("sqlalchemy.url") or os.environ["DATABASE_URL"]
with create_engine(url).connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()
