"""A year of believable ledger data for the demo units that have logins.

Hourly automatic monitoring for their automatic requirements (a diurnal pattern well
below the limits, with a few real exceedances, some explained and some still open),
manual samples for the manual requirements, daily facility-operation records, one
abnormal event — and deliberate gaps: a five-day monitor outage at one unit, missing
daily records and a missing monthly sample at another. Everything goes through the
ledger use cases as the unit's own user, so it is traced like real data.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor
from domain.clock import CHINA, utcnow
from domain.enterprises.models import Enterprise
from domain.ledgers import rules as ledger_rules
from domain.ledgers.entry_rules import EntryInput
from domain.ledgers.models import Exceedance
from domain.ledgers.rules import FLOW_BOUNDS, ReadingInput
from domain.ledgers.service.entries import record_entry
from domain.ledgers.service.exceedances import explain_exceedance
from domain.ledgers.service.readings import record_readings
from domain.permits.models import Permit, PermitLimit, PermitMonitoring, PermitOutlet
from domain.permits.rules import PermitStatus

DAYS = 365
AIR_FLOW_M3_PER_HOUR = 350_000.0
WATER_FLOW_M3_PER_HOUR = 150.0


async def keep_demo_ledgers(session: AsyncSession, units: dict[str, Actor]) -> int:
    """``units``: credit code → the unit's own user. Returns the number of readings written."""
    written = 0
    for number, (credit_code, actor) in enumerate(sorted(units.items())):
        permit = (
            await session.exec(
                select(Permit)
                .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
                .where(Enterprise.credit_code == credit_code, Permit.status == PermitStatus.ISSUED)
            )
        ).first()
        if permit is None or permit.valid_from is None or permit.number is None:
            continue
        written += await _one_unit(
            session, permit, actor, seed=number, outage=number == 1, sloppy=number == 2
        )
    return written


async def _one_unit(
    session: AsyncSession, permit: Permit, actor: Actor, *, seed: int, outage: bool, sloppy: bool
) -> int:
    assert permit.valid_from is not None and permit.number is not None
    rng = random.Random(seed)
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    valid_from = datetime.combine(permit.valid_from, datetime.min.time(), tzinfo=CHINA).astimezone(UTC)
    start = max(valid_from, now - timedelta(days=DAYS))
    hours = int((now - start).total_seconds() // 3600) - 1
    if hours <= 0:
        return 0
    version = permit.content_version
    limits = {
        (limit.point_code, limit.pollutant): limit
        for limit in (
            await session.exec(
                select(PermitLimit).where(PermitLimit.permit_id == permit.id, PermitLimit.version == version)
            )
        ).all()
    }
    media = {
        outlet.code: outlet.medium
        for outlet in (
            await session.exec(
                select(PermitOutlet).where(
                    PermitOutlet.permit_id == permit.id, PermitOutlet.version == version
                )
            )
        ).all()
    }
    requirements = (
        await session.exec(
            select(PermitMonitoring).where(
                PermitMonitoring.permit_id == permit.id, PermitMonitoring.version == version
            )
        )
    ).all()
    written = 0
    first_series = True
    first_over = True  # at the sloppy unit, one series runs over its permitted annual quantity
    for requirement in requirements:
        limit = limits.get((requirement.point_code, requirement.pollutant))
        if limit is None:
            continue
        medium = media.get(requirement.point_code)
        over = (
            sloppy and first_over and requirement.method == "automatic" and bool(limit.annual_quantity_limit)
        )
        first_over = first_over and not over
        this_year = int((now - now.replace(month=1, day=1, hour=0)).total_seconds() // 3600)
        flow = _flow(limit, medium, over=over, hours=min(hours, this_year))
        readings: list[ReadingInput] = []
        if requirement.method == "automatic":
            spikes = _exceedance_hours(hours, rng) if first_series else set()
            first_series = False
            gap = range(hours - 24 * 25, hours - 24 * 20) if outage else range(0)
            for hour in range(hours):
                if hour in gap:
                    continue  # the monitor was out of service: a gap the ledger must show
                moment = start + timedelta(hours=hour)
                value = _value(limit, moment, rng)
                if hour in spikes:
                    value = round(limit.concentration_limit * rng.uniform(1.15, 1.45), 3)
                readings.append(
                    ReadingInput(
                        requirement.point_code,
                        requirement.pollutant,
                        "automatic",
                        moment,
                        value,
                        limit.unit,
                        flow_m3=flow if medium else None,
                    )
                )
        else:
            for moment in _sample_times(start, now, requirement.frequency):
                if sloppy and requirement.frequency == "monthly" and moment > now - timedelta(days=35):
                    continue  # the latest monthly sample was not taken
                value = _value(limit, moment, rng)
                readings.append(
                    ReadingInput(
                        requirement.point_code,
                        requirement.pollutant,
                        "manual",
                        moment,
                        value,
                        limit.unit,
                        flow_m3=flow * 24 if medium else None,
                    )
                )
        for chunk in range(0, len(readings), 20_000):
            result = await record_readings(
                session,
                actor,
                permit_number=permit.number,
                readings=readings[chunk : chunk + 20_000],
                source="demo",
            )
            written += result.written
    await _entries(session, permit, actor, now, rng, sloppy=sloppy)
    await _explain_some(session, permit, actor)
    return written


MEAN_SHARE = 0.42  # of the permitted concentration: the mean of ``_value``


def _flow(limit: PermitLimit, medium: str | None, *, over: bool, hours: int) -> float:
    """The outlet's flow (m³/h), at most the plant-sized default, and small enough that a year at this
    concentration stays near 70 % of the permitted annual quantity; where it should run over, enough for
    the ``hours`` of data in this calendar year to pass it."""
    default = WATER_FLOW_M3_PER_HOUR if medium == "water" else AIR_FLOW_M3_PER_HOUR
    if not limit.annual_quantity_limit or limit.unit == "dimensionless":
        return default
    tonnes_per_m3 = limit.concentration_limit * MEAN_SHARE * (1e-6 if medium == "water" else 1e-9)
    if over:
        # Never past the plausible flow of one reading (docs/reading-bounds.md): early in January a
        # series may then stay under its annual quantity.
        plausible = FLOW_BOUNDS["water" if medium == "water" else "air"]
        return min(plausible, 1.15 * limit.annual_quantity_limit / (tonnes_per_m3 * max(hours, 24)))
    return min(default, 0.7 * limit.annual_quantity_limit / (tonnes_per_m3 * 24 * 365))


def _value(limit: PermitLimit, moment: datetime, rng: random.Random) -> float:
    if limit.unit == "dimensionless":
        return round(rng.uniform(6.9, 7.8), 2)  # pH around neutral
    hour = moment.astimezone(CHINA).hour
    diurnal = 0.12 * math.sin((hour - 6) / 24 * 2 * math.pi)
    share = MEAN_SHARE + diurnal + rng.uniform(-0.06, 0.06)
    return round(max(0.01, limit.concentration_limit * share), 3)


def _exceedance_hours(hours: int, rng: random.Random) -> set[int]:
    """Three short episodes over the year: a few hours above the limit each."""
    spikes: set[int] = set()
    for days_back in (250, 120, 9):
        begin = hours - days_back * 24 + rng.randint(8, 14)
        if begin > 0:
            spikes.update(range(begin, begin + rng.randint(2, 4)))
    return spikes


def _sample_times(start: datetime, end: datetime, frequency: str) -> list[datetime]:
    """One sample in each slot of the frequency, mid-slot at 10:00 China time, before ``end``."""
    times = []
    cursor = ledger_rules.slot_floor(start, frequency)
    while cursor < end:
        following = ledger_rules.slot_start(1, frequency, cursor)
        middle = cursor + (following - cursor) / 2
        sample = middle.astimezone(CHINA).replace(hour=10, minute=0, second=0, microsecond=0)
        if start <= sample < end - timedelta(hours=2):
            times.append(sample)
        cursor = following
    return times


async def _entries(
    session: AsyncSession, permit: Permit, actor: Actor, now: datetime, rng: random.Random, *, sloppy: bool
) -> None:
    assert permit.number is not None
    today = now.astimezone(CHINA).replace(hour=0)
    for days_back in range(45, 0, -1):
        day = today - timedelta(days=days_back)
        if sloppy and days_back % 6 == 0:
            continue  # records kept as a formality: days are missing
        hours_run = 24 if rng.random() > 0.05 else rng.randint(10, 20)
        await record_entry(
            session,
            actor,
            permit_number=permit.number,
            data=EntryInput(
                kind="production_facility",
                subject="主要生产设施",
                period_start=day,
                period_end=day + timedelta(days=1),
                data={
                    "status": "正常运行" if hours_run == 24 else "部分时段停运检修",
                    "hours": hours_run,
                    "load_percent": rng.randint(70, 95),
                },
            ),
        )
        await record_entry(
            session,
            actor,
            permit_number=permit.number,
            data=EntryInput(
                kind="control_facility",
                subject="主要污染防治设施",
                period_start=day,
                period_end=day + timedelta(days=1),
                data={"status": "正常运行", "hours": hours_run},
            ),
        )
    event_day = today - timedelta(days=9)
    await record_entry(
        session,
        actor,
        permit_number=permit.number,
        data=EntryInput(
            kind="abnormal",
            subject="主要污染防治设施",
            period_start=event_day + timedelta(hours=9),
            period_end=event_day + timedelta(hours=13),
            data={
                "description": "循环泵跳闸，处理效率下降",
                "cause": "循环泵电机过载保护动作",
                "measures": "切换备用泵，检修电机并加强巡检",
            },
        ),
    )


async def _explain_some(session: AsyncSession, permit: Permit, actor: Actor) -> None:
    """The older exceedances were explained; the most recent one is still open for the unit to explain."""
    episodes = (
        await session.exec(
            select(Exceedance).where(Exceedance.permit_id == permit.id).order_by(col(Exceedance.started_at))
        )
    ).all()
    for episode in list(episodes)[:-1]:
        assert episode.id is not None
        await explain_exceedance(
            session,
            actor,
            exceedance_id=episode.id,
            cause="启停机过程中燃烧工况不稳定",
            measures="优化启停操作规程，加强启停期间的运行监控",
        )
