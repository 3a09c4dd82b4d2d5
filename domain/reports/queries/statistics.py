"""Filing statistics ("double hundred", docs/domain-rules.md): submission and on-time rates of a period over
the permits that owe its report, by region and by industry, their trend over recent periods, and the
reports past due and never filed; the regulators' dashboard.

The rates come from the filing rollup (``reports.rollup``, docs/statistics.md), kept by the worker and as
old as its ``counted_at``, read in a few statements whatever the number of permits; so does the overdue
list, a page at a time (the rollup keeps its rows, with their permit's number and unit), a row that a
change not yet counted concerns read again now (``_overdue_rows``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.access.sql import TargetColumns, allowed
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.errors import ValidationFailed
from domain.permits import list_filters
from domain.permits.list_filters import ListFilter
from domain.permits.models import Permit
from domain.permits.reference import ReportKind
from domain.permits.rules import PermitStatus
from domain.reports import checks, rules
from domain.reports import schedule as plans
from domain.reports.models import ExecutionReport
from domain.reports.rollup.models import FilingOverdue, FilingRollup, FilingRollupMark, FilingRollupState


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
    overdue_page: OverduePage
    series: list[SeriesPoint]
    counted_at: datetime | None = None  # the age of the rates and of the overdue rows (the rollup's)

    @property
    def overdue(self) -> list[OverdueReport]:
        """The overdue list's page shown."""
        return self.overdue_page.items

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


OVERDUE_SORTS = ("unit", "days", "permit")
OVERDUE_PAGE_SIZE = 50


def check_overdue_filter(filters: ListFilter) -> None:
    list_filters.raise_if(list_filters.check(filters, sorts=OVERDUE_SORTS))


def _pending() -> sa.ColumnElement[bool]:
    """SQL: a rollup mark not yet counted names the overdue row's permit or district — something changed
    since the row was counted (a report filed, the permit revoked, moved or renewed); otherwise the row is
    as the permit and its report were (every write that could change it leaves a mark, ``marks``)."""
    permit_marks = select(FilingRollupMark.permit_id).where(col(FilingRollupMark.permit_id).is_not(None))
    region_marks = select(FilingRollupMark.region_code).where(col(FilingRollupMark.region_code).is_not(None))
    return sa.or_(
        col(FilingOverdue.permit_id).in_(permit_marks), col(FilingOverdue.region_code).in_(region_marks)
    )


def _overdue_rows(
    actor: Actor, kind: str, period: rules.Period, on: date, filters: ListFilter | None, *, page: bool = True
) -> Any:
    """The overdue rows the rollup keeps for the period (``FilingOverdue``), past due on ``on``, of the
    jurisdiction (the SQL form of can() on the permit), narrowed by the filter; with ``page``, as
    (due date, permit, unit name), else their ids (to count).

    A row is read as counted (its district, industry, permit number and unit are the permit's when
    counted), except where a pending mark names its permit or district: that row's permit and report are
    read now (still issued, in the reader's jurisdiction and the filter, no submission since), so a report
    filed or a permit revoked since the last round leaves the list at once. The count and the page so
    read the rows of the period from their own indexes and look at permits only for the page shown."""
    submitted = (
        select(ExecutionReport.id)
        .where(
            col(ExecutionReport.permit_id) == col(FilingOverdue.permit_id),
            ExecutionReport.kind == kind,
            ExecutionReport.period == period.label,
            col(ExecutionReport.first_submitted_at).is_not(None),
        )
        .exists()
    )
    now = aliased(Permit)  # the permit as it is now (the page's own join is correlated apart)
    live = (
        select(now.id)
        .where(
            col(now.id) == col(FilingOverdue.permit_id),
            col(now.status) == PermitStatus.ISSUED,
            # The SQL form of can() on the permit.
            allowed(
                actor,
                Operation.PERMIT_VIEW,
                TargetColumns(enterprise_id=col(now.enterprise_id), region_code=col(now.region_code)),
            ),
        )
        .correlate(FilingOverdue)
    )
    if filters is not None and filters.district:
        live = live.where(list_filters.district_condition(col(now.region_code), filters.district))
    if filters is not None and filters.industry:
        live = live.where(col(now.industry_code) == filters.industry)
    statement = (
        select(col(FilingOverdue.due_date), Permit, col(Enterprise.name))
        .join(Permit, col(Permit.id) == col(FilingOverdue.permit_id))
        .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id), isouter=True)
        if page
        else select(FilingOverdue.id)
    )
    statement = statement.where(
        FilingOverdue.kind == kind,
        FilingOverdue.period == period.label,
        col(FilingOverdue.due_date) < on,
        # can() on the permit as counted (its district and unit)...
        allowed(
            actor,
            Operation.PERMIT_VIEW,
            TargetColumns(
                enterprise_id=col(FilingOverdue.enterprise_id), region_code=col(FilingOverdue.region_code)
            ),
        ),
        # ...and on the permit as it is now where a change is pending.
        sa.or_(sa.not_(_pending()), sa.and_(live.exists(), sa.not_(submitted))),
    )
    if filters is not None and filters.district:
        statement = statement.where(
            list_filters.district_condition(col(FilingOverdue.region_code), filters.district)
        )
    if filters is not None and filters.industry:
        statement = statement.where(FilingOverdue.industry_code == filters.industry)
    if filters is not None and filters.search:
        if not page:
            statement = statement.join(
                Enterprise, col(Enterprise.id) == col(FilingOverdue.enterprise_id), isouter=True
            )
        statement = statement.where(
            list_filters.search_condition(
                filters.search,
                name=col(Enterprise.name),
                credit_code=col(Enterprise.credit_code),
                number=col(FilingOverdue.permit_number),
            )
        )
    return statement


def _overdue_order(sort: str) -> list[Any]:
    """The list's order: by permit number, or by unit, or by days overdue (the later the due date, the
    fewer the days), the permit number breaking ties; ``-`` reverses every key. By permit number it is
    the order of ``ix_filing_overdue_page``: a page stops at its LIMIT."""
    number = col(FilingOverdue.permit_number)
    keys: dict[str, list[tuple[Any, bool]]] = {
        "": [(number, False)],
        "permit": [(number, False)],
        "unit": [(col(Enterprise.name), False), (number, False)],
        "days": [(col(FilingOverdue.due_date), True), (number, False)],
    }
    key = sort.removeprefix("-")
    reverse = sort.startswith("-") and key in keys
    chosen = keys.get(key, keys[""]) + [(col(FilingOverdue.permit_id), False)]
    return [column.desc() if descending != reverse else column.asc() for column, descending in chosen]


async def _overdue_read(
    session: AsyncSession, kind: str, period: rules.Period, on: date, statement: Any
) -> list[OverdueReport]:
    found = (await session.exec(statement)).all()
    permit_ids = [permit.id for _due, permit, _name in found]
    drafts = (
        {
            r.permit_id: r
            for r in (
                await session.exec(
                    select(ExecutionReport).where(
                        ExecutionReport.kind == kind,
                        ExecutionReport.period == period.label,
                        col(ExecutionReport.permit_id).in_(permit_ids),
                    )
                )
            ).all()
        }
        if permit_ids
        else {}
    )
    return [
        OverdueReport(permit, str(name or ""), drafts.get(permit.id or 0), due, (on - due).days)
        for due, permit, name in found
    ]


@dataclass
class OverduePage:
    """One page of the overdue list, and how many rows the whole list has."""

    items: list[OverdueReport]
    total: int
    page: int = 1
    size: int = OVERDUE_PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def _checked(actor: Actor, kind: str, period: str, filters: ListFilter | None) -> rules.Period:
    require(actor, Operation.PERMIT_LIST)
    if filters is not None:
        check_overdue_filter(filters)
    return checks.period(kind, period)


async def overdue_page(
    session: AsyncSession,
    actor: Actor,
    *,
    kind: str,
    period: str,
    filters: ListFilter | None = None,
    page: int = 1,
    size: int = OVERDUE_PAGE_SIZE,
) -> OverduePage:
    """A page of the reports of the jurisdiction for a period that are past due and were never submitted
    (the rollup's overdue rows, docs/statistics.md), narrowed by the filter and in its order (by permit
    number without one), and their number: two statements for the page and one for its drafts, whatever
    the number of permits or of rows."""
    target = _checked(actor, kind, period, filters)
    on = today()
    if on <= target.end:
        return OverduePage([], 0, 1, size)
    counted = _overdue_rows(actor, kind, target, on, filters, page=False)
    total = int(
        (await session.exec(select(func.count()).select_from(counted.subquery()))).one()  # type: ignore[call-overload]
    )
    last = max(1, -(-total // size))
    page = min(max(1, page), last)
    statement = _overdue_rows(actor, kind, target, on, filters)
    ordered = statement.order_by(*_overdue_order(filters.sort if filters is not None else ""))
    items = await _overdue_read(session, kind, target, on, ordered.offset((page - 1) * size).limit(size))
    return OverduePage(items, total, page, size)


async def overdue_reports(
    session: AsyncSession, actor: Actor, *, kind: str, period: str, filters: ListFilter | None = None
) -> list[OverdueReport]:
    """Every row of the overdue list (its export), in the list's order: one statement for the rows and one
    for the drafts, planning nothing."""
    target = _checked(actor, kind, period, filters)
    on = today()
    if on <= target.end:
        return []
    statement = _overdue_rows(actor, kind, target, on, filters).order_by(
        *_overdue_order(filters.sort if filters is not None else "")
    )
    return await _overdue_read(session, kind, target, on, statement)


async def overdue_count(session: AsyncSession, actor: Actor, *, kind: str, period: str) -> int:
    """How many reports of the jurisdiction for a period are overdue (the home page's figure)."""
    return (await overdue_page(session, actor, kind=kind, period=period, size=1)).total


def _kind(kind: str) -> str:
    return kind if kind in {k.value for k in ReportKind} else ReportKind.QUARTERLY.value


def overdue_target(kind: str, period: str) -> tuple[str, str]:
    """The kind and period of the overdue list asked for, the dashboard's default when either is not
    valid (the export: a bad period gives the latest period past due, not an error)."""
    kind = _kind(kind)
    try:
        return kind, checks.period(kind, period.strip()).label
    except ValidationFailed:
        return kind, latest_due_period(kind, today()).label


async def dashboard(
    session: AsyncSession,
    actor: Actor,
    *,
    kind: str,
    period: str | None,
    filters: ListFilter | None = None,
    page: int = 1,
) -> Dashboard:
    """Filing rates for a period by region and industry, the trend of recent periods, the overdue list
    (narrowed by the filter; the rates are the whole jurisdiction's)."""
    require(actor, Operation.PERMIT_LIST)
    kind = _kind(kind)
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
        await overdue_page(
            session, actor, kind=kind, period=target.label, filters=filters, page=page, size=OVERDUE_PAGE_SIZE
        ),
        series,
        await counted_at(session),
    )
