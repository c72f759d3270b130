"""The engine, the models' base and a session per thread: plain SQLAlchemy 2."""

import os

from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])
session = scoped_session(sessionmaker(engine))


class Base(DeclarativeBase):
    pass
