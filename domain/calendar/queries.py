"""The holiday schedules loaded so far, as the administrator's page lists them. Reads only."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.calendar.models import HolidayYear


async def loaded_years(session: AsyncSession, actor: Actor) -> list[HolidayYear]:
    require(actor, Operation.CALENDAR_MANAGE)
    return list((await session.exec(select(HolidayYear).order_by(col(HolidayYear.year)))).all())
