"""The notes service's fixtures: factories on the engine's base, and who signs in."""

import factory
from notes.auth import token_for
from notes.models import Note, User
from werkzeug.security import generate_password_hash

from flask_dredd.factories import BaseFactory
from flask_dredd.transactions import set_bearer

PASSWORD_HASH = generate_password_hash("secret", method="pbkdf2:sha256:1000")


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password_hash = PASSWORD_HASH


class NoteFactory(BaseFactory):
    class Meta:
        model = Note

    title = factory.Sequence(lambda n: f"Note {n}")
    author = factory.SubFactory(UserFactory)


def author(transaction, rows):
    """Signs the request in as a new user: the author of the note it creates."""
    set_bearer(transaction, token_for(UserFactory()))
