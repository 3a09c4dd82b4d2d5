"""The server clock. Every stored time comes from here, timezone-aware, in UTC.

``history_at`` exists for one caller only: the demo city, which writes its units' past (reports filed
last spring, a regulator's answer a week later) through the same use cases as the product, each
stamped as if the server had received it then. Nothing that serves a request sets it: the times the
product stores are the server's own.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

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
