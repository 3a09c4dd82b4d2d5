"""Filing statistics ("double hundred", docs/domain-rules.md): submission and on-time rates of a period over
the permits that owe its report, by region and by industry, their trend over recent periods, and the
reports past due and never filed; the regulators' dashboard.

The rates come from the filing rollup (``reports.rollup``, docs/statistics.md), kept by the worker and as
old as its ``counted_at``, read in a few statements whatever the number of permits; the overdue list is
live, planned only over the permits that have not submitted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.access.sql import TargetColumns, allowed
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.permits import list_filters
from domain.permits.list_filters import ListFilter
from domain.permits.models import Permit
from domain.permits.reference import ReportKind
from domain.permits.rules import PermitStatus
from domain.permits.state import TARGET_COLUMNS
from domain.reports import checks, rules
from domain.reports import schedule as plans
from domain.reports.models import ExecutionReport
from domain.reports.queries.review import enterprise_names
from domain.reports.rollup.models import FilingRollup, FilingRollupState


@dataclass(frozen=True)
class FilingRate:
    group: str
    due: int
    submitted: int
    on_time: int

    @property
    def submission_rate(self) -> float:
        return self.submitted / self.due if self.due else 1.0

    @property
    def on_time_rate(self) -> float:
        return self.on_time / self.due if self.due else 1.0


def _in_scope(actor: Actor) -> Any:
    """The SQL form of can() over the rollup's districts: a regulator's jurisdiction (a district's
    regulator its district, a city's its districts); a grant by unit or agency sees no count."""
    return allowed(actor, Operation.PERMIT_VIEW, TargetColumns(region_code=col(FilingRollup.region_code)))


async def _rates(
    session: AsyncSession, actor: Actor, kind: str, labels: list[str], by: str
) -> list[tuple[str, str, int, int, int]]:
    """(group, period, due, submitted, on time) from the rollup, in one statement whatever the number of
    permits: its rows are districts (or industries) times periods."""
    group = col(FilingRollup.region_code) if by == "region" else col(FilingRollup.industry_code)
    statement = (
        sa.select(  # type: ignore[call-overload]
            group,
            col(FilingRollup.period),
            func.sum(FilingRollup.due),
            func.sum(FilingRollup.submitted),
            func.sum(FilingRollup.on_time),
        )
        .where(col(FilingRollup.kind) == kind, col(FilingRollup.period).in_(labels), _in_scope(actor))
        .group_by(group, col(FilingRollup.period))
        .order_by(group)
    )
    return [
        (g, p, int(d or 0), int(s or 0), int(o or 0))
        for g, p, d, s, o in (await session.exec(statement)).all()  # type: ignore[call-overload]
    ]


async def filing_statistics(
    session: AsyncSession, actor: Actor, *, kind: str, period: str, by: str = "region"
) -> list[FilingRate]:
    """Submission and on-time rates for a period, by region or industry, over the permits that owe it
    (the filing rollup's counts, as of ``counted_at``)."""
    require(actor, Operation.PERMIT_LIST)
    target = checks.period(kind, period)
    rows = await _rates(session, actor, kind, [target.label], by)
    return [FilingRate(group, due, submitted, on_time) for group, _p, due, submitted, on_time in rows if due]


async def counted_at(session: AsyncSession) -> datetime | None:
    """When the filing rollup was last counted: it holds every change committed before (None: never)."""
    state = (await session.exec(select(FilingRollupState).where(FilingRollupState.id == 1))).first()
    return state.counted_at if state is not None else None


def latest_due_period(kind: str, on: date) -> rules.Period:
    """The most recent period of a kind whose report was due on or before ``on``."""
    first = date(on.year - 2, 1, 1)
    due_days = plans.default_due_days()
    candidates = [p for p in rules.periods_between(kind, first, on) if rules.due_date(p, due_days) <= on]
    return candidates[-1]


def previous_periods(kind: str, last: rules.Period, count: int) -> list[rules.Period]:
    """``count`` periods of a kind ending with ``last``, oldest first."""
    first = date(last.start.year - count - 1, 1, 1)
    periods = [p for p in rules.periods_between(kind, first, last.end) if p.end <= last.end]
    return periods[-count:]


@dataclass
class OverdueReport:
    permit: Permit
    enterprise_name: str
    report: ExecutionReport | None
    due_date: date
    days_overdue: int


@dataclass
class SeriesPoint:
    period: str
    due: int
    submitted: int
    on_time: int

    @property
    def submission_rate(self) -> float:
        return self.submitted / self.due if self.due else 1.0

    @property
    def on_time_rate(self) -> float:
        return self.on_time / self.due if self.due else 1.0


@dataclass
class Dashboard:
    kind: str
    period: rules.Period
    due_date: date
    by_region: list[FilingRate]
    by_industry: list[FilingRate]
    overdue: list[OverdueReport]
    series: list[SeriesPoint]
    counted_at: datetime | None = None  # the rates' age (the rollup's); the overdue list is live

    @property
    def total(self) -> FilingRate:
        return FilingRate(
            "",
            sum(r.due for r in self.by_region),
            sum(r.submitted for r in self.by_region),
            sum(r.on_time for r in self.by_region),
        )

    @property
    def target_met(self) -> bool:
        """The report half of the "double hundred" (docs/domain-rules.md): every unit that owes a report
        submitted it. The other half (permit quality checked for every permit within three years) waits
        for the quality audit and is never folded into this figure; punctuality is shown on its own."""
        total = self.total
        return total.submitted == total.due


async def _unfiled(
    session: AsyncSession,
    actor: Actor,
    kind: str,
    period: rules.Period,
    filters: ListFilter | None = None,
) -> list[tuple[Permit, rules.PlannedPeriod]]:
    """Issued permits of the jurisdiction whose validity overlaps the period, that owe its report and have
    not submitted it, narrowed by the filter (district, industry, search) in SQL: only those are planned,
    so the cost follows the reports missing, not the permits in force."""
    submitted = (
        select(ExecutionReport.id)
        .where(
            col(ExecutionReport.permit_id) == col(Permit.id),
            ExecutionReport.kind == kind,
            ExecutionReport.period == period.label,
            col(ExecutionReport.first_submitted_at).is_not(None),
        )
        .exists()
    )
    statement = select(Permit).where(
        Permit.status == PermitStatus.ISSUED,
        col(Permit.valid_from) <= period.end,
        col(Permit.valid_until) >= period.start,
        sa.not_(submitted),
        allowed(actor, Operation.PERMIT_VIEW, TARGET_COLUMNS),  # the SQL form of can(): its jurisdiction
    )
    if filters is not None and filters.district:
        statement = statement.where(
            list_filters.district_condition(col(Permit.region_code), filters.district)
        )
    if filters is not None and filters.industry:
        statement = statement.where(Permit.industry_code == filters.industry)
    if filters is not None and filters.search:
        statement = statement.join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id)).where(
            list_filters.search_condition(
                filters.search,
                name=col(Enterprise.name),
                credit_code=col(Enterprise.credit_code),
                number=col(Permit.number),
            )
        )
    permits = (await session.exec(statement.order_by(col(Permit.number)))).all()
    return await plans.owing(session, permits, kind, period.label)


OVERDUE_SORTS = ("unit", "days", "permit")


def check_overdue_filter(filters: ListFilter) -> None:
    list_filters.raise_if(list_filters.check(filters, sorts=OVERDUE_SORTS))


async def overdue_reports(
    session: AsyncSession, actor: Actor, *, kind: str, period: str, filters: ListFilter | None = None
) -> list[OverdueReport]:
    """Reports of the jurisdiction for a period that are past due and were never submitted, narrowed by
    the filter (district, industry, search) and in its order (by permit number without one)."""
    require(actor, Operation.PERMIT_LIST)
    if filters is not None:
        check_overdue_filter(filters)
    target = checks.period(kind, period)
    on = today()
    if on <= target.end:
        return []
    owing = [
        (p, item.due_date)
        for p, item in await _unfiled(session, actor, kind, target, filters)
        if on > item.due_date
    ]
    permits = [p for p, _due in owing]
    reports = {
        r.permit_id: r
        for r in (
            await session.exec(
                select(ExecutionReport).where(
                    ExecutionReport.kind == kind,
                    ExecutionReport.period == target.label,
                    col(ExecutionReport.permit_id).in_([p.id for p in permits]),
                )
            )
        ).all()
    }
    names = await enterprise_names(session, (p.enterprise_id for p in permits))
    found = [
        OverdueReport(p, names.get(p.enterprise_id, ""), reports.get(p.id or 0), due, (on - due).days)
        for p, due in owing
        if reports.get(p.id or 0) is None or reports[p.id or 0].first_submitted_at is None
    ]
    sort = filters.sort if filters is not None else ""
    keys: dict[str, Callable[[OverdueReport], Any]] = {
        "unit": lambda o: (o.enterprise_name, o.permit.number or ""),
        "days": lambda o: (o.days_overdue, o.permit.number or ""),
        "permit": lambda o: o.permit.number or "",
    }
    if sort.removeprefix("-") in keys:
        found.sort(key=keys[sort.removeprefix("-")], reverse=sort.startswith("-"))
    return found


async def dashboard(
    session: AsyncSession,
    actor: Actor,
    *,
    kind: str,
    period: str | None,
    filters: ListFilter | None = None,
) -> Dashboard:
    """Filing rates for a period by region and industry, the trend of recent periods, the overdue list
    (narrowed by the filter; the rates are the whole jurisdiction's)."""
    require(actor, Operation.PERMIT_LIST)
    kind = kind if kind in {k.value for k in ReportKind} else ReportKind.QUARTERLY.value
    target = (
        checks.period(kind, period.strip()) if period and period.strip() else latest_due_period(kind, today())
    )
    earlier = previous_periods(kind, target, 6)
    labels = sorted({p.label for p in earlier} | {target.label})
    regions = await _rates(session, actor, kind, labels, "region")
    by_region = [FilingRate(g, d, s, o) for g, p, d, s, o in regions if p == target.label and d]
    by_industry = [
        FilingRate(g, d, s, o)
        for g, _p, d, s, o in await _rates(session, actor, kind, [target.label], "industry")
        if d
    ]
    series = [
        SeriesPoint(
            point.label,
            sum(d for _g, p, d, _s, _o in regions if p == point.label),
            sum(s for _g, p, _d, s, _o in regions if p == point.label),
            sum(o for _g, p, _d, _s, o in regions if p == point.label),
        )
        for point in earlier
    ]
    return Dashboard(
        kind,
        target,
        rules.due_date(target, plans.default_due_days()),
        by_region,
        by_industry,
        await overdue_reports(session, actor, kind=kind, period=target.label, filters=filters),
        series,
        await counted_at(session),
    )
