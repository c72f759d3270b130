"""The queries the views need, on Flask-SQLAlchemy's session."""

from notes import db
from notes.models import Note, User


def get(model, ident):
    return db.session.get(model, ident)


def user_by_email(email):
    return db.session.scalars(db.select(User).filter_by(email=email)).first()


def all_notes():
    return db.session.scalars(db.select(Note).order_by(Note.id)).all()


def add(row):
    db.session.add(row)
    db.session.commit()
    return row
