"""The leaders' statistics count what a count made directly in SQL counts, over a generated city of three
districts and two industries, for the reader's jurisdiction only; the figures the other pages already
show (the plan, the board, the home page's list) are the same numbers here."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from domain.access import Role
from domain.clock import china_midnight, today
from domain.enterprises.models import Enterprise
from domain.errors import PermissionDenied, ValidationFailed
from domain.permits.models import Permit, PermitApplication
from domain.reports.models import ExecutionReport, ReportSubmission
from domain.reports.queries.statistics import filing_statistics
from domain.reports.rollup.counting import refresh
from domain.statistics import leaders
from domain.statistics.scope import scope_of
from domain.supervision.cases.models import EnforcementCase
from domain.supervision.grading.models import GradeDecision
from domain.supervision.inspections.queries.plan import plan_summary
from domain.supervision.problems import queries as problem_queries
from domain.supervision.problems.models import Problem, RectificationItem
from domain.supervision.standing import queries as standing_queries
from domain.supervision.standing.models import PositiveListEntry
from tests.factories import actor, make_enterprise, make_user
from tests.statistics.city import DISTRICTS, build_city


async def _count(session, statement) -> int:  # type: ignore[no-untyped-def]
    return int((await session.exec(statement)).one())


async def test_every_figure_counts_as_sql_does(session):
    await build_city(session)
    chief = actor(await make_user(session, Role.ENFORCEMENT, region_code="310000"))
    on = today()
    scope = scope_of(chief, year=str(on.year), month=str(on.month))
    figures = await leaders.leader_statistics(session, chief, scope)
    first, following = scope.first, scope.following
    start, end = china_midnight(first), china_midnight(following)
    shanghai = Permit.region_code.startswith("31")  # type: ignore[attr-defined]

    by_status = {
        (status, category): number
        for status, category, number in (
            await session.exec(
                select(Permit.status, Permit.category, func.count())
                .where(shanghai)
                .group_by(Permit.status, Permit.category)
            )
        ).all()
    }
    assert {(row.status, row.category): row.count for row in figures.permits} == by_status
    assert figures.permits_in_force == 5  # six permits, one revoked; Jinan's is not Shanghai's

    renewals = await _count(
        session,
        select(func.count())
        .select_from(PermitApplication)
        .join(Permit, Permit.id == PermitApplication.permit_id)
        .where(
            shanghai,
            PermitApplication.kind == "renewal",
            PermitApplication.received_on >= first,
            PermitApplication.received_on < following,
        ),
    )
    late = await _count(
        session,
        select(func.count())
        .select_from(PermitApplication)
        .join(Permit, Permit.id == PermitApplication.permit_id)
        .where(shanghai, PermitApplication.kind == "renewal", PermitApplication.late.is_(True)),  # type: ignore[attr-defined]
    )
    assert (figures.renewals.whole, figures.renewals.part) == (renewals, renewals - late) == (6, 3)
    assert figures.renewals.rate == 0.5

    problems = Problem.region_code.startswith("31")  # type: ignore[attr-defined]
    open_now = await _count(
        session, select(func.count()).select_from(Problem).where(problems, Problem.state != "closed")
    )
    overdue = await _count(
        session,
        select(func.count())
        .select_from(RectificationItem)
        .join(Problem, Problem.id == RectificationItem.problem_id)
        .where(
            problems,
            Problem.state != "closed",
            RectificationItem.state == "rectifying",
            RectificationItem.deadline < on,
        ),
    )
    closed = (
        await session.exec(
            select(Problem.raised_at, Problem.closed_at).where(
                problems,
                Problem.state == "closed",
                Problem.closed_at >= start,
                Problem.closed_at < end,  # type: ignore[operator]
            )
        )
    ).all()
    assert figures.rectification.open == open_now == 12
    assert figures.rectification.overdue == overdue == 6
    assert figures.rectification.closed == len(closed) == 6
    average = (
        sum((c.replace(tzinfo=None) - r.replace(tzinfo=None)).total_seconds() / 86400 for r, c in closed) / 6
    )
    assert figures.rectification.average_days_to_close == round(average, 1)
    open_by_industry = dict(
        (
            await session.exec(
                select(Problem.industry_code, func.count())
                .where(problems, Problem.state != "closed")
                .group_by(Problem.industry_code)
            )
        ).all()
    )
    assert (
        {row.key: row.problems_open for row in figures.industries}
        == open_by_industry
        == {"1713": 6, "2614": 6}
    )
    fines_by_industry = dict(
        (
            await session.exec(
                select(Enterprise.industry_code, func.sum(EnforcementCase.penalty_cents))
                .join(Enterprise, Enterprise.id == EnforcementCase.enterprise_id)
                .where(EnforcementCase.region_code.startswith("31"), EnforcementCase.decided_on >= first)  # type: ignore[attr-defined,operator]
                .group_by(Enterprise.industry_code)
            )
        ).all()
    )
    assert {row.key: row.fines_yuan for row in figures.industries} == {
        key: int(cents) / 100 for key, cents in fines_by_industry.items()
    }
    # the clear-to-zero board counts the same open and overdue problems for the same reader
    board = (await problem_queries.board(session, chief, by="region")).total
    assert (board.open, board.overdue) == (figures.rectification.open, figures.rectification.overdue)

    cases = EnforcementCase.region_code.startswith("31")  # type: ignore[attr-defined]
    decided, fines = (
        await session.exec(
            select(func.count(), func.coalesce(func.sum(EnforcementCase.penalty_cents), 0)).where(
                cases,
                EnforcementCase.decided_on >= first,
                EnforcementCase.decided_on < following,  # type: ignore[operator]
            )
        )
    ).one()
    assert figures.cases_decided == decided == 6
    assert figures.fines_yuan == int(fines) / 100 == 210_000.0
    assert figures.cases_opened == await _count(
        session,
        select(func.count()).select_from(EnforcementCase).where(cases, EnforcementCase.opened_on >= first),
    )

    latest = (
        select(func.max(GradeDecision.id))
        .where(GradeDecision.year == on.year)
        .group_by(GradeDecision.enterprise_id)
    )
    grades = dict(
        (
            await session.exec(
                select(GradeDecision.grade, func.count())
                .where(GradeDecision.id.in_(latest), GradeDecision.region_code.startswith("31"))  # type: ignore[union-attr,attr-defined]
                .group_by(GradeDecision.grade)
            )
        ).all()
    )
    assert {grade: number for grade, number in figures.grades.items() if number} == grades
    assert figures.grades["unqualified"] == 1 and figures.grades["qualified"] == 5

    listed = await _count(
        session,
        select(func.count())
        .select_from(PositiveListEntry)
        .where(PositiveListEntry.removed_on.is_(None), PositiveListEntry.region_code.startswith("31")),  # type: ignore[union-attr,attr-defined]
    )
    assert figures.positive_list == listed == await standing_queries.count_listed(session, chief) == 3

    plan = await plan_summary(session, chief, region_code="310000", year=on.year)
    assert figures.plan is not None and figures.plan.done == plan.counts["done"]
    # no quality-check campaign in this city: every permit in force is owed, none checked
    assert figures.quality_checked.part == 0 and figures.quality_checked.whole >= 1
    assert {row.key for row in figures.districts} == set(DISTRICTS)


async def test_the_filing_half_and_the_emissions_of_january(session):
    await build_city(session)
    chief = actor(await make_user(session, Role.PERMITTING, region_code="310000"))
    on = today()
    scope = scope_of(chief, year=str(on.year), month="1")
    await refresh(
        session
    )  # the worker's round: the filing half and the dashboard's rates come from the rollup
    figures = await leaders.leader_statistics(session, chief, scope)
    assert figures.filing.counted_at is not None
    # the filing statistics of the same period (docs/domain-rules.md, 双百) count the same reports due
    existing = await filing_statistics(session, chief, kind="monthly", period=f"{on.year}-01")
    assert figures.filing.due == sum(rate.due for rate in existing) == 5  # the revoked permit owes none
    assert figures.filing.on_time == sum(rate.on_time for rate in existing) == 5
    this_month = scope_of(chief, year=str(on.year), month=str(on.month))
    not_yet = await leaders.leader_statistics(session, chief, this_month)
    assert not_yet.filing.due == 0  # this month's reports are not due before the next month
    contents = (
        await session.exec(
            select(ReportSubmission.content)
            .join(ExecutionReport, ExecutionReport.id == ReportSubmission.report_id)
            .where(
                ExecutionReport.region_code.startswith("31"),  # type: ignore[attr-defined]
                ExecutionReport.period_start >= date(on.year, 1, 1),
                ExecutionReport.period_end < date(on.year, 2, 1),
            )
        )
    ).all()
    totals: dict[str, float] = defaultdict(float)
    for content in contents:
        for line in content["emissions"]:
            totals[line["pollutant"]] += line["quantity_t"]
    assert {row.pollutant: row.quantity_t for row in figures.emissions} == {
        code: round(value, 3) for code, value in totals.items()
    }
    assert dict((row.pollutant, row.quantity_t) for row in figures.emissions)["COD"] == 1.5


async def test_a_district_head_sees_the_district_and_filters_narrow(session):
    await build_city(session)
    putuo = actor(await make_user(session, Role.ENFORCEMENT, region_code="310107"))
    on = today()
    figures = await leaders.leader_statistics(session, putuo, scope_of(putuo, year=str(on.year)))
    assert {row.key for row in figures.districts} == {"310107"}
    assert figures.rectification.open == 4 and figures.cases_decided == 2 and figures.positive_list == 1
    with pytest.raises(ValidationFailed) as refused:
        scope_of(putuo, district="310110")  # Yangpu is not Putuo's
    assert refused.value.errors[0].field == "district"
    chief = actor(await make_user(session, Role.ENFORCEMENT, region_code="310000"))
    yangpu = await leaders.leader_statistics(
        session, chief, scope_of(chief, year=str(on.year), district="310110", industry="1713")
    )
    assert yangpu.rectification.open == 2 and yangpu.cases_decided == 1 and yangpu.permits_in_force == 1
    assert (
        yangpu.fines_yuan
        == await _count(
            session,
            select(func.sum(EnforcementCase.penalty_cents))
            .join(
                sa.table("enterprise", sa.column("id"), sa.column("industry_code")),
                sa.text("enterprise.id = enforcement_case.enterprise_id"),
            )
            .where(EnforcementCase.region_code == "310110", sa.text("enterprise.industry_code = '1713'")),
        )
        / 100
    )


async def test_units_may_not_open_it_and_bad_filters_are_named(session):
    staff = await make_user(session, Role.ENTERPRISE_STAFF, enterprise=await make_enterprise(session))
    with pytest.raises(PermissionDenied):
        scope_of(actor(staff))
    chief = actor(await make_user(session, Role.ENFORCEMENT, region_code="310000"))
    with pytest.raises(ValidationFailed) as refused:
        scope_of(chief, year="1999", month="13", district="x", industry="9999")
    assert {error.field for error in refused.value.errors} == {"year", "month", "district", "industry"}
    with pytest.raises(ValidationFailed):
        scope_of(chief, year=str(today().year + 1))
