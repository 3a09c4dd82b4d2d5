"""A filing's completeness counted by the database (issue 19): per permit, series and frequency, the
number of distinct slots its valid readings fill in the requirement's window (from the slot the period
begins in up to the end, less the slots wholly inside a shutdown), instead of every reading's time. The
counts are exactly ``rules.coverage``'s ``recorded`` (tests/ledgers/test_counted_coverage.py); the ledger
pages, which list the gaps, still walk the slots in Python (``period._coverage``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import CHINA
from domain.ledgers.models import MonitoringReading
from domain.ledgers.rules import FAR_FUTURE, aware, slot_count, slot_of, slot_start
from domain.permits.reference import Frequency
from domain.permits.terms import PermitTerms


def excused_runs(
    frequency: str, origin: datetime, expected: int, shutdowns: Iterable[tuple[datetime, datetime]]
) -> list[tuple[int, int]]:
    """``rules.excused_slots`` as sorted, disjoint runs of slots [low, high), without a set of every slot (a
    year's shutdown is thousands of hourly slots)."""
    runs: list[tuple[int, int]] = []
    for first, after in shutdowns:
        low = slot_of(first, frequency, origin)
        if slot_start(low, frequency, origin) < aware(first).astimezone(CHINA) and low >= 0:
            low += 1  # the slot the shutdown begins in had production before it
        high = min(expected, slot_of(after, frequency, origin) if after < FAR_FUTURE else expected)
        if max(low, 0) < high:
            runs.append((max(low, 0), high))
    merged_runs: list[tuple[int, int]] = []
    for low, high in sorted(runs):
        if merged_runs and low <= merged_runs[-1][1]:
            merged_runs[-1] = (merged_runs[-1][0], max(merged_runs[-1][1], high))
        else:
            merged_runs.append((low, high))
    return merged_runs


def recorded_windows(
    frequency: str, origin: datetime, end: datetime, shutdowns: Iterable[tuple[datetime, datetime]] = ()
) -> tuple[int, list[tuple[datetime, datetime]]]:
    """What ``coverage`` expects of a requirement in [origin, end), and the windows of time whose records
    fill its slots: [origin, end) less the slots wholly inside a shutdown. The windows' bounds are slot
    boundaries (or ``end``), so each slot lies in one window and the slots recorded are the distinct
    slots of the moments inside them, counted window by window (in SQL: issue 19)."""
    slots = slot_count(origin, end, frequency)
    runs = excused_runs(frequency, origin, slots, shutdowns)
    windows: list[tuple[datetime, datetime]] = []
    at = 0
    for low, high in [*runs, (slots, slots)]:
        if low > at:
            windows.append(
                (
                    origin if at == 0 else slot_start(at, frequency, origin),
                    end if low >= slots else slot_start(low, frequency, origin),
                )
            )
        at = high
    return slots - sum(high - low for low, high in runs), windows


Counted = dict[tuple[str, str, str, str], int]  # (outlet, pollutant, method, frequency) -> slots recorded
_MONTH_STEPS = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.SEMIANNUAL: 6,
    Frequency.ANNUAL: 12,
}


def _slot_key(frequency: str, dialect: str) -> Any:
    """An expression of ``measured_at`` that names the China-calendar slot (of ``rules.slot_of``) a
    reading falls into, one value per slot: its distinct values in a window are the slots recorded.
    China is UTC+8 all year (no summer time), a whole number of hours from UTC: its hours are UTC hours.
    SQLite holds UTC as text 'YYYY-MM-DD HH:MM:SS.ffffff'; its date functions read the seconds'
    fraction to the millisecond, rounding 23:59:59.9995 into the next day, so they read the first 19
    characters (a slot begins on a whole second)."""
    if dialect == "postgresql":
        utc = sa.func.timezone("UTC", MonitoringReading.measured_at)
        if frequency in (Frequency.CONTINUOUS, Frequency.HOURLY):
            return sa.func.date_trunc("hour", utc)
        local = utc + sa.literal_column("INTERVAL '8 hours'")
        if frequency == Frequency.DAILY:
            return sa.cast(local, sa.Date)
        if frequency == Frequency.WEEKLY:
            return sa.func.date_trunc("week", local)  # ISO weeks begin on Monday, as slot_floor's
        months = sa.cast(sa.extract("year", local), sa.Integer) * 12 + sa.cast(
            sa.extract("month", local), sa.Integer
        )
    else:
        seconds = sa.func.substr(MonitoringReading.measured_at, 1, 19)
        if frequency in (Frequency.CONTINUOUS, Frequency.HOURLY):
            return sa.func.substr(MonitoringReading.measured_at, 1, 13)
        if frequency == Frequency.DAILY:
            return sa.func.date(seconds, "+8 hours")
        if frequency == Frequency.WEEKLY:
            return sa.func.date(seconds, "+8 hours", "weekday 0", "-6 days")  # the week's Monday
        months = sa.cast(sa.func.strftime("%Y", seconds, "+8 hours"), sa.Integer) * 12 + sa.cast(
            sa.func.strftime("%m", seconds, "+8 hours"), sa.Integer
        )
    # Months since year 0 in whole slots (integer division of positive integers, on both databases):
    # a slot's first month is a multiple of its length (slot_floor), so one value per slot.
    step = _MONTH_STEPS.get(Frequency(frequency), 12)
    return (months - 1).self_group().op("/")(sa.literal_column(str(step)))


@lru_cache(maxsize=64)
def _counting_statement(dialect: str, frequencies: tuple[str, ...]) -> Any:
    """One statement for every window to count in (branch ``i`` counts in frequency ``frequencies[i]``'s
    slots): per permit and series, the distinct slots of its valid readings inside the window. Each
    branch keeps the measured_at range, so PostgreSQL reads only the months' partitions it covers.
    Built once per shape: without shutdowns a batch has one window per frequency."""
    reading = MonitoringReading
    branches = []
    for i, frequency in enumerate(frequencies):
        branches.append(
            sa.select(  # type: ignore[call-overload]
                sa.literal_column(str(i)).label("branch"),
                reading.permit_id,
                reading.outlet_code,
                reading.pollutant,
                reading.method,
                sa.func.count(sa.distinct(_slot_key(frequency, dialect))).label("slots"),
            )
            .where(
                col(reading.permit_id).in_(sa.bindparam(f"ids_{i}", expanding=True)),
                col(reading.outlet_code).in_(sa.bindparam(f"outlets_{i}", expanding=True)),
                col(reading.pollutant).in_(sa.bindparam(f"pollutants_{i}", expanding=True)),
                col(reading.method).in_(sa.bindparam(f"methods_{i}", expanding=True)),
                col(reading.voided_at).is_(None),
                col(reading.measured_at) >= sa.bindparam(f"low_{i}"),
                col(reading.measured_at) < sa.bindparam(f"high_{i}"),
            )
            .group_by(reading.permit_id, reading.outlet_code, reading.pollutant, reading.method)
        )
    return branches[0] if len(branches) == 1 else sa.union_all(*branches)


async def counted_slots(
    session: AsyncSession,
    terms: dict[int, PermitTerms],
    origins: dict[str, datetime],
    end: datetime,
    spans_of: dict[int, list[tuple[datetime, datetime]]],
) -> dict[int, Counted]:
    """The slots each required series recorded from its frequency's origin to ``end``, outside the
    slots a shutdown excuses, counted by the database: a handful of rows per permit where the moments
    were every reading (a year of hourly readings is 8,760 per series; issue 19). Exactly the
    ``recorded`` of ``rules.coverage``: the windows are ``rules.recorded_windows``."""
    # (frequency, low, high) -> the permits whose requirements of that frequency count in that window
    windows: dict[tuple[str, datetime, datetime], list[int]] = defaultdict(list)
    for permit_id, permit_terms_ in sorted(terms.items()):
        for frequency in sorted({m.frequency for m in permit_terms_.monitoring}):
            _, own = recorded_windows(frequency, origins[frequency], end, spans_of.get(permit_id, []))
            for low, high in own:
                windows[(frequency, low, high)].append(permit_id)
    if not windows:
        return {}
    params: dict[str, Any] = {}
    branches: list[tuple[str, set[tuple[str, str, str]]]] = []
    for i, ((frequency, low, high), ids) in enumerate(windows.items()):
        series = {
            (m.point, m.pollutant, m.method)
            for permit_id in ids
            for m in terms[permit_id].monitoring
            if m.frequency == frequency
        }
        params |= {
            f"ids_{i}": ids,
            f"outlets_{i}": sorted({s[0] for s in series}),
            f"pollutants_{i}": sorted({s[1] for s in series}),
            f"methods_{i}": sorted({s[2] for s in series}),
            f"low_{i}": low,
            f"high_{i}": high,
        }
        branches.append((frequency, series))
    dialect = str(session.get_bind().dialect.name)
    statement = _counting_statement(dialect, tuple(frequency for frequency, _ in branches))
    required = {
        permit_id: {(m.point, m.pollutant, m.method, m.frequency) for m in t.monitoring}
        for permit_id, t in terms.items()
    }
    found: dict[int, Counted] = defaultdict(lambda: defaultdict(int))
    for branch, permit_id, outlet_code, pollutant, method, slots in (
        await session.exec(statement, params=params)  # type: ignore[call-overload]
    ).all():
        key = (outlet_code, pollutant, method, branches[int(branch)][0])
        if key in required[int(permit_id)]:
            found[int(permit_id)][key] += int(slots)
    return found
