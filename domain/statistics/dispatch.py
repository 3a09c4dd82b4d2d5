"""The monthly dispatch summary (排污许可证后监管工作调度, PT §3: the permitting section convenes the
dispatch meeting; each department reports on its part): what happened in the jurisdiction in one month,
by department, as a section head prints it for the meeting.

Each figure counts the records of the month (China time) that the reader may see, through the SQL form of
the access rule of that kind of record, so a district's head sees the district and a city's the city:

- permitting section (审批科): permits issued, renewed, changed, revoked, cancelled (the public events);
- ecology section and monitoring station (生态科、监测站): exceedances detected, enforcement monitoring;
- enforcement brigade (执法大队): inspections, leads received, cases opened, decided and closed, fines;
- rectification (all departments): problems raised, closed, open at the month's end, overdue now;
- linkage (三监联动): tasks initiated and archived;
- legal section (法制科): units admitted to and removed from the positive list, yellow cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.access.sql import TargetColumns, allowed
from domain.clock import china_midnight, today
from domain.errors import N_, FieldError, ValidationFailed
from domain.ledgers.models import Exceedance
from domain.permits.models import Permit, PermitEvent
from domain.reports.models import EnforcementLead
from domain.supervision.cases.models import EnforcementCase
from domain.supervision.inspections.models import InspectionRecord
from domain.supervision.linkage.models import LinkageTask
from domain.supervision.problems import rules as problem_rules
from domain.supervision.problems.models import Problem, RectificationItem
from domain.supervision.standing.models import PositiveListEntry, YellowCard

PERMIT_EVENT_KINDS = ("issued", "renewed", "changed", "revoked", "cancelled")
FIRST_MONTH = date(2015, 1, 1)


@dataclass(frozen=True)
class DispatchSummary:
    month: date  # its first day
    region_code: str | None
    permit_events: dict[str, int]
    exceedances: int
    monitoring_visits: int
    inspections: int
    leads: int
    cases_opened: int
    cases_decided: int
    cases_closed: int
    fines_yuan: float
    problems_raised: int
    problems_closed: int
    problems_open_at_end: int
    rectification_overdue: int
    linkage_initiated: int
    linkage_archived: int
    admitted_to_list: int
    removed_from_list: int
    yellow_cards: int


def month_of(text: str) -> date:
    """``YYYY-MM`` as the month's first day; a month from 2015 to the current one, else a field error."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        first = date(year, month, 1)
    except ValueError:
        raise ValidationFailed([FieldError("month", "month", N_("Choose a month (YYYY-MM)."))]) from None
    if not FIRST_MONTH <= first <= today().replace(day=1):
        raise ValidationFailed([FieldError("month", "month", N_("Choose a month up to the current one."))])
    return first


def _next(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


async def _count(session: AsyncSession, statement: Any) -> int:
    return int((await session.exec(select(sa.func.count()).select_from(statement.subquery()))).one())  # type: ignore[call-overload]


async def dispatch_summary(session: AsyncSession, actor: Actor, *, month: date) -> DispatchSummary:
    """The figures of one month for the reader's jurisdiction (regulators and the administrator)."""
    require(actor, Operation.PERMIT_LIST)
    first, following = month, _next(month)
    start, end = china_midnight(first), china_midnight(following)

    def where(operation: Operation, enterprise: Any, region: Any) -> Any:
        return allowed(actor, operation, TargetColumns(enterprise_id=enterprise, region_code=region))

    def in_days(column: Any) -> Any:
        return sa.and_(column >= first, column < following)

    def in_time(column: Any) -> Any:
        return sa.and_(column >= start, column < end)

    events: dict[str, int] = {}
    rows = await session.exec(
        select(PermitEvent.kind, sa.func.count())
        .join(Permit, col(Permit.id) == col(PermitEvent.permit_id))
        .where(
            col(PermitEvent.kind).in_(PERMIT_EVENT_KINDS),
            in_time(col(PermitEvent.occurred_at)),
            where(Operation.PERMIT_VIEW, col(Permit.enterprise_id), col(Permit.region_code)),
        )
        .group_by(col(PermitEvent.kind))
    )
    for kind, number in rows.all():
        events[kind] = int(number)
    cases = where(Operation.CASE_VIEW, col(EnforcementCase.enterprise_id), col(EnforcementCase.region_code))
    problems = where(Operation.PROBLEM_VIEW, col(Problem.enterprise_id), col(Problem.region_code))
    inspections = where(
        Operation.INSPECTION_VIEW, col(InspectionRecord.enterprise_id), col(InspectionRecord.region_code)
    )
    fines = (
        await session.exec(
            select(sa.func.coalesce(sa.func.sum(EnforcementCase.penalty_cents), 0)).where(
                cases, in_days(col(EnforcementCase.decided_on))
            )
        )
    ).one()
    return DispatchSummary(
        month=first,
        region_code=actor.region_code,
        permit_events=events,
        exceedances=await _count(
            session,
            select(Exceedance.id).where(
                in_time(col(Exceedance.detected_at)),
                where(Operation.LEDGER_VIEW, col(Exceedance.enterprise_id), col(Exceedance.region_code)),
            ),
        ),
        monitoring_visits=await _count(
            session,
            select(InspectionRecord.id).where(
                inspections,
                InspectionRecord.kind == "monitoring",
                in_days(col(InspectionRecord.inspected_on)),
            ),
        ),
        inspections=await _count(
            session,
            select(InspectionRecord.id).where(
                inspections,
                InspectionRecord.kind == "enforcement",
                in_days(col(InspectionRecord.inspected_on)),
            ),
        ),
        leads=await _count(
            session,
            select(EnforcementLead.id).where(
                in_time(col(EnforcementLead.created_at)),
                where(
                    Operation.CASE_VIEW, col(EnforcementLead.enterprise_id), col(EnforcementLead.region_code)
                ),
            ),
        ),
        cases_opened=await _count(
            session, select(EnforcementCase.id).where(cases, in_days(col(EnforcementCase.opened_on)))
        ),
        cases_decided=await _count(
            session, select(EnforcementCase.id).where(cases, in_days(col(EnforcementCase.decided_on)))
        ),
        cases_closed=await _count(
            session, select(EnforcementCase.id).where(cases, in_days(col(EnforcementCase.closed_on)))
        ),
        fines_yuan=round(int(fines or 0) / 100, 2),
        problems_raised=await _count(
            session, select(Problem.id).where(problems, in_time(col(Problem.raised_at)))
        ),
        problems_closed=await _count(
            session,
            select(Problem.id).where(
                problems, col(Problem.state) == problem_rules.CLOSED, in_time(col(Problem.closed_at))
            ),
        ),
        problems_open_at_end=await _count(
            session,
            select(Problem.id).where(
                problems,
                col(Problem.raised_at) < end,
                sa.or_(col(Problem.closed_at).is_(None), col(Problem.closed_at) >= end),
            ),
        ),
        rectification_overdue=await _count(
            session,
            select(RectificationItem.id)
            .join(Problem, col(Problem.id) == col(RectificationItem.problem_id))
            .where(
                problems,
                col(RectificationItem.state).not_in(("verified", "closed")),
                col(RectificationItem.deadline) < today(),
            ),
        ),
        linkage_initiated=await _count(
            session,
            select(LinkageTask.id).where(
                in_days(col(LinkageTask.initiated_on)),
                where(Operation.LINKAGE_VIEW, col(LinkageTask.enterprise_id), col(LinkageTask.region_code)),
            ),
        ),
        linkage_archived=await _count(
            session,
            select(LinkageTask.id).where(
                in_time(col(LinkageTask.archived_at)),
                where(Operation.LINKAGE_VIEW, col(LinkageTask.enterprise_id), col(LinkageTask.region_code)),
            ),
        ),
        admitted_to_list=await _count(
            session,
            select(PositiveListEntry.id).where(
                in_days(col(PositiveListEntry.entered_on)),
                where(
                    Operation.STANDING_VIEW,
                    col(PositiveListEntry.enterprise_id),
                    col(PositiveListEntry.region_code),
                ),
            ),
        ),
        removed_from_list=await _count(
            session,
            select(PositiveListEntry.id).where(
                in_days(col(PositiveListEntry.removed_on)),
                where(
                    Operation.STANDING_VIEW,
                    col(PositiveListEntry.enterprise_id),
                    col(PositiveListEntry.region_code),
                ),
            ),
        ),
        yellow_cards=await _count(
            session,
            select(YellowCard.id).where(
                in_days(col(YellowCard.issued_on)),
                where(Operation.STANDING_VIEW, col(YellowCard.enterprise_id), col(YellowCard.region_code)),
            ),
        ),
    )


def months_back(count: int = 12) -> list[date]:
    """The first days of the current month and the ``count - 1`` before it, newest first."""
    first = today().replace(day=1)
    found = [first]
    while len(found) < count:
        previous = found[-1]
        found.append(date(previous.year - (previous.month == 1), (previous.month - 2) % 12 + 1, 1))
    return found
