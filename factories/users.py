from functools import cache

import factory

from eventapi.auth.passwords import hash_password
from eventapi.models import Role, User
from flask_dredd.factories import BaseFactory

DEFAULT_PASSWORD = "correct-horse-battery"


@cache
def _hashed(password: str) -> str:
    # Hashing is deliberately slow (scrypt outside tests): do it once per password.
    return hash_password(password)


class UserFactory(BaseFactory):
    """A member: ``user<n>@example.com``, named ``User <n>``, password `DEFAULT_PASSWORD`."""

    class Meta:
        model = User

    class Params:
        password = DEFAULT_PASSWORD

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Sequence(lambda n: f"User {n}")
    password_hash = factory.LazyAttribute(lambda user: _hashed(user.password))
    # Roles are static rows seeded with the schema; a factory never creates one.
    role = factory.LazyFunction(lambda: Role.named(Role.MEMBER))
