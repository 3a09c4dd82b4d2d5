"""What a value typed by a person may be before anything stores or computes with it.

Ids: the database's integer keys end at ``MAX_ID`` (PostgreSQL ``integer``), the 64-bit ones at
``MAX_BIG_ID``. A larger id names nothing; it must not reach a query, where PostgreSQL (above the
column's type) and SQLite (above 2^63) fail.

Days: a date the product works with lies in ``EARLIEST_DAY`` … ``LATEST_DAY``. Python's calendar
runs from year 1 to 9999, and a day at either end breaks the first computation that steps past it
(the month after 9999-12, a time zone shift of 0001-01-01 00:00), so such a date is refused as a
field error where it is read, not discovered as an overflow later.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TypeVar

from domain.errors import N_, FieldError, ValidationFailed

MAX_ID = 2**31 - 1  # PostgreSQL ``integer``; SQLite holds more
# PostgreSQL ``bigint``: the keys that grow past 2^31 (monitoring readings, change events: migration 0045).
MAX_BIG_ID = 2**63 - 1
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2199, 12, 31)
D = TypeVar("D", date, datetime)


def parse_id(value: object, *, big: bool = False) -> int | None:
    """The id written in ``value`` (digits only), or None when it cannot name a row; ``big``: a 64-bit
    key (``MAX_BIG_ID``)."""
    text = str(value).strip()
    longest, largest = (19, MAX_BIG_ID) if big else (10, MAX_ID)
    if not (text.isascii() and text.isdigit()) or len(text) > longest or int(text) > largest:
        return None
    return int(text)


def day_in_range(day: date | datetime) -> bool:
    value = day.date() if isinstance(day, datetime) else day
    return EARLIEST_DAY <= value <= LATEST_DAY


class OutOfRange(ValueError):
    """A date outside ``EARLIEST_DAY`` … ``LATEST_DAY`` (a ValueError, so parsers that refuse
    unreadable dates refuse it too; catch it first to say which range applies)."""


def in_range(day: D) -> D:
    """``day`` itself, or ``OutOfRange`` when it lies outside the range the product works in."""
    if not day_in_range(day):
        raise OutOfRange(str(day))
    return day


def out_of_range(field: str) -> FieldError:
    return FieldError(
        field,
        "date_range",
        N_("Enter a date between {earliest} and {latest}."),
        {"earliest": EARLIEST_DAY.isoformat(), "latest": LATEST_DAY.isoformat()},
    )


def check_day(day: D, field: str) -> D:
    """``day`` itself, or a field error when it lies outside the range the product works in."""
    if not day_in_range(day):
        raise ValidationFailed([out_of_range(field)])
    return day


def too_long(field: str, value: str, limit: int) -> FieldError | None:
    """A text longer than its column is refused with its length, never cut."""
    if len(value) <= limit:
        return None
    return FieldError(
        field,
        "too_long",
        N_("At most {limit} characters (got {length})."),
        {"limit": limit, "length": len(value)},
    )
