"""Timezone-aware timestamps on every backend.

PostgreSQL stores ``timestamptz``; SQLite has no time zones and would silently keep the
wall-clock time of whatever offset it was given. `UTCDateTime` stores UTC everywhere and
always hands back aware datetimes, so comparisons and serialisation behave the same.
"""

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def isoformat(value: datetime) -> str:
    """ISO 8601 with an explicit offset, e.g. ``2025-06-01T09:00:00+00:00``."""
    return value.astimezone(UTC).isoformat()


class UTCDateTime(TypeDecorator):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
