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
