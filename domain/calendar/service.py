"""Loading a year's published holiday schedule (docs/domain-rules.md, "Working days").

The State Council publishes next year's holidays each November; ``chinese_calendar`` follows only
with a release. The system administrator loads the notice as a small file (``domain.calendar.schedule``)
from the CLI or the admin page: it is checked, kept in the database with who loaded it, audited, and
from then on every deadline that touches that year counts with it. Deadlines already stored that were
approximate are counted again in the same transaction, so the permit register, the reminders and the
API show the exact dates at once.

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
from domain.audit.service import record
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
class LoadResult:
    year: int
    days_off: int
    make_up_days: int
    replaced: bool
    recounted: int  # stored deadlines counted again


async def load_schedule(session: AsyncSession, actor: Actor, *, text: str) -> LoadResult:
    """Check and load a year's schedule (replacing that year's earlier one); recount stored deadlines."""
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
    from domain.permits.service.deadlines import recount_deadlines

    recounted = await recount_deadlines(session, year.year)
    await session.flush()
    record(
        session,
        actor,
        action="calendar.load",
        object_type="holiday_year",
        object_id=year.year,
        before=before,
        after={
            "days_off": row.days_off,
            "make_up_days": row.make_up_days,
            "recounted_deadlines": recounted,
        },
    )
    return LoadResult(year.year, len(row.days_off), len(row.make_up_days), before is not None, recounted)
