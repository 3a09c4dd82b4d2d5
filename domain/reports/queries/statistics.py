"""Filing statistics ("double hundred", docs/domain-rules.md): submission and on-time rates of a period over
the permits that owe its report, by region and by industry, their trend over recent periods, and the
reports past due and never filed; the regulators' dashboard.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.access.sql import allowed
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


async def filing_statistics(
    session: AsyncSession, actor: Actor, *, kind: str, period: str, by: str = "region"
) -> list[FilingRate]:
    """Submission and on-time rates for a period, by region or industry, over the permits that owe it."""
    require(actor, Operation.PERMIT_LIST)
    target = checks.period(kind, period)
    statement = select(Permit).where(
        Permit.status == PermitStatus.ISSUED,
        col(Permit.valid_from) <= target.end,
        col(Permit.valid_until) >= target.start,
        allowed(actor, Operation.PERMIT_VIEW, TARGET_COLUMNS),  # the SQL form of can(): its jurisdiction
    )
    permits = (await session.exec(statement)).all()
    owing = [permit for permit, _item in await plans.owing(session, permits, kind, target.label)]
    reports = {
        r.permit_id: r
        for r in (
            await session.exec(
                select(ExecutionReport).where(
                    ExecutionReport.kind == kind, ExecutionReport.period == target.label
                )
            )
        ).all()
    }
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for permit in owing:
        key = permit.region_code if by == "region" else permit.industry_code
        counts = groups[key]
        counts[0] += 1
        report = reports.get(permit.id or 0)
        if report is not None and report.first_submitted_at is not None:
            counts[1] += 1
            counts[2] += 1 if report.on_time else 0
    return [FilingRate(key, *values) for key, values in sorted(groups.items())]


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


async def _owing(
    session: AsyncSession,
    actor: Actor,
    kind: str,
    period: rules.Period,
    filters: ListFilter | None = None,
) -> list[tuple[Permit, rules.PlannedPeriod]]:
    """Issued permits of the jurisdiction whose validity overlaps the period and that owe its report,
    narrowed by the filter (district, industry, search) in SQL."""
    statement = select(Permit).where(
        Permit.status == PermitStatus.ISSUED,
        col(Permit.valid_from) <= period.end,
        col(Permit.valid_until) >= period.start,
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
        for p, item in await _owing(session, actor, kind, target, filters)
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
    by_region = await filing_statistics(session, actor, kind=kind, period=target.label, by="region")
    by_industry = await filing_statistics(session, actor, kind=kind, period=target.label, by="industry")
    series = []
    for earlier in previous_periods(kind, target, 6):
        rates = (
            by_region
            if earlier.label == target.label
            else await filing_statistics(session, actor, kind=kind, period=earlier.label)
        )
        series.append(
            SeriesPoint(
                earlier.label,
                sum(r.due for r in rates),
                sum(r.submitted for r in rates),
                sum(r.on_time for r in rates),
            )
        )
    return Dashboard(
        kind,
        target,
        rules.due_date(target, plans.default_due_days()),
        by_region,
        by_industry,
        await overdue_reports(session, actor, kind=kind, period=target.label, filters=filters),
        series,
    )
