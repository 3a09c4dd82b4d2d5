"""Exceedances (超标): opened by the readings that cause them, explained by the unit.

``detect_exceedances`` is called by the readings' use cases in their transaction; the unit (and an
agency keeping its ledger) is told when one opens. ``explain_exceedance`` is the use case both faces
call: ``Operation.LEDGER_WRITE`` (the unit's users; an agency authorised for the ledger).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation
from domain.audit.service import record
from domain.clock import CHINA, china_date, utcnow
from domain.errors import ValidationFailed
from domain.ledgers import notices as exceedance_notices
from domain.ledgers import rules
from domain.ledgers.lookup import ledger_record
from domain.ledgers.models import Exceedance, MonitoringReading
from domain.ledgers.rules import PointInfo, aware
from domain.permits.models import Permit

EXPLANATION_MAX = 2000  # the columns' length


async def detect_exceedances(
    session: AsyncSession,
    permit: Permit,
    points: dict[str, PointInfo],
    series: set[tuple[str, str]],
    start: datetime,
    end: datetime,
) -> int:
    """(Re)build concentration exceedance episodes for the series touched, and check annual quantities."""
    opened = 0
    margin = timedelta(hours=2)
    for outlet_code, pollutant in sorted(series):
        limit = points[outlet_code].limits.get(pollutant)
        if limit is None:
            continue
        rows = (
            await session.exec(
                select(
                    MonitoringReading.measured_at,
                    MonitoringReading.period_end,
                    MonitoringReading.concentration,
                )
                .where(
                    MonitoringReading.permit_id == permit.id,
                    MonitoringReading.outlet_code == outlet_code,
                    MonitoringReading.pollutant == pollutant,
                    col(MonitoringReading.voided_at).is_(None),
                    col(MonitoringReading.measured_at) >= start - margin,
                    col(MonitoringReading.measured_at) <= end + margin,
                    # Only readings above the limit: compliant hours break an episode by leaving
                    # a gap between one exceeding reading's end and the next one's start.
                    col(MonitoringReading.concentration) > limit,
                )
                .order_by(col(MonitoringReading.measured_at))
            )
        ).all()
        episodes = rules.exceedance_episodes(((aware(a), aware(b), c) for a, b, c in rows), limit)
        for episode in episodes:
            opened += await _upsert_exceedance(
                session,
                permit,
                outlet_code,
                pollutant,
                "concentration",
                episode.started_at,
                episode.ended_at,
                episode.count,
                episode.max_value,
                limit,
                rules.canonical_unit(points[outlet_code].medium),
            )
        annual = points[outlet_code].annual_quantities.get(pollutant)
        if annual is not None:
            # Every China calendar year the batch touched (a batch across the new year adds to both).
            for year in range(china_date(start).year, china_date(end).year + 1):
                opened += await _check_annual_quantity(
                    session, permit, outlet_code, pollutant, annual, year, min(end, _china_new_year(year + 1))
                )
    return opened


def _china_new_year(year: int) -> datetime:
    """The first moment of a China calendar year, in UTC (the permitted annual quantity is a calendar
    year's, counted in China time like the ledger's months and the emissions chart)."""
    return datetime(year, 1, 1, tzinfo=CHINA).astimezone(UTC)


async def _upsert_exceedance(
    session: AsyncSession,
    permit: Permit,
    outlet_code: str,
    pollutant: str,
    kind: str,
    started: datetime,
    ended: datetime,
    count: int,
    max_value: float,
    limit: float,
    unit: str,
) -> int:
    # An episode that grew (a later batch continued it) keeps its row: match on overlap.
    existing = (
        await session.exec(
            select(Exceedance).where(
                Exceedance.permit_id == permit.id,
                Exceedance.outlet_code == outlet_code,
                Exceedance.pollutant == pollutant,
                Exceedance.kind == kind,
                col(Exceedance.started_at) <= ended,
                col(Exceedance.ended_at) >= started,
            )
        )
    ).first()
    if existing is not None:
        existing.started_at = min(aware(existing.started_at), started)
        existing.ended_at = max(aware(existing.ended_at), ended)
        existing.reading_count = max(existing.reading_count, count)
        existing.max_value = max(existing.max_value, max_value)
        session.add(existing)
        return 0
    exceedance = Exceedance(
        permit_id=permit.id or 0,
        enterprise_id=permit.enterprise_id,
        region_code=permit.region_code,
        outlet_code=outlet_code,
        pollutant=pollutant,
        kind=kind,
        started_at=started,
        ended_at=ended,
        reading_count=count,
        max_value=max_value,
        limit_value=limit,
        unit=unit,
    )
    session.add(exceedance)
    # Opened now: the unit (and an agency keeping its ledger) is told in this same transaction.
    await exceedance_notices.exceedance_opened(session, permit, exceedance)
    return 1


async def _check_annual_quantity(
    session: AsyncSession,
    permit: Permit,
    outlet_code: str,
    pollutant: str,
    annual_t: float,
    year: int,
    until: datetime,
) -> int:
    year_start, year_end = _china_new_year(year), _china_new_year(year + 1)
    total_kg = (
        await session.exec(
            select(sa.func.coalesce(sa.func.sum(MonitoringReading.quantity_kg), 0.0)).where(
                MonitoringReading.permit_id == permit.id,
                MonitoringReading.outlet_code == outlet_code,
                MonitoringReading.pollutant == pollutant,
                col(MonitoringReading.voided_at).is_(None),
                col(MonitoringReading.measured_at) >= year_start,
                col(MonitoringReading.measured_at) < year_end,
            )
        )
    ).one()
    total_t = float(total_kg or 0.0) / 1000
    if total_t <= annual_t:
        return 0
    return await _upsert_exceedance(
        session,
        permit,
        outlet_code,
        pollutant,
        "annual_quantity",
        year_start,
        until,
        1,
        total_t,
        annual_t,
        "t",
    )


async def explain_exceedance(
    session: AsyncSession,
    actor: Actor,
    *,
    exceedance_id: int,
    cause: str,
    measures: str,
    permit_number: str | None = None,
) -> Exceedance:
    """Record the cause and the measures taken; that closes the exceedance (it stays listed)."""
    exceedance, _permit = await ledger_record(
        session,
        actor,
        Exceedance,
        exceedance_id,
        field="exceedance",
        operation=Operation.LEDGER_WRITE,
        permit_number=permit_number,
    )
    errors = rules.text_errors("cause", cause, limit=EXPLANATION_MAX) + rules.text_errors(
        "measures", measures, limit=EXPLANATION_MAX
    )
    if errors:
        raise ValidationFailed(errors)
    before = {"status": exceedance.status, "cause": exceedance.cause, "measures": exceedance.measures}
    exceedance.cause, exceedance.measures = cause.strip(), measures.strip()
    exceedance.status = "explained"
    exceedance.explained_at, exceedance.explained_by = utcnow(), actor.username
    session.add(exceedance)
    record(
        session,
        actor,
        action="ledger.explain_exceedance",
        object_type="exceedance",
        object_id=exceedance_id,
        enterprise_id=exceedance.enterprise_id,
        before=before,
        after={"status": "explained", "cause": exceedance.cause, "measures": exceedance.measures},
    )
    return exceedance
