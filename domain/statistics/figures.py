"""The figures of the leaders' statistics that need a query of their own (docs/statistics.md): the
filing and quality-check halves of 双百, inspection coverage, rectification, grades, the positive list,
agency credit and reported emissions, each counted through the SQL form of its record's access rule."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can
from domain.access.sql import TargetColumns, allowed
from domain.agencies.queries.credit import ranking
from domain.agencies.queries.lookup import may_oversee
from domain.agencies.rules import level_thresholds
from domain.clock import as_utc, china_date, china_midnight, today
from domain.enterprises.models import Enterprise
from domain.permits.reference import ReportKind
from domain.reports import rules as report_rules
from domain.reports.models import ExecutionReport, ReportSubmission
from domain.reports.queries.statistics import counted_at
from domain.reports.rollup.models import FilingRollup
from domain.statistics.scope import Scope, in_industry, in_region
from domain.supervision.credit import queries as credit_queries
from domain.supervision.grading.models import GradeDecision
from domain.supervision.grading.rules import Grade
from domain.supervision.inspections.queries import plan as plan_queries
from domain.supervision.problems import rules as problem_rules
from domain.supervision.problems.models import Problem, RectificationItem
from domain.supervision.quality.queries import quality_check_counts
from domain.supervision.standing.models import PositiveListEntry

REPORT_KINDS = (ReportKind.MONTHLY, ReportKind.QUARTERLY, ReportKind.SEMIANNUAL, ReportKind.ANNUAL)
CREDIT_LEVELS = tuple(level for level, _floor in level_thresholds())


@dataclass(frozen=True)
class Rate:
    """``part`` of ``whole`` (None when nothing was due: no rate, not 100 %)."""

    whole: int
    part: int

    @property
    def rate(self) -> float | None:
        return round(self.part / self.whole, 4) if self.whole else None


@dataclass(frozen=True)
class FilingHalf:
    due: int
    submitted: int
    on_time: int
    counted_at: datetime | None = None  # the filing rollup's age (None: not yet counted)

    @property
    def on_time_rate(self) -> float | None:
        return round(self.on_time / self.due, 4) if self.due else None


@dataclass(frozen=True)
class PlanCoverage:
    year: int
    done: int
    due: int
    behind: int
    lines: list[tuple[str, int, int, int]]  # label (message id), units, target, done

    @property
    def total(self) -> int:
        return self.done + self.due + self.behind


@dataclass
class Rectification:
    open: int = 0
    overdue: int = 0
    closed: int = 0
    days_to_close: list[float] = field(default_factory=list)

    @property
    def average_days_to_close(self) -> float | None:
        if not self.days_to_close:
            return None
        return round(sum(self.days_to_close) / len(self.days_to_close), 1)


@dataclass(frozen=True)
class EmissionTotal:
    pollutant: str  # the code; every face shows its name
    quantity_t: float


async def filing_half(session: AsyncSession, actor: Actor, scope: Scope) -> FilingHalf:
    """Reports due for the periods of every kind that ended within the scope's period, over the permits
    that owe them (``schedule.owing``, as the filing statistics count), once their due date has passed;
    and those filed, and filed on time. Read from the filing rollup (docs/statistics.md): its cells are
    keyed by due date, so one statement sums those past due, whatever the number of permits; the figures
    are as of the rollup's ``counted_at``."""
    first, following = scope.first, scope.following
    on = today()
    last_day = date.fromordinal(following.toordinal() - 1)
    labels: dict[str, list[str]] = defaultdict(list)
    for kind in REPORT_KINDS:
        for period in report_rules.periods_between(kind, date(first.year - 1, 1, 1), last_day):
            if first <= period.end < following:
                labels[kind].append(period.label)
    counted = await counted_at(session)
    if not labels:
        return FilingHalf(0, 0, 0, counted)
    statement = sa.select(
        sa.func.coalesce(sa.func.sum(col(FilingRollup.due)), 0),
        sa.func.coalesce(sa.func.sum(col(FilingRollup.submitted)), 0),
        sa.func.coalesce(sa.func.sum(col(FilingRollup.on_time)), 0),
    ).where(
        sa.or_(
            *(
                sa.and_(col(FilingRollup.kind) == kind, col(FilingRollup.period).in_(wanted))
                for kind, wanted in sorted(labels.items())
            )
        ),
        col(FilingRollup.due_date) < on,  # not yet due: its unit may still file in time
        in_region(col(FilingRollup.region_code), scope),
        in_industry(col(FilingRollup.industry_code), scope),
        # The SQL form of can() over the rollup's districts, as the filing dashboard's: the readers
        # (PERMIT_LIST) are regulators and administrators, whose permit jurisdiction is by region.
        allowed(actor, Operation.PERMIT_VIEW, TargetColumns(region_code=col(FilingRollup.region_code))),
    )
    due, submitted, on_time = (await session.exec(statement)).one()  # type: ignore[call-overload]
    return FilingHalf(int(due), int(submitted), int(on_time), counted)


async def quality_half(session: AsyncSession, actor: Actor, scope: Scope, permit_where: list[Any]) -> Rate:
    """Permits in force on the period's last day (today for the current period) and those quality-checked
    by a campaign in the three years to that day (JN 1(1); ``supervision.quality``)."""
    last_day = date.fromordinal(scope.following.toordinal() - 1)
    whole, part = await quality_check_counts(session, actor, on=min(today(), last_day), where=permit_where)
    return Rate(whole, part)


async def plan_coverage(session: AsyncSession, actor: Actor, scope: Scope) -> PlanCoverage | None:
    """The year's plan of the region as the plan page counts it (None: not the reader's to see)."""
    if not can(actor, Operation.INSPECTION_VIEW, Target(region_code=scope.region_code)):
        return None
    summary = await plan_queries.plan_summary(session, actor, region_code=scope.region_code, year=scope.year)
    return PlanCoverage(
        year=scope.year,
        done=summary.counts.get("done", 0),
        due=summary.counts.get("due", 0),
        behind=summary.counts.get("behind", 0),
        lines=[
            (line.label, line.total, line.target, line.done)
            for line in [*summary.enforcement, *summary.monitoring]
        ],
    )


async def rectification(
    session: AsyncSession, actor: Actor, scope: Scope, rows: Any
) -> tuple[Rectification, dict[int, int], dict[int, int]]:
    """The clear-to-zero board's counts (``problems.queries.board``: open now, overdue now by
    ``rules.overdue``), with closures and their days counted in the scope's period."""
    start, end = china_midnight(scope.first), china_midnight(scope.following)
    year_start, year_end = china_midnight(date(scope.year, 1, 1)), china_midnight(date(scope.year + 1, 1, 1))
    on = today()
    statement: Any = (
        sa.select(
            col(Problem.region_code),
            col(Problem.industry_code),
            col(Problem.state),
            col(RectificationItem.state),
            col(RectificationItem.deadline),
            col(Problem.raised_at),
            col(Problem.closed_at),
        )
        .join(RectificationItem, col(RectificationItem.problem_id) == col(Problem.id), isouter=True)
        .where(
            allowed(
                actor,
                Operation.PROBLEM_VIEW,
                TargetColumns(enterprise_id=col(Problem.enterprise_id), region_code=col(Problem.region_code)),
            ),
            in_region(col(Problem.region_code), scope),
            in_industry(col(Problem.industry_code), scope),
        )
    )
    total = Rectification()
    raised: dict[int, int] = defaultdict(int)
    closed: dict[int, int] = defaultdict(int)
    for region, industry, state, item_state, deadline, raised_at, closed_at in (
        await session.exec(statement)
    ).all():
        groups = rows(str(region), str(industry))
        raised_utc = as_utc(raised_at)
        if year_start <= raised_utc < year_end:
            raised[china_month(raised_utc)] += 1
        if state not in problem_rules.ENDED:
            total.open += 1
            overdue = item_state is not None and problem_rules.overdue(item_state, deadline, on)
            total.overdue += 1 if overdue else 0
            for row in groups:
                row.problems_open += 1
                row.rectification_overdue += 1 if overdue else 0
        elif state == problem_rules.CLOSED and closed_at is not None:
            closed_utc = as_utc(closed_at)
            if year_start <= closed_utc < year_end:
                closed[china_month(closed_utc)] += 1
            if start <= closed_utc < end:
                total.closed += 1
                for row in groups:
                    row.problems_closed += 1
                total.days_to_close.append((closed_utc - raised_utc).total_seconds() / 86400)
    return total, raised, closed


def china_month(moment: Any) -> int:
    return china_date(moment).month


async def grades(session: AsyncSession, actor: Actor, scope: Scope) -> dict[str, int]:
    """The decision in force (the latest) of each graded unit of the year, by grade."""
    found = {grade.value: 0 for grade in Grade}
    latest = (
        select(sa.func.max(GradeDecision.id).label("id"))
        .where(GradeDecision.year == scope.year)
        .group_by(col(GradeDecision.enterprise_id))
        .subquery()
    )
    statement = (
        select(GradeDecision.grade, sa.func.count())
        .where(
            col(GradeDecision.id).in_(select(latest.c.id)),
            allowed(
                actor,
                Operation.GRADING_VIEW,
                TargetColumns(
                    enterprise_id=col(GradeDecision.enterprise_id), region_code=col(GradeDecision.region_code)
                ),
            ),
            in_region(col(GradeDecision.region_code), scope),
        )
        .group_by(col(GradeDecision.grade))
    )
    if scope.industry:
        statement = statement.where(
            col(GradeDecision.enterprise_id).in_(
                select(Enterprise.id).where(Enterprise.industry_code == scope.industry)
            )
        )
    for grade, number in (await session.exec(statement)).all():
        found[str(grade)] = int(number)
    return found


async def positive_list(session: AsyncSession, actor: Actor, scope: Scope) -> int:
    """Units on the list now (the home page's rule: not removed, STANDING_VIEW), in the scope."""
    statement = (
        select(sa.func.count())
        .select_from(PositiveListEntry)
        .where(
            col(PositiveListEntry.removed_on).is_(None),
            allowed(
                actor,
                Operation.STANDING_VIEW,
                TargetColumns(
                    enterprise_id=col(PositiveListEntry.enterprise_id),
                    region_code=col(PositiveListEntry.region_code),
                ),
            ),
            in_region(col(PositiveListEntry.region_code), scope),
        )
    )
    if scope.industry:
        statement = statement.where(
            col(PositiveListEntry.enterprise_id).in_(
                select(Enterprise.id).where(Enterprise.industry_code == scope.industry)
            )
        )
    return int((await session.exec(statement)).one())


async def agency_levels(session: AsyncSession, actor: Actor) -> dict[str, int] | None:
    """Agencies of the jurisdiction (the ranking's: registered here or working for a unit here) by credit
    level; None when the reader does not oversee agencies."""
    if not may_oversee(actor):
        return None
    found = dict.fromkeys(CREDIT_LEVELS, 0)
    for row in (await ranking(session, actor)).rows:
        found[row.level] = found.get(row.level, 0) + 1
    return found


async def unit_credit_levels(session: AsyncSession, actor: Actor, scope: Scope) -> dict[str, dict[str, int]]:
    """Units of the scope by district and environmental credit level, now (``domain.supervision.credit``)."""
    return await credit_queries.levels_by_region(
        session,
        actor,
        [in_region(col(Enterprise.region_code), scope), in_industry(col(Enterprise.industry_code), scope)],
    )


async def emissions(
    session: AsyncSession, actor: Actor, scope: Scope, start: Any, end: Any
) -> list[EmissionTotal]:
    """Tonnes by pollutant in the latest submission of each report whose period lies within the scope's,
    of the finest kind each permit filed there."""
    first, following = scope.first, scope.following
    rows = (
        await session.exec(
            select(ExecutionReport.permit_id, ExecutionReport.kind, ReportSubmission.content)
            .join(
                ReportSubmission,
                sa.and_(
                    col(ReportSubmission.report_id) == col(ExecutionReport.id),
                    col(ReportSubmission.version) == col(ExecutionReport.latest_version),
                ),
            )
            .where(
                col(ExecutionReport.first_submitted_at).is_not(None),
                col(ExecutionReport.period_start) >= first,
                col(ExecutionReport.period_end) < following,
                allowed(
                    actor,
                    Operation.REPORT_VIEW,
                    TargetColumns(
                        enterprise_id=col(ExecutionReport.enterprise_id),
                        region_code=col(ExecutionReport.region_code),
                    ),
                ),
                in_region(col(ExecutionReport.region_code), scope),
                in_industry(col(ExecutionReport.industry_code), scope),
            )
        )
    ).all()
    finest: dict[int, int] = {}
    for permit_id, kind, _content in rows:
        rank = REPORT_KINDS.index(ReportKind(kind))
        finest[permit_id] = min(finest.get(permit_id, rank), rank)
    totals: dict[str, float] = defaultdict(float)
    for permit_id, kind, content in rows:
        if REPORT_KINDS.index(ReportKind(kind)) != finest[permit_id]:
            continue
        for line in (content or {}).get("emissions", []) or []:
            quantity = line.get("quantity_t") if isinstance(line, dict) else None
            if isinstance(quantity, int | float) and not isinstance(quantity, bool) and line.get("pollutant"):
                totals[str(line["pollutant"])] += float(quantity)
    return [EmissionTotal(code, round(quantity, 3)) for code, quantity in sorted(totals.items())]
