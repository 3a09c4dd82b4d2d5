"""The server clock. Every stored time comes from here, timezone-aware, in UTC."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
