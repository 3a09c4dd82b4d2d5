"""What the ledger of a period holds: completeness against the permit's requirements, actual emissions
with their method (M48 §36), concentration statistics, abnormal entries and shutdowns.

Read side: no writes. ``period_ledgers`` serves many permits in a fixed number of queries (the reports
of a filing deadline); ``completeness`` and ``actual_emissions`` are what the faces ask for one permit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation
from domain.bounds import day_in_range, out_of_range
from domain.clock import utcnow
from domain.errors import ValidationFailed
from domain.ledgers import rules
from domain.ledgers.lookup import ledger_permit, points_of
from domain.ledgers.models import LedgerEntry, MonitoringReading, ShutdownPeriod
from domain.ledgers.queries.counted import Counted, counted_slots, recorded_windows
from domain.permits.models import Permit
from domain.permits.terms import PermitTerms, terms_of


def _period(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """A period asked for from outside: days the calendar can step past, a time without zone as UTC."""
    errors = [
        out_of_range(name) for name, moment in (("start", start), ("end", end)) if not day_in_range(moment)
    ]
    if errors:
        raise ValidationFailed(errors)
    return rules.aware(start), rules.aware(end)


async def completeness(
    session: AsyncSession, actor: Actor, *, permit_number: str, start: datetime, end: datetime
) -> list[rules.RequirementCoverage]:
    """What the permit requires against what was recorded in [start, end): the gaps and the ratio."""
    permit = await ledger_permit(session, actor, permit_number, Operation.LEDGER_VIEW)
    start, end = _period(start, end)
    summary = await period_ledger(session, permit, start=start, end=end, emissions=False)
    return summary.coverage


@dataclass(frozen=True)
class EmissionFigure:
    outlet_code: str
    pollutant: str
    method: str  # automatic / manual / factor / missing
    quantity_kg: float | None
    automatic_coverage: float
    readings: int


async def actual_emissions(
    session: AsyncSession, actor: Actor, *, permit_number: str, start: datetime, end: datetime
) -> list[EmissionFigure]:
    """Actual emission quantity per outlet and pollutant in [start, end), and the method used (M48 §36)."""
    permit = await ledger_permit(session, actor, permit_number, Operation.LEDGER_VIEW)
    start, end = _period(start, end)
    summary = await period_ledger(session, permit, start=start, end=end, coverage=False)
    return summary.figures


@dataclass(frozen=True)
class SeriesStats:
    """Concentrations recorded for one outlet and pollutant over a period, whatever the method."""

    average: float | None
    maximum: float | None
    readings: int


@dataclass
class PeriodLedger:
    """What the ledger holds for one permit over [start, end): actual emissions with their method,
    concentration statistics, completeness against the permit's requirements, abnormal-operation entries."""

    figures: list[EmissionFigure]
    stats: dict[tuple[str, str], SeriesStats]
    coverage: list[rules.RequirementCoverage]
    abnormal: list[LedgerEntry]
    shutdowns: list[ShutdownPeriod] = field(default_factory=list)  # 停产 touching the period


async def period_ledger(
    session: AsyncSession,
    permit: Permit,
    *,
    start: datetime,
    end: datetime,
    emissions: bool = True,
    coverage: bool = True,
) -> PeriodLedger:
    """The ledger of a permit over [start, end). The caller checks access."""
    assert permit.id is not None
    found = await period_ledgers(
        session, [permit], start=start, end=end, emissions=emissions, coverage=coverage
    )
    return found[permit.id]


async def period_ledgers(
    session: AsyncSession,
    permits: Sequence[Permit],
    *,
    start: datetime,
    end: datetime,
    emissions: bool = True,
    coverage: bool = True,
    gaps: bool = True,
) -> dict[int, PeriodLedger]:
    """The ledgers of many permits over one period [start, end), in three queries whatever the number of
    permits, outlets, pollutants and requirements: at a filing deadline many units file the same period
    at once. ``gaps=False``: each requirement's coverage counts without its gaps (what a filing's
    completeness ratio needs). The caller checks access."""
    if not permits:
        return {}
    ids = sorted({p.id for p in permits if p.id is not None})
    terms = await terms_of(session, permits)
    now = utcnow()
    judged_until = min(end, now)  # completeness of a period still running is judged up to now
    frequencies = {m.frequency for t in terms.values() for m in t.monitoring} | {
        r.frequency for t in terms.values() for r in t.ledger_requirements
    }
    origins = {frequency: rules.slot_floor(start, frequency) for frequency in frequencies}
    earliest = min([start, *origins.values()])
    entries: dict[int, list[LedgerEntry]] = defaultdict(list)
    for entry in (
        await session.exec(_statements().entries, params={"ids": ids, "start": earliest, "end": end})
    ).all():
        entries[entry.permit_id].append(entry)
    sums = await _reading_sums(session, ids, start, end) if emissions else {}
    stopped = await _shutdowns(session, ids, earliest, end)
    spans_of = {
        permit_id: [rules.shutdown_span(stop.starts_on, stop.ends_on) for stop in stopped.get(permit_id, [])]
        for permit_id in terms
    }
    moments: dict[int, Moments] = {}
    counted: dict[int, Counted] = {}
    if coverage and gaps:
        moments = await _required_moments(session, terms, origins, judged_until)
    elif coverage:
        counted = await counted_slots(session, terms, origins, judged_until, spans_of)
    found: dict[int, PeriodLedger] = {}
    for permit_id, permit_terms_ in terms.items():
        own = entries.get(permit_id, [])
        own_stops = stopped.get(permit_id, [])
        spans = spans_of[permit_id]
        in_period = [e for e in own if rules.aware(e.period_start) >= start]
        figures: list[EmissionFigure] = []
        stats: dict[tuple[str, str], SeriesStats] = {}
        if emissions:
            figures, stats = _emission_figures(
                permit_terms_, sums.get(permit_id, []), start, end, now, in_period, spans
            )
        items: list[rules.RequirementCoverage] = []
        if coverage:
            items = _coverage(
                permit_terms_,
                moments.get(permit_id, {}),
                origins,
                judged_until,
                own,
                spans,
                gaps=gaps,
                counted=None if gaps else counted.get(permit_id, {}),
            )
        found[permit_id] = PeriodLedger(
            figures=figures,
            stats=stats,
            coverage=items,
            abnormal=[e for e in in_period if e.kind == "abnormal"],
            shutdowns=[
                stop for stop in own_stops if rules.shutdown_span(stop.starts_on, stop.ends_on)[1] > start
            ],
        )
    return found


@dataclass(frozen=True)
class _Statements:
    entries: Any
    shutdowns: Any
    sums: Any
    moments: Any


@lru_cache(maxsize=1)
def _statements() -> _Statements:
    """The period's reads, built once and bound per call: at a deadline a batch of filings reads the
    ledgers of several periods, and building a statement cost more CPU than running it (issue 19)."""
    ids: Any = sa.bindparam("ids", expanding=True)
    start: Any = sa.bindparam("start")
    end: Any = sa.bindparam("end")
    reading = MonitoringReading
    return _Statements(
        entries=select(LedgerEntry).where(
            col(LedgerEntry.permit_id).in_(ids),
            col(LedgerEntry.voided_at).is_(None),
            col(LedgerEntry.period_start) >= start,
            col(LedgerEntry.period_start) < end,
        ),
        shutdowns=select(ShutdownPeriod)
        .where(
            col(ShutdownPeriod.permit_id).in_(ids),
            col(ShutdownPeriod.starts_on) <= sa.bindparam("last"),
            sa.or_(
                col(ShutdownPeriod.ends_on).is_(None), col(ShutdownPeriod.ends_on) >= sa.bindparam("first")
            ),
        )
        .order_by(col(ShutdownPeriod.starts_on)),
        sums=sa.select(  # type: ignore[call-overload]
            reading.permit_id,
            reading.outlet_code,
            reading.pollutant,
            reading.method,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(reading.quantity_kg), 0.0),
            sa.func.sum(reading.concentration),
            sa.func.count(col(reading.concentration)),
            sa.func.max(reading.concentration),
        )
        .where(
            col(reading.permit_id).in_(ids),
            col(reading.voided_at).is_(None),
            col(reading.measured_at) >= start,
            col(reading.measured_at) < end,
        )
        .group_by(reading.permit_id, reading.outlet_code, reading.pollutant, reading.method),
        moments=sa.select(  # type: ignore[call-overload]
            reading.permit_id, reading.outlet_code, reading.pollutant, reading.method, reading.measured_at
        ).where(
            col(reading.permit_id).in_(ids),
            col(reading.outlet_code).in_(sa.bindparam("outlets", expanding=True)),
            col(reading.voided_at).is_(None),
            col(reading.measured_at) >= start,
            col(reading.measured_at) < end,
        ),
    )


async def _shutdowns(
    session: AsyncSession, ids: list[int], start: datetime, end: datetime
) -> dict[int, list[ShutdownPeriod]]:
    """Shutdowns touching [start, end) per permit, oldest first (China calendar days)."""
    first, last = rules.china_day(start), rules.china_day(end)
    found: dict[int, list[ShutdownPeriod]] = defaultdict(list)
    for stop in (
        await session.exec(_statements().shutdowns, params={"ids": ids, "first": first, "last": last})  # type: ignore[call-overload]
    ).all():
        found[stop.permit_id].append(stop)
    return found


SumRow = tuple[str, str, str, int, float, float | None, int, float | None]


async def _reading_sums(
    session: AsyncSession, ids: list[int], start: datetime, end: datetime
) -> dict[int, list[SumRow]]:
    """Per permit, outlet, pollutant and method: readings, quantity, and concentration sum/count/max."""
    rows = (
        await session.exec(_statements().sums, params={"ids": ids, "start": start, "end": end})  # type: ignore[call-overload]
    ).all()
    found: dict[int, list[SumRow]] = defaultdict(list)
    for permit_id, *rest in rows:
        found[int(permit_id)].append(tuple(rest))  # type: ignore[arg-type]
    return found


def _emission_figures(
    terms: PermitTerms,
    sums: list[SumRow],
    start: datetime,
    end: datetime,
    now: datetime,
    entries: list[LedgerEntry],
    shutdowns: Sequence[tuple[datetime, datetime]] = (),
) -> tuple[list[EmissionFigure], dict[tuple[str, str], SeriesStats]]:
    by_series: dict[tuple[str, str], dict[str, tuple[int, float]]] = defaultdict(dict)
    concentration: dict[tuple[str, str], list[float]] = {}  # [sum, count, max, readings]
    for outlet_code, pollutant, method, count, total, c_sum, c_count, c_max in sums:
        series = (outlet_code, pollutant)
        by_series[series][method] = (int(count), float(total))
        seen = concentration.setdefault(series, [0.0, 0, float("-inf"), 0])
        seen[0] += float(c_sum or 0.0)
        seen[1] += int(c_count)
        seen[2] = max(seen[2], float(c_max)) if c_max is not None else seen[2]
        seen[3] += int(count)
    stats = {
        series: SeriesStats(
            average=total / counted if counted else None,
            maximum=highest if counted else None,
            readings=int(readings),
        )
        for series, (total, counted, highest, readings) in concentration.items()
    }
    factors = _factor_estimates(entries)
    automatic_required = {(m.point, m.pollutant) for m in terms.monitoring if m.method == "automatic"}
    until = min(end, now)
    # Hours of a shutdown need no automatic data: coverage counts the hours the site produced.
    stopped = sum(
        max(0.0, (min(until, after) - max(start, first)).total_seconds()) for first, after in shutdowns
    )
    hours = max(1.0, ((until - start).total_seconds() - stopped) / 3600)
    dimensionless = {(lim.point, lim.pollutant) for lim in terms.limits if lim.unit == rules.DIMENSIONLESS}
    figures: list[EmissionFigure] = []
    for outlet_code, point in sorted(points_of(terms).items()):
        if point.medium is None:
            continue  # fugitive sources are reported by estimate only
        for pollutant in sorted(point.pollutants):
            methods = by_series.get((outlet_code, pollutant), {})
            automatic_count, automatic_total = methods.get("automatic", (0, 0.0))
            manual_count, manual_total = methods.get("manual", (0, 0.0))
            coverage_share = min(1.0, automatic_count / hours)
            factor = factors.get((outlet_code, pollutant))
            method = rules.choose_method(
                automatic_required=(outlet_code, pollutant) in automatic_required,
                automatic_coverage=coverage_share,
                has_manual=manual_count > 0,
                has_factor=factor is not None,
            )
            quantity = {"automatic": automatic_total, "manual": manual_total, "factor": factor}.get(method)
            if (outlet_code, pollutant) in dimensionless:
                quantity = None  # pH and the like: a state of the discharge, no amount
            count = {"automatic": automatic_count, "manual": manual_count}.get(method, 0)
            figures.append(EmissionFigure(outlet_code, pollutant, method, quantity, coverage_share, count))
    return figures, stats


Moments = dict[tuple[str, str, str], list[datetime]]


async def _required_moments(
    session: AsyncSession, terms: dict[int, PermitTerms], origins: dict[str, datetime], end: datetime
) -> dict[int, Moments]:
    """When each required series (outlet, pollutant, method) was measured, per permit, from the earliest
    slot any requirement starts in."""
    required = {
        permit_id: {(m.point, m.pollutant, m.method) for m in t.monitoring} for permit_id, t in terms.items()
    }
    wanted = [permit_id for permit_id, series in required.items() if series]
    if not wanted:
        return {}
    earliest = min(origins[m.frequency] for permit_id in wanted for m in terms[permit_id].monitoring)
    outlets = sorted({series[0] for permit_id in wanted for series in required[permit_id]})
    rows = (
        await session.exec(  # type: ignore[call-overload]
            _statements().moments,
            params={"ids": wanted, "outlets": outlets, "start": earliest, "end": end},
        )
    ).all()
    found: dict[int, Moments] = defaultdict(lambda: defaultdict(list))
    for permit_id, outlet_code, pollutant, method, measured_at in rows:
        if (outlet_code, pollutant, method) in required[permit_id]:
            found[permit_id][(outlet_code, pollutant, method)].append(measured_at)
    return found


def _coverage(
    terms: PermitTerms,
    moments: Moments,
    origins: dict[str, datetime],
    end: datetime,
    entries: Sequence[LedgerEntry],
    shutdowns: Sequence[tuple[datetime, datetime]] = (),
    *,
    gaps: bool = True,
    counted: Counted | None = None,
) -> list[rules.RequirementCoverage]:
    """Each requirement's slots from the start of the slot the period begins in (a quarterly sample
    taken last month covers this month too when both lie in one quarter) up to ``end``. ``counted``:
    the slots each monitoring requirement recorded, counted by the database (``counted_slots``),
    instead of the moments."""
    items: list[rules.RequirementCoverage] = []
    expected_of: dict[str, int] = {}  # per frequency: a permit requires several series at each
    for requirement in terms.monitoring:
        origin = origins[requirement.frequency]
        label = f"{requirement.point} {requirement.pollutant}"
        if counted is not None:
            expected = expected_of.get(requirement.frequency)
            if expected is None:
                expected = expected_of[requirement.frequency] = (
                    recorded_windows(requirement.frequency, origin, end, shutdowns)[0]
                    if shutdowns
                    else rules.slot_count(origin, end, requirement.frequency)
                )
            series = (requirement.point, requirement.pollutant, requirement.method, requirement.frequency)
            items.append(
                rules.RequirementCoverage(
                    label, "monitoring", requirement.frequency, expected, counted.get(series, 0), []
                )
            )
            continue
        recorded = [
            moment
            for moment in moments.get((requirement.point, requirement.pollutant, requirement.method), [])
            if rules.aware(moment) >= origin
        ]
        items.append(
            rules.coverage(
                label, "monitoring", requirement.frequency, origin, end, recorded, shutdowns, gaps=gaps
            )
        )
    for ledger_requirement in terms.ledger_requirements:
        if ledger_requirement.kind == "monitoring":
            continue  # covered above, per outlet and pollutant
        origin = origins[ledger_requirement.frequency]
        recorded = [
            e.period_start
            for e in entries
            if e.kind == ledger_requirement.kind and origin <= rules.aware(e.period_start) < end
        ]
        items.append(
            rules.coverage(
                ledger_requirement.kind,
                ledger_requirement.kind,
                ledger_requirement.frequency,
                origin,
                end,
                recorded,
                shutdowns,
                gaps=gaps,
            )
        )
    return items


def _factor_estimates(entries: Sequence[LedgerEntry]) -> dict[tuple[str, str], float]:
    """Quantities the unit estimated from emission factors or material balance ("other" entries)."""
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for row in entries:
        if row.kind != "other":
            continue
        estimate = row.data.get("estimate") if isinstance(row.data, dict) else None
        if isinstance(estimate, dict) and {"outlet", "pollutant", "quantity_kg"} <= estimate.keys():
            totals[(str(estimate["outlet"]), str(estimate["pollutant"]))] += float(estimate["quantity_kg"])
    return dict(totals)
