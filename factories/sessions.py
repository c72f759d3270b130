from datetime import timedelta

import factory

from eventapi.auth.sessions import hash_key, lifetime, new_csrf_token, new_session_key
from eventapi.models import LoginSession
from eventapi.timestamps import utcnow
from factories.users import UserFactory
from flask_dredd.factories import BaseFactory


class LoginSessionFactory(BaseFactory):
    """A browser session row, live for the configured lifetime (`expired=True`: a minute ago).

    Pass ``key=...`` to know the cookie value: the row keeps only its hash.
    """

    class Meta:
        model = LoginSession

    class Params:
        key = factory.LazyFunction(new_session_key)
        expired = factory.Trait(
            expires_at=factory.LazyFunction(lambda: utcnow() - timedelta(minutes=1))
        )

    key_hash = factory.LazyAttribute(lambda session: hash_key(session.key))
    user = factory.SubFactory(UserFactory)
    csrf_token = factory.LazyFunction(new_csrf_token)
    expires_at = factory.LazyFunction(lambda: utcnow() + lifetime())
