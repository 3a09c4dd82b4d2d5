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
  filed on time, read from the filing rollup the worker keeps (as of its ``counted_at``, shown); the
  quality-check half is the permits in force on the period's last day (today for the current period)
  and those a quality-check campaign checked in the three years to it
  (``supervision.quality``);
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
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation
from domain.access.sql import TargetColumns, allowed
from domain.clock import china_midnight, today
from domain.enterprises.models import Enterprise
from domain.errors import N_
from domain.permits.models import Permit, PermitApplication
from domain.permits.rules import EXPIRED, PermitStatus
from domain.statistics import figures
from domain.statistics.figures import EmissionTotal, FilingHalf, PlanCoverage, Rate, Rectification
from domain.statistics.scope import Scope, in_industry, in_region, require_reader
from domain.supervision.cases.models import EnforcementCase

# The industry row of records without one (a case opened against no registered unit).
NO_INDUSTRY = N_("Industry not recorded")


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
class MonthPoint:
    month: int
    problems_raised: int
    problems_closed: int
    cases_decided: int


@dataclass(frozen=True)
class LeaderStatistics:
    scope: Scope
    districts: list[GroupRow]
    industries: list[GroupRow]
    permits: list[PermitCount]
    renewals: Rate
    filing: FilingHalf
    quality_checked: Rate  # the quality-check half of 双百: permits in force, checked within three years
    plan: PlanCoverage | None
    rectification: Rectification
    cases_opened: int
    cases_decided: int
    fines_yuan: float
    grades: dict[str, int]
    positive_list: int
    agency_levels: dict[str, int] | None
    unit_credit: dict[str, dict[str, int]]  # district: environmental credit level: units (now)
    emissions: list[EmissionTotal]
    months: list[MonthPoint]

    @property
    def permits_in_force(self) -> int:
        return sum(row.count for row in self.permits if row.status == PermitStatus.ISSUED)


async def leader_statistics(session: AsyncSession, actor: Actor, scope: Scope) -> LeaderStatistics:
    """Every figure of the scope that the reader may see (see the module's docstring)."""
    require_reader(actor)
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
        in_region(col(Permit.region_code), scope),
        in_industry(col(Permit.industry_code), scope),
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

    filing = await figures.filing_half(session, actor, scope)
    quality_checked = await figures.quality_half(session, actor, scope, permit_where)
    plan = await figures.plan_coverage(session, actor, scope)
    rectification, raised_by_month, closed_by_month = await figures.rectification(session, actor, scope, rows)

    # Cases: opened and decided in the period, fines decided; decided by month of the year.
    case_where = [
        allowed(
            actor,
            Operation.CASE_VIEW,
            TargetColumns(
                enterprise_id=col(EnforcementCase.enterprise_id), region_code=col(EnforcementCase.region_code)
            ),
        ),
        in_region(col(EnforcementCase.region_code), scope),
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

    grades = await figures.grades(session, actor, scope)
    positive_list = await figures.positive_list(session, actor, scope)
    agency_levels = await figures.agency_levels(session, actor)
    unit_credit = await figures.unit_credit_levels(session, actor, scope)
    emissions = await figures.emissions(session, actor, scope, start, end)
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
        quality_checked=quality_checked,
        plan=plan,
        rectification=rectification,
        cases_opened=cases_opened,
        cases_decided=cases_decided,
        fines_yuan=round(fines_cents / 100, 2),
        grades=grades,
        positive_list=positive_list,
        agency_levels=agency_levels,
        unit_credit=unit_credit,
        emissions=emissions,
        months=months,
    )
