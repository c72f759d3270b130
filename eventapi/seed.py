"""Static rows the API needs in every database: the roles users refer to.

One function, idempotent, used by `flask seed` after `flask db upgrade` and by the contract
hooks' isolation layer after each schema rebuild. Migrations stay schema-only.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from eventapi.models import Role

# Order matters: a fresh database gives admin id 1 and member id 2.
STATIC_ROLES = (Role.ADMIN, Role.MEMBER)


def seed_static_rows(session: Session) -> None:
    """Insert the missing static rows and commit; rows already there are left alone."""
    existing = set(session.scalars(select(Role.name)))
    session.add_all(Role(name=name) for name in STATIC_ROLES if name not in existing)
    session.commit()
