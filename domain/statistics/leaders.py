"""The leaders' statistics (issue 16, docs/statistics.md): the figures of a jurisdiction for a month or a
year, by district, narrowed to one district or one industry on request.

Every figure counts what its own page counts, through the SQL form of the access rule of that kind of
record (``domain.access.sql.allowed``), so a district's head sees the district and a city's the city:

- permits by status and management category (now; an issued permit past its validity as expired, as
  the register shows it); permits in force, rectification and cases per district and per industry;
- on-time renewal: renewal applications received in the period, and those not flagged late
  (``PermitApplication.late``, docs/domain-rules.md "Renewal");
- the 双百 pair: the filing half is the reports due for the periods that ended in the period, once
  their due date has passed (the same ``owing`` rule as the filing statistics), and those filed, and
  filed on time; the quality-check half is
  not recorded anywhere yet (no permit quality audit exists), so it is None, never a made-up number;
- inspection coverage against the year's plan (``plan_summary``, the plan page's figures);
- rectification (the clear-to-zero board's rules): open now, overdue now, closed in the period, average
  days from raising to closure of those closed in the period; raised and closed by month of the year;
- cases and penalties: opened in the period, decided in the period, the total of the fines decided;
- grading of the year: the decision in force of each graded unit, by grade;
- the positive list's size now (the home page's figure, narrowed);
- agency credit: the agencies of the jurisdiction by credit level (the ranking's scores);
- reported emissions: tonnes by pollutant from the latest submission of the reports whose period lies in
  the period, the finest kind each permit filed (monthly before quarterly...), so none is counted twice.

The statements run are a fixed number, whatever the data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import regions
from domain.access import Actor, Operation, Target, can, require
from domain.access.sql import TargetColumns, allowed
from domain.agencies.queries.credit import ranking
from domain.agencies.queries.lookup import may_oversee
from domain.agencies.rules import level_thresholds
from domain.clock import as_utc, china_date, china_midnight, today
from domain.enterprises.models import Enterprise
from domain.enterprises.rules import INDUSTRY_NAMES
from domain.errors import N_, FieldError, ValidationFailed
from domain.permits.models import Permit, PermitApplication
from domain.permits.reference import ReportKind
from domain.permits.rules import EXPIRED, PermitStatus
from domain.reports import rules as report_rules
from domain.reports import schedule as plans
from domain.reports.models import ExecutionReport, ReportSubmission
from domain.statistics.dispatch import FIRST_MONTH
from domain.supervision.cases.models import EnforcementCase
from domain.supervision.grading.models import GradeDecision
from domain.supervision.grading.rules import Grade
from domain.supervision.inspections.queries import plan as plan_queries
from domain.supervision.problems import rules as problem_rules
from domain.supervision.problems.models import Problem, RectificationItem
from domain.supervision.standing.models import PositiveListEntry

REPORT_KINDS = (ReportKind.MONTHLY, ReportKind.QUARTERLY, ReportKind.SEMIANNUAL, ReportKind.ANNUAL)
CREDIT_LEVELS = tuple(level for level, _floor in level_thresholds())
# The industry row of records without one (a case opened against no registered unit).
NO_INDUSTRY = N_("Industry not recorded")


@dataclass(frozen=True)
class Scope:
    """What the figures cover: a region within the reader's jurisdiction, a year or one month of it, and
    optionally one industry."""

    region_code: str
    year: int
    month: int | None
    industry: str | None

    @property
    def first(self) -> date:
        return date(self.year, self.month or 1, 1)

    @property
    def following(self) -> date:
        if self.month is None:
            return date(self.year + 1, 1, 1)
        return date(self.year + (self.month == 12), self.month % 12 + 1, 1)

    @property
    def period_label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}" if self.month else f"{self.year:04d}"


@dataclass
class GroupRow:
    """One district's or one industry's figures (``key``: its region or industry code)."""

    key: str
    permits_in_force: int = 0
    problems_open: int = 0
    rectification_overdue: int = 0
    problems_closed: int = 0
    cases_decided: int = 0
    fines_yuan: float = 0.0


@dataclass(frozen=True)
class PermitCount:
    status: str
    category: str
    count: int


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
class MonthPoint:
    month: int
    problems_raised: int
    problems_closed: int
    cases_decided: int


@dataclass(frozen=True)
class EmissionTotal:
    pollutant: str  # the code; every face shows its name
    quantity_t: float


@dataclass(frozen=True)
class LeaderStatistics:
    scope: Scope
    districts: list[GroupRow]
    industries: list[GroupRow]
    permits: list[PermitCount]
    renewals: Rate
    filing: FilingHalf
    quality_checked: Rate | None  # the quality-check half of 双百: not recorded yet
    plan: PlanCoverage | None
    rectification: Rectification
    cases_opened: int
    cases_decided: int
    fines_yuan: float
    grades: dict[str, int]
    positive_list: int
    agency_levels: dict[str, int] | None
    emissions: list[EmissionTotal]
    months: list[MonthPoint]

    @property
    def permits_in_force(self) -> int:
        return sum(row.count for row in self.permits if row.status == PermitStatus.ISSUED)


# ---------------------------------------------------------------------------
# The filters
# ---------------------------------------------------------------------------


def _require_reader(actor: Actor) -> None:
    """Regulators and the administrator (the same rule as the dispatch summary)."""
    require(actor, Operation.PERMIT_LIST)


def districts_of(actor: Actor) -> list[str]:
    """The named districts within the reader's jurisdiction (the choices of the district filter)."""
    return [
        code
        for code in regions.known_regions_within(actor.region_code)
        if not code.endswith("00") and code != actor.region_code
    ]


def industries() -> list[str]:
    return sorted(INDUSTRY_NAMES)


def scope_of(
    actor: Actor, *, year: str = "", month: str = "", district: str = "", industry: str = ""
) -> Scope:
    """The filters as typed, checked together: every bad one named at once."""
    _require_reader(actor)
    errors: list[FieldError] = []
    now = today()
    chosen_year, chosen_month = now.year, None
    text = year.strip()
    if text:
        if not text.isdigit() or not FIRST_MONTH.year <= int(text) <= now.year:
            errors.append(FieldError("year", "year", N_("Choose a year from 2015 to the current one.")))
        else:
            chosen_year = int(text)
    text = month.strip()
    if text:
        if not text.isdigit() or not 1 <= int(text) <= 12:
            errors.append(FieldError("month", "month", N_("Choose a month from 1 to 12, or the whole year.")))
        elif date(chosen_year, int(text), 1) > now:
            errors.append(FieldError("month", "month", N_("Choose a month up to the current one.")))
        else:
            chosen_month = int(text)
    region = actor.region_code or regions.NATIONAL
    text = district.strip()
    if text:
        if not regions.is_valid_region_code(text) or not can(
            actor, Operation.PERMIT_VIEW, Target(region_code=text)
        ):
            errors.append(FieldError("district", "district", N_("Choose a district of your jurisdiction.")))
        else:
            region = text
    text = industry.strip()
    if text and text not in INDUSTRY_NAMES:
        errors.append(FieldError("industry", "industry", N_("Choose an industry from the list.")))
    if errors:
        raise ValidationFailed(errors)
    return Scope(region_code=region, year=chosen_year, month=chosen_month, industry=text or None)


def _in_region(column: Any, scope: Scope) -> Any:
    prefix = regions.significant_prefix(scope.region_code)
    return column.startswith(prefix) if prefix else sa.true()


def _in_industry(column: Any, scope: Scope) -> Any:
    return column == scope.industry if scope.industry else sa.true()


# ---------------------------------------------------------------------------
# The figures
# ---------------------------------------------------------------------------


async def leader_statistics(session: AsyncSession, actor: Actor, scope: Scope) -> LeaderStatistics:
    """Every figure of the scope that the reader may see (see the module's docstring)."""
    _require_reader(actor)
    first, following = scope.first, scope.following
    start, end = china_midnight(first), china_midnight(following)
    on = today()
    districts: dict[str, GroupRow] = {}
    by_industry: dict[str, GroupRow] = {}

    def rows(region: str, industry: str | None) -> tuple[GroupRow, GroupRow]:
        """The row of the record's district and the row of its industry."""
        key = industry or ""
        return districts.setdefault(region, GroupRow(region)), by_industry.setdefault(key, GroupRow(key))

    # Permits by district, status and category (now).
    permit_where = [
        allowed(
            actor,
            Operation.PERMIT_VIEW,
            TargetColumns(enterprise_id=col(Permit.enterprise_id), region_code=col(Permit.region_code)),
        ),
        _in_region(col(Permit.region_code), scope),
        _in_industry(col(Permit.industry_code), scope),
    ]
    # An issued permit past its validity shows as expired, as the register filters it.
    shown = sa.case(
        (sa.and_(col(Permit.status) == PermitStatus.ISSUED, col(Permit.valid_until) < on), EXPIRED),
        else_=col(Permit.status),
    )
    by_status: dict[tuple[str, str], int] = defaultdict(int)
    for region, industry, status, category, number in (
        await session.exec(
            select(Permit.region_code, Permit.industry_code, shown, Permit.category, sa.func.count())  # type: ignore[call-overload]
            .where(*permit_where)
            .group_by(col(Permit.region_code), col(Permit.industry_code), shown, col(Permit.category))
        )
    ).all():
        by_status[(str(status), str(category))] += int(number)
        if status == PermitStatus.ISSUED:
            for row in rows(str(region), str(industry)):
                row.permits_in_force += int(number)
    permits = [
        PermitCount(status, category, number) for (status, category), number in sorted(by_status.items())
    ]

    # On-time renewal: renewal applications received in the period, and those flagged late.
    renewal_rows = (
        await session.exec(
            select(
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(sa.case((col(PermitApplication.late), 0), else_=1)), 0),
            )
            .select_from(PermitApplication)
            .join(Permit, col(Permit.id) == col(PermitApplication.permit_id))
            .where(
                PermitApplication.kind == "renewal",
                col(PermitApplication.received_on) >= first,
                col(PermitApplication.received_on) < following,
                *permit_where,
            )
        )
    ).one()
    renewals = Rate(int(renewal_rows[0]), int(renewal_rows[1] or 0))

    filing = await _filing(session, actor, scope, permit_where)
    plan = await _plan(session, actor, scope)
    rectification, raised_by_month, closed_by_month = await _rectification(session, actor, scope, rows)

    # Cases: opened and decided in the period, fines decided; decided by month of the year.
    case_where = [
        allowed(
            actor,
            Operation.CASE_VIEW,
            TargetColumns(
                enterprise_id=col(EnforcementCase.enterprise_id), region_code=col(EnforcementCase.region_code)
            ),
        ),
        _in_region(col(EnforcementCase.region_code), scope),
    ]
    if scope.industry:
        case_where.append(
            col(EnforcementCase.enterprise_id).in_(
                select(Enterprise.id).where(Enterprise.industry_code == scope.industry)
            )
        )
    cases_opened = int(
        (
            await session.exec(
                select(sa.func.count())
                .select_from(EnforcementCase)
                .where(
                    *case_where,
                    col(EnforcementCase.opened_on) >= first,
                    col(EnforcementCase.opened_on) < following,
                )
            )
        ).one()
    )
    decided_by_month: dict[int, int] = defaultdict(int)
    cases_decided, fines_cents = 0, 0
    for region, industry, decided_on, penalty in (
        await session.exec(
            select(  # type: ignore[call-overload]
                col(EnforcementCase.region_code),
                col(Enterprise.industry_code),
                col(EnforcementCase.decided_on),
                col(EnforcementCase.penalty_cents),
            )
            .join(Enterprise, col(Enterprise.id) == col(EnforcementCase.enterprise_id), isouter=True)
            .where(
                *case_where,
                col(EnforcementCase.decided_on) >= date(scope.year, 1, 1),
                col(EnforcementCase.decided_on) < date(scope.year + 1, 1, 1),
            )
        )
    ).all():
        assert decided_on is not None
        decided_by_month[decided_on.month] += 1
        if first <= decided_on < following:
            cases_decided += 1
            fines_cents += int(penalty or 0)
            for row in rows(str(region), industry):
                row.cases_decided += 1
                row.fines_yuan = round(row.fines_yuan + int(penalty or 0) / 100, 2)

    grades = await _grades(session, actor, scope)
    positive_list = await _positive_list(session, actor, scope)
    agency_levels = await _agency_levels(session, actor)
    emissions = await _emissions(session, actor, scope, start, end)
    last_month = 12 if scope.year < on.year else on.month
    months = [
        MonthPoint(m, raised_by_month.get(m, 0), closed_by_month.get(m, 0), decided_by_month.get(m, 0))
        for m in range(1, last_month + 1)
    ]
    return LeaderStatistics(
        scope=scope,
        districts=sorted(districts.values(), key=lambda row: row.key),
        industries=sorted(by_industry.values(), key=lambda row: row.key),
        permits=permits,
        renewals=renewals,
        filing=filing,
        quality_checked=None,
        plan=plan,
        rectification=rectification,
        cases_opened=cases_opened,
        cases_decided=cases_decided,
        fines_yuan=round(fines_cents / 100, 2),
        grades=grades,
        positive_list=positive_list,
        agency_levels=agency_levels,
        emissions=emissions,
        months=months,
    )


async def _filing(session: AsyncSession, actor: Actor, scope: Scope, permit_where: list[Any]) -> FilingHalf:
    """Reports due for the periods of every kind that ended within the scope's period, over the permits
    that owe them (``schedule.owing``, as the filing statistics count), once their due date has passed;
    and those filed, and filed on time."""
    first, following = scope.first, scope.following
    on = today()
    last_day = date.fromordinal(following.toordinal() - 1)
    periods = [
        period
        for kind in REPORT_KINDS
        for period in report_rules.periods_between(kind, date(first.year - 1, 1, 1), last_day)
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
                    _in_region(col(ExecutionReport.region_code), scope),
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


async def _plan(session: AsyncSession, actor: Actor, scope: Scope) -> PlanCoverage | None:
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


async def _rectification(
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
            _in_region(col(Problem.region_code), scope),
            _in_industry(col(Problem.industry_code), scope),
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
            raised[_china_month(raised_utc)] += 1
        if state != problem_rules.CLOSED:
            total.open += 1
            overdue = item_state is not None and problem_rules.overdue(item_state, deadline, on)
            total.overdue += 1 if overdue else 0
            for row in groups:
                row.problems_open += 1
                row.rectification_overdue += 1 if overdue else 0
        elif closed_at is not None:
            closed_utc = as_utc(closed_at)
            if year_start <= closed_utc < year_end:
                closed[_china_month(closed_utc)] += 1
            if start <= closed_utc < end:
                total.closed += 1
                for row in groups:
                    row.problems_closed += 1
                total.days_to_close.append((closed_utc - raised_utc).total_seconds() / 86400)
    return total, raised, closed


def _china_month(moment: Any) -> int:
    return china_date(moment).month


async def _grades(session: AsyncSession, actor: Actor, scope: Scope) -> dict[str, int]:
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
            _in_region(col(GradeDecision.region_code), scope),
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


async def _positive_list(session: AsyncSession, actor: Actor, scope: Scope) -> int:
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
            _in_region(col(PositiveListEntry.region_code), scope),
        )
    )
    if scope.industry:
        statement = statement.where(
            col(PositiveListEntry.enterprise_id).in_(
                select(Enterprise.id).where(Enterprise.industry_code == scope.industry)
            )
        )
    return int((await session.exec(statement)).one())


async def _agency_levels(session: AsyncSession, actor: Actor) -> dict[str, int] | None:
    """Agencies of the jurisdiction (the ranking's: registered here or working for a unit here) by credit
    level; None when the reader does not oversee agencies."""
    if not may_oversee(actor):
        return None
    found = dict.fromkeys(CREDIT_LEVELS, 0)
    for row in (await ranking(session, actor)).rows:
        found[row.level] = found.get(row.level, 0) + 1
    return found


async def _emissions(
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
                _in_region(col(ExecutionReport.region_code), scope),
                _in_industry(col(ExecutionReport.industry_code), scope),
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
