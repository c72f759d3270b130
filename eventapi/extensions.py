"""Flask extensions, created once and bound to an app in `create_app`.

Anything else that needs the database (hooks, factories, tests) imports `db` from here, so
there is exactly one `SQLAlchemy` object and one metadata in the process.
"""

from flask_migrate import Migrate
from flask_seasurf import SeaSurf
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

# Named constraints make Alembic migrations reproducible on every backend (SQLite batch
# mode needs names to drop or alter a constraint).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
csrf = SeaSurf()
