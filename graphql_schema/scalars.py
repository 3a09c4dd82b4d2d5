"""Times in the API: one rule, stated in the schema (the ``DateTime`` scalar's description) and in the
integrators' guide (docs/integrators.md, "Times").

A time a client sends may carry its offset (``2026-03-01T08:00:00+08:00``, ``…Z``); one without a zone
is a time on China's clock (UTC+8), as in the portal's forms, the spreadsheets a unit imports and the
packets of HJ 212 stations: the people who enter and read these times count them in China time. Every
time the API answers carries its offset and is given in UTC.

A time that cannot be a moment (not ISO 8601, or out of range once on UTC's clock, such as year 1 at
midnight in China) is refused as a malformed argument, before any resolver runs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, NewType

import strawberry

from domain.clock import CHINA, as_utc

DESCRIPTION = (
    "时间，ISO 8601 格式。传入时可带时区（如 2026-03-01T08:00:00+08:00 或 …Z）；不带时区的按北京时间"
    "（UTC+8）理解，与门户表单、台账导入文件和 HJ 212 数据包相同。返回的时间一律为带时区的 UTC 时间。"
)


def parse_time(value: object) -> datetime:
    """A client's time as an aware moment in UTC; a zone-less one is China time."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"not an ISO 8601 time: {value[:40]!r}") from None
    else:
        raise ValueError("a time is an ISO 8601 string")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"time out of range: {value!s:.40}") from None


def serialize_time(value: datetime) -> str:
    """A stored time (UTC; naive when the database hands it back without its zone) with its offset."""
    return as_utc(value).astimezone(UTC).isoformat()


DateTime = strawberry.scalar(
    name="DateTime",
    description=DESCRIPTION,
    serialize=serialize_time,
    parse_value=parse_time,
)


LONG_DESCRIPTION = (
    "64 位有符号整数，以 JSON 数字传输：监测数据的 ID 可超过 GraphQL Int 的 2^31−1"
    "（一个省的小时数据几年内即超过）。JavaScript 客户端在 2^53 以内可精确表示。"
)
LONG_MAX = 2**63 - 1


def parse_long(value: object) -> int:
    """A 64-bit integer a client sends (a JSON number or a string of digits)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError("a Long is an integer")
    text = value.strip() if isinstance(value, str) else ""
    if isinstance(value, str) and not (text.lstrip("-").isascii() and text.lstrip("-").isdigit()):
        raise ValueError("a Long is an integer")
    number = value if isinstance(value, int) else int(text)
    if not -LONG_MAX - 1 <= number <= LONG_MAX:
        raise ValueError("a Long is a 64-bit integer")
    return number


if TYPE_CHECKING:  # a plain int to type checkers; a scalar of its own to the schema
    Long = int
else:
    Long = strawberry.scalar(
        NewType("Long", int),
        name="Long",
        description=LONG_DESCRIPTION,
        serialize=int,
        parse_value=parse_long,
    )
