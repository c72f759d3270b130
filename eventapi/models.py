"""The database schema.

Roles (static rows), users, the events they own with their tracks and talks, the
speakers who give talks (many-to-many), and the server-side login sessions of browser
clients.
"""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapi.extensions import db
from eventapi.timestamps import UTCDateTime, utcnow


class Role(db.Model):
    """Static rows seeded by `eventapi.seed`; the API never creates or deletes roles."""

    __tablename__ = "roles"

    ADMIN = "admin"
    MEMBER = "member"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)

    @classmethod
    def named(cls, name: str) -> "Role":
        role = db.session.scalar(select(cls).filter_by(name=name))
        if role is None:
            raise LookupError(f"role {name!r} is missing: run `flask --app eventapi seed`")
        return role


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    role: Mapped[Role] = relationship(lazy="joined")
    events: Mapped[list["Event"]] = relationship(
        back_populates="owner", cascade="all, delete-orphan", passive_deletes=True
    )


class LoginSession(db.Model):
    """A browser client's session: the cookie carries a random key, the row its hash.

    Every worker reads the same row, so a session works whichever process serves the
    request; a stolen copy of the table does not give anyone a usable cookie.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    user: Mapped[User] = relationship()


class Event(db.Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Soft delete: set by DELETE /events/{id}, cleared by POST /events/{id}/restore.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    owner: Mapped[User] = relationship(back_populates="events")
    tracks: Mapped[list["Track"]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True
    )
    talks: Mapped[list["Talk"]] = relationship(
        back_populates="event", cascade="all, delete-orphan", passive_deletes=True
    )


class Track(db.Model):
    """A strand of an event's programme (a room, a theme) that talks may belong to."""

    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(back_populates="tracks")


talk_speakers = Table(
    "talk_speakers",
    db.metadata,
    Column("talk_id", ForeignKey("talks.id", ondelete="CASCADE"), primary_key=True),
    Column("speaker_id", ForeignKey("speakers.id", ondelete="CASCADE"), primary_key=True),
)


class Talk(db.Model):
    """A session of an event's programme, given by any number of speakers."""

    __tablename__ = "talks"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[int | None] = mapped_column(
        ForeignKey("tracks.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    abstract: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(back_populates="talks")
    track: Mapped[Track | None] = relationship()
    speakers: Mapped[list["Speaker"]] = relationship(
        secondary=talk_speakers, back_populates="talks", passive_deletes=True
    )


class Speaker(db.Model):
    """Someone who gives talks; whoever created the entry may change or remove it."""

    __tablename__ = "speakers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    bio: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[User] = relationship()
    talks: Mapped[list[Talk]] = relationship(
        secondary=talk_speakers, back_populates="speakers", passive_deletes=True
    )
