"""The ledger's charts: one outlet and pollutant against its permitted concentration, and completeness
month by month. Series are aggregated in SQL (China days and hours), so a year of hourly data never
travels to Python row by row.

Read side: no writes. The portal parses what was typed (days, a year); the rules of the page (at most
three years, a year from 2000 to this one, a series the permit limits) are here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor
from domain.clock import CHINA, utcnow
from domain.errors import N_, FieldError
from domain.ledgers import rules
from domain.ledgers.models import LedgerEntry, MonitoringReading
from domain.ledgers.queries.ledger import LedgerContext, clip, ledger_context
from domain.permits.reference import Frequency

RAW_SERIES_DAYS = 7  # up to a week a chart shows every reading; longer periods show the daily maximum
MAX_RAW_POINTS = 5000
MAX_DAYS = 3 * 366
FIRST_YEAR = 2000
HOURLY = (Frequency.CONTINUOUS, Frequency.HOURLY)


def _dialect(session: AsyncSession) -> str:
    return str(session.get_bind().dialect.name)


def _china_day(column: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return sa.func.to_char(sa.func.timezone("Asia/Shanghai", column), "YYYY-MM-DD")
    return sa.func.strftime("%Y-%m-%d", column, "+8 hours")


def _hour(column: Any, dialect: str) -> Any:
    # China is a whole number of hours from UTC: UTC hours are China hours.
    if dialect == "postgresql":
        return sa.func.date_trunc("hour", column)
    return sa.func.strftime("%Y-%m-%d %H", column)


@dataclass(frozen=True)
class SeriesPoint:
    label: str  # China time: "2025-03-04 10:00" or "2025-03-04"
    value: float | None  # None: a day without any valid reading (a gap in the line)
    readings: int = 1

    def exceeds(self, limit: float | None) -> bool:
        return limit is not None and self.value is not None and self.value > limit


@dataclass
class ConcentrationSeries:
    outlet: str
    pollutant: str
    unit: str
    limit: float | None
    daily_max: bool
    points: list[SeriesPoint]
    start: datetime
    end: datetime

    @property
    def exceeding(self) -> int:
        return sum(1 for point in self.points if point.exceeds(self.limit))

    @property
    def with_data(self) -> int:
        return sum(1 for point in self.points if point.value is not None)

    def as_json(self) -> dict[str, Any]:
        return {
            "outlet": self.outlet,
            "pollutant": self.pollutant,
            "unit": self.unit,
            "limit": self.limit,
            "aggregate": "daily_max" if self.daily_max else "reading",
            "labels": [p.label for p in self.points],
            "values": [None if p.value is None else round(p.value, 6) for p in self.points],
        }


async def _concentration_series(
    session: AsyncSession, context: LedgerContext, outlet: str, pollutant: str, start: datetime, end: datetime
) -> ConcentrationSeries:
    limit = context.limit(outlet, pollutant)
    point = context.point(outlet)
    table = MonitoringReading.__table__  # type: ignore[attr-defined]
    where = sa.and_(
        table.c.permit_id == context.permit.id,
        table.c.outlet_code == outlet,
        table.c.pollutant == pollutant,
        table.c.voided_at.is_(None),
        table.c.measured_at >= start,
        table.c.measured_at < end,
    )
    daily = end - start > timedelta(days=RAW_SERIES_DAYS)
    connection = await session.connection()
    points: list[SeriesPoint] = []
    if daily:
        day = _china_day(table.c.measured_at, _dialect(session)).label("day")
        rows = await connection.execute(
            sa.select(day, sa.func.max(table.c.concentration), sa.func.count())
            .where(where)
            .group_by(day)
            .order_by(day)
        )
        found = {str(d): (float(v), int(n)) for d, v, n in rows}
        day_start = start.astimezone(CHINA)
        while day_start < end:
            label = day_start.strftime("%Y-%m-%d")
            value, count = found.get(label, (None, 0))
            points.append(SeriesPoint(label, value, count))
            day_start += timedelta(days=1)
    else:
        rows = await connection.execute(
            sa.select(table.c.measured_at, table.c.concentration)
            .where(where)
            .order_by(table.c.measured_at)
            .limit(MAX_RAW_POINTS)
        )
        for moment, value in rows:
            moment = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            points.append(SeriesPoint(moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"), float(value)))
    return ConcentrationSeries(
        outlet=outlet,
        pollutant=pollutant,
        unit=point.canonical_unit if point else "",
        limit=limit.concentration_limit if limit else None,
        daily_max=daily,
        points=points,
        start=start,
        end=end,
    )


@dataclass(frozen=True)
class MonthCompleteness:
    month: int
    expected: int
    recorded: int

    @property
    def ratio(self) -> float | None:
        return None if self.expected == 0 else self.recorded / self.expected


async def _monthly_completeness(
    session: AsyncSession, context: LedgerContext, year: int, now: datetime
) -> list[MonthCompleteness]:
    """Recorded against expected slots per China month of the year, as the completeness rule counts them."""
    dialect = _dialect(session)
    year_start = datetime(year, 1, 1, tzinfo=CHINA)
    year_end = datetime(year + 1, 1, 1, tzinfo=CHINA)
    readings = MonitoringReading.__table__  # type: ignore[attr-defined]
    entries = LedgerEntry.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    # Per series and China day: how many distinct hours have a valid reading.
    day = _china_day(readings.c.measured_at, dialect).label("day")
    reading_days = await connection.execute(
        sa.select(
            readings.c.outlet_code,
            readings.c.pollutant,
            readings.c.method,
            day,
            sa.func.count(sa.distinct(_hour(readings.c.measured_at, dialect))),
        )
        .where(
            readings.c.permit_id == context.permit.id,
            readings.c.voided_at.is_(None),
            readings.c.measured_at >= year_start,
            readings.c.measured_at < year_end,
        )
        .group_by(readings.c.outlet_code, readings.c.pollutant, readings.c.method, day)
    )
    hours_by_day: dict[tuple[str, str, str], dict[date, int]] = defaultdict(dict)
    for outlet, pollutant, method, text, hours in reading_days:
        hours_by_day[(outlet, pollutant, method)][date.fromisoformat(str(text))] = int(hours)
    entry_day = _china_day(entries.c.period_start, dialect).label("day")
    entry_days = await connection.execute(
        sa.select(entries.c.kind, entry_day)
        .where(
            entries.c.permit_id == context.permit.id,
            entries.c.voided_at.is_(None),
            entries.c.period_start >= year_start,
            entries.c.period_start < year_end,
        )
        .group_by(entries.c.kind, entry_day)
    )
    days_by_kind: dict[str, set[date]] = defaultdict(set)
    for kind, text in entry_days:
        days_by_kind[kind].add(date.fromisoformat(str(text)))
    requirements: list[tuple[str, dict[date, int]]] = [
        (m.frequency, hours_by_day.get((point.code, m.pollutant, m.method), {}))
        for point in context.points
        for m in point.monitoring
    ]
    requirements += [
        (r.frequency, dict.fromkeys(days_by_kind.get(r.kind, set()), 1))
        for r in context.ledger_requirements
        if r.kind != "monitoring"
    ]
    months: list[MonthCompleteness] = []
    for month in range(1, 13):
        start = year_start.replace(month=month)
        end = min(year_end if month == 12 else year_start.replace(month=month + 1), now.astimezone(CHINA))
        start, end = clip(start, end, context.permit)
        expected = recorded = 0
        for frequency, days in requirements:
            slots = rules.slot_count(start, end, frequency)
            if slots <= 0:
                continue
            expected += slots
            inside = {
                d: n for d, n in days.items() if start <= datetime(d.year, d.month, d.day, tzinfo=CHINA) < end
            }
            if frequency in HOURLY:
                filled = sum(inside.values())
            else:
                filled = len(
                    {
                        rules.slot_of(datetime(d.year, d.month, d.day, tzinfo=CHINA), frequency, start)
                        for d in inside
                    }
                )
            recorded += min(filled, slots)
        months.append(MonthCompleteness(month, expected, recorded))
    return months


@dataclass
class ChartsPage:
    context: LedgerContext
    outlet: str
    pollutant: str
    series: ConcentrationSeries | None
    year: int
    months: list[MonthCompleteness]
    start: datetime
    end: datetime
    errors: list[FieldError]


async def charts_page(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    outlet: str = "",
    pollutant: str = "",
    first_day: date | None = None,
    last_day: date | None = None,
    year: int | None = None,
    now: datetime | None = None,
) -> ChartsPage:
    """One outlet and pollutant against its permitted concentration over China days [first, last] (the
    last 30 days unless given), and completeness month by month of ``year`` (this one unless given)."""
    context = await ledger_context(session, actor, permit_number=permit_number)
    now = now or utcnow()
    errors: list[FieldError] = []
    today_start = now.astimezone(CHINA).replace(hour=0, minute=0, second=0, microsecond=0)
    first = _midnight(first_day) if first_day else today_start - timedelta(days=29)
    last = _midnight(last_day) if last_day else today_start
    if last < first:
        errors.append(FieldError("to", "end_before_start", N_("The end is not after the start.")))
        first, last = last, first
    if last - first > timedelta(days=MAX_DAYS):
        errors.append(FieldError("from", "too_long", N_("Choose at most three years.")))
        first = last - timedelta(days=MAX_DAYS)
    outlet, pollutant = outlet.strip().upper(), pollutant.strip().upper()
    if context.limit(outlet, pollutant) is None:
        monitored = [(p.code, m.pollutant) for p in context.points for m in p.monitoring]
        fallback = (
            monitored[0] if monitored else next(((p.code, lim.pollutant) for p, lim in context.pairs), None)
        )
        outlet, pollutant = fallback or ("", "")
    series = (
        await _concentration_series(session, context, outlet, pollutant, first, last + timedelta(days=1))
        if outlet
        else None
    )
    chosen_year = min(max(year or today_start.year, FIRST_YEAR), today_start.year)
    months = await _monthly_completeness(session, context, chosen_year, now)
    return ChartsPage(
        context=context,
        outlet=outlet,
        pollutant=pollutant,
        series=series,
        year=chosen_year,
        months=months,
        start=first,
        end=last,
        errors=errors,
    )


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CHINA)
