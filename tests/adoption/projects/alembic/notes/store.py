"""The queries the views need, on the scoped session."""

from sqlalchemy import select

from notes.database import session
from notes.models import Note, User


def get(model, ident):
    return session.get(model, ident)


def user_by_email(email):
    return session.scalars(select(User).filter_by(email=email)).first()


def all_notes():
    return session.scalars(select(Note).order_by(Note.id)).all()


def add(row):
    session.add(row)
    session.commit()
    return row
