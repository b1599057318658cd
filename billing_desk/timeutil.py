"""Time helpers. Timestamps are stored as naive UTC so SQLite and PostgreSQL behave the same."""
from datetime import datetime, timezone


def utcnow():
    """The current time in UTC, without tzinfo (the database convention of this app)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
