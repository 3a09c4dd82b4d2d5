"""The filing rates as the dashboard computed them before the rollup (issue 19): every permit in force of
the jurisdiction read with its terms and its schedule planned, per request. Kept as the reference the
rollup's counts must equal (tests/reports/test_filing_rollup.py), with the overdue list as it was planned
per request (every unfiled permit of the jurisdiction), and the leaders' filing half (every permit in
force, every period that ended in the scope's period)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.access.sql import allowed
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.permits import list_filters
from domain.permits.list_filters import ListFilter
from domain.permits.models import Permit
from domain.permits.rules import PermitStatus
from domain.permits.state import TARGET_COLUMNS
from domain.reports import checks, rules
from domain.reports import schedule as plans
from domain.reports.models import ExecutionReport
from domain.reports.queries.review import enterprise_names
from domain.reports.queries.statistics import FilingRate, OverdueReport, check_overdue_filter
from domain.statistics.figures import REPORT_KINDS, FilingHalf
from domain.statistics.scope import Scope


async def direct_filing_statistics(
    session: AsyncSession, actor: Actor, *, kind: str, period: str, by: str = "region"
) -> list[FilingRate]:
    target = checks.period(kind, period)
    statement = select(Permit).where(
        Permit.status == PermitStatus.ISSUED,
        col(Permit.valid_from) <= target.end,
        col(Permit.valid_until) >= target.start,
        allowed(actor, Operation.PERMIT_VIEW, TARGET_COLUMNS),
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


async def direct_overdue_reports(
    session: AsyncSession, actor: Actor, *, kind: str, period: str, filters: ListFilter | None = None
) -> list[OverdueReport]:
    """The overdue list as the dashboard planned it before the rollup kept its rows."""
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


async def direct_filing_half(
    session: AsyncSession, actor: Actor, scope: Scope, permit_where: list[Any]
) -> FilingHalf:
    """The leaders' filing half as it was counted before the rollup kept due dates: every permit in force
    planned for every period that ended in the scope's period, counted once its due date had passed."""
    first, following = scope.first, scope.following
    on = today()
    last_day = date.fromordinal(following.toordinal() - 1)
    periods = [
        period
        for kind in REPORT_KINDS
        for period in rules.periods_between(kind, date(first.year - 1, 1, 1), last_day)
        if first <= period.end < following
    ]
    if not periods:
        return FilingHalf(0, 0, 0)
    earliest = min(period.start for period in periods)
    permits = (
        await session.exec(
            select(Permit).where(
                Permit.status == PermitStatus.ISSUED,
                col(Permit.valid_from) <= last_day,
                col(Permit.valid_until) >= earliest,
                *permit_where,
            )
        )
    ).all()
    reports = {
        (report.permit_id, report.kind, report.period): report
        for report in (
            await session.exec(
                select(ExecutionReport).where(
                    col(ExecutionReport.period_end) >= first,
                    col(ExecutionReport.period_end) < following,
                    # The permit's district now, not the report's when filed: the code before the rollup
                    # filtered on the report's (``ExecutionReport.region_code``), so a permit moved to
                    # another district owed its reports there and had filed none of them.
                    col(ExecutionReport.permit_id).in_([p.id for p in permits]),
                )
            )
        ).all()
    }
    due = submitted = on_time = 0
    for period in periods:
        held = [
            permit
            for permit in permits
            if permit.valid_from is not None
            and permit.valid_from <= period.end
            and (permit.valid_until is None or permit.valid_until >= period.start)
        ]
        for permit, item in await plans.owing(session, held, period.kind, period.label):
            if item.due_date >= on:
                continue  # not yet due: its unit may still file in time
            due += 1
            report = reports.get((permit.id or 0, period.kind, period.label))
            if report is not None and report.first_submitted_at is not None:
                submitted += 1
                on_time += 1 if report.on_time else 0
    return FilingHalf(due, submitted, on_time)
