"""Loading a year's published holiday schedule (docs/domain-rules.md, "Working days").

The State Council publishes next year's holidays each November; ``chinese_calendar`` follows only
with a release. The system administrator loads the notice as a small file (``domain.calendar.schedule``)
from the CLI or the admin page: it is checked, kept in the database with who loaded it (``store_schedule``),
and from then on every deadline that touches that year counts with it. The use case,
``domain.permits.service.deadlines.load_schedule``, also counts the permits' stored deadlines again in the
same transaction and audits the whole, so the permit register, the reminders and the API show the exact
dates at once (it lives beside those deadlines: the calendar knows nothing of permits).

Every process keeps the loaded years in memory (``domain.calendar.rules.use_published_years``) and
looks in the database again at most every ``REFRESH_SECONDS`` (``keep_current``), so a schedule loaded
in one process reaches the others within that time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.calendar.models import HolidayYear
from domain.calendar.rules import PublishedYear, use_published_years
from domain.calendar.schedule import parse_schedule
from domain.clock import utcnow
from domain.errors import ValidationFailed

REFRESH_SECONDS = 60.0
_last_refresh: float | None = None


def _published(row: HolidayYear) -> PublishedYear:
    return PublishedYear(
        year=row.year,
        days_off=frozenset(date.fromisoformat(day) for day in row.days_off),
        make_up_days=frozenset(date.fromisoformat(day) for day in row.make_up_days),
    )


async def refresh(session: AsyncSession) -> None:
    """Count with the schedules in the database (all of them: a few hundred dates per year)."""
    global _last_refresh
    rows = (await session.exec(select(HolidayYear))).all()
    use_published_years(_published(row) for row in rows)
    _last_refresh = time.monotonic()


def needs_refresh() -> bool:
    return _last_refresh is None or time.monotonic() - _last_refresh >= REFRESH_SECONDS


async def keep_current(session: AsyncSession) -> None:
    """``refresh`` unless this process looked within the last ``REFRESH_SECONDS``."""
    if needs_refresh():
        await refresh(session)


def forget() -> None:
    """Tests: drop the loaded years, as a rolled-back test database holds none; the next look at the
    database is due after ``REFRESH_SECONDS`` (so a test's first request reads no extra row)."""
    global _last_refresh
    use_published_years(())
    _last_refresh = time.monotonic()


@dataclass(frozen=True)
class StoredSchedule:
    """A year's schedule as stored, and the days it replaced (None for a year loaded the first time)."""

    row: HolidayYear
    before: dict[str, list[str]] | None


async def store_schedule(session: AsyncSession, actor: Actor, *, text: str) -> StoredSchedule:
    """Check and store a year's schedule (replacing that year's earlier one), and count with it from now on
    in this process. Called by the use case ``domain.permits.service.deadlines.load_schedule``, which
    counts the stored deadlines again and audits."""
    require(actor, Operation.CALENDAR_MANAGE)
    parsed = parse_schedule(text)
    if parsed.year is None:
        raise ValidationFailed(parsed.errors)
    year = parsed.year
    row = (await session.exec(select(HolidayYear).where(HolidayYear.year == year.year))).first()
    before = None
    if row is None:
        row = HolidayYear(year=year.year, days_off=[], make_up_days=[], names={}, source="")
    else:
        before = {"days_off": row.days_off, "make_up_days": row.make_up_days}
    row.days_off = sorted(day.isoformat() for day in year.days_off)
    row.make_up_days = sorted(day.isoformat() for day in year.make_up_days)
    row.names = parsed.names
    row.source = text
    row.loaded_at = utcnow()
    row.loaded_by_username = actor.username
    session.add(row)
    await session.flush()
    # Count with the new year from now on in this process (others follow within REFRESH_SECONDS).
    rows = (await session.exec(select(HolidayYear))).all()
    use_published_years(_published(r) for r in rows)
    return StoredSchedule(row, before)
