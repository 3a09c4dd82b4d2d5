"""The server clock. Every stored time comes from here, timezone-aware, in UTC.

``history_at`` exists for one caller only: the demo city (``demo/reports.py``), which writes its
units' past (reports filed last spring, a regulator's answer a week later) through the same use cases
as the product, each stamped as if the server had received it then. Nothing that serves a request
sets it: the times the product stores are the server's own.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta, timezone

_offset: ContextVar[timedelta] = ContextVar("clock_offset", default=timedelta(0))


def utcnow() -> datetime:
    return datetime.now(UTC) + _offset.get()


@contextmanager
def history_at(moment: datetime) -> Iterator[None]:
    """Within the block (and the tasks it starts), the clock reads ``moment`` and runs on from there."""
    if moment.tzinfo is None:
        raise ValueError("history_at needs a timezone-aware moment")
    token = _offset.set(moment - datetime.now(UTC))
    try:
        yield
    finally:
        _offset.reset(token)


# China keeps one offset all year (UTC+8, no daylight saving since 1991). Deadlines, validity and the
# dates people read are counted in China time; stored times stay UTC. These are the only definitions.
CHINA_OFFSET = timedelta(hours=8)
CHINA = timezone(CHINA_OFFSET, "CST")


def today() -> date:
    """The date in China now: deadlines and validity are counted in China Standard Time."""
    return (utcnow() + CHINA_OFFSET).date()


def as_utc(moment: datetime) -> datetime:
    """``moment`` made aware; a naive value is read as UTC (how the database hands stored times back)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def in_china(moment: datetime) -> datetime:
    """``moment`` on China's clock; a naive value is read as UTC."""
    return as_utc(moment).astimezone(CHINA)


def china_date(moment: datetime) -> date:
    """The date in China at ``moment``; a naive value is read as UTC."""
    return in_china(moment).date()


def china_midnight(day: date) -> datetime:
    """The instant (in UTC) at which ``day`` begins in China."""
    return datetime.combine(day, time(0), tzinfo=UTC) - CHINA_OFFSET
