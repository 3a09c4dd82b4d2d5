"""The events a unit's own records give (``rules.KINDS``, the derived ones), each naming its record.

One function reads every source for some units (or every unit), so the rule of what counts lives in one
place; ``service.refresh_credit`` adds what is new and voids what no longer holds. Sources:

- ``penalty_decided``: an enforcement case decided with a penalty (a fine or a penalty measure; M48 §39);
- ``yellow_card``: a yellow card (JN), by its case or inspection record;
- ``grade_unqualified`` / ``grade_excellent``: the annual grade in force for a year (PT §4, annex 2);
- ``positive_list``: a stay on the positive list, while it lasts (JN);
- ``problem_confirmed``: a problem for which rectification was ordered (not dismissed);
- ``rectification_overdue``: a rectification item not verified by its deadline (AP (5));
- ``report_overdue``: a report an issued permit owed whose due date passed with no filing, or whose first
  filing came after it (the permit's report plan, ``domain.reports.schedule``);
- ``exceedance_unexplained``: an exceedance with no cause and measure recorded within 30 days of its
  detection (M48 §35 (3)).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import as_utc, china_date, china_midnight, today, utcnow
from domain.ledgers.models import Exceedance
from domain.permits.models import Permit
from domain.permits.reference import pollutant_name
from domain.permits.rules import PermitStatus
from domain.permits.terms import terms_of
from domain.reports.models import ExecutionReport
from domain.reports.schedule import default_due_days, permit_plan
from domain.supervision.cases.models import EnforcementCase
from domain.supervision.cases.rules import has_penalty
from domain.supervision.credit.rules import EXCEEDANCE_GRACE_DAYS
from domain.supervision.grading.models import GradeDecision
from domain.supervision.problems import rules as problem_rules
from domain.supervision.problems.models import Problem, RectificationItem
from domain.supervision.standing.models import PositiveListEntry, YellowCard


@dataclass(frozen=True)
class Derived:
    enterprise_id: int
    kind: str
    source_type: str
    source_id: str
    occurred_at: datetime
    note: str

    @property
    def key(self) -> tuple[int, str, str, str]:
        return (self.enterprise_id, self.kind, self.source_type, self.source_id)


def _of(column: Any, ids: Sequence[int] | None) -> list[Any]:
    return [] if ids is None else [column.in_(list(ids))]


async def derive(session: AsyncSession, enterprise_ids: Sequence[int] | None = None) -> list[Derived]:
    """Every event the records of these units (None: of every unit) give today."""
    on = today()
    found: list[Derived] = []
    for case in (
        await session.exec(
            select(EnforcementCase).where(
                col(EnforcementCase.decided_on).is_not(None),
                col(EnforcementCase.enterprise_id).is_not(None),
                *_of(col(EnforcementCase.enterprise_id), enterprise_ids),
            )
        )
    ).all():
        if (
            case.enterprise_id is not None
            and case.decided_on
            and has_penalty(case.penalty_cents, case.measures)
        ):
            label = case.case_number or f"#{case.id}"
            found.append(
                Derived(
                    case.enterprise_id,
                    "penalty_decided",
                    "case",
                    str(case.id),
                    china_midnight(case.decided_on),
                    label,
                )
            )
    for card in (
        await session.exec(select(YellowCard).where(*_of(col(YellowCard.enterprise_id), enterprise_ids)))
    ).all():
        found.append(
            Derived(
                card.enterprise_id,
                "yellow_card",
                "card",
                str(card.id),
                china_midnight(card.issued_on),
                card.violation[:1000],
            )
        )
    latest: dict[tuple[int, int], GradeDecision] = {}
    for decision in (
        await session.exec(
            select(GradeDecision)
            .where(*_of(col(GradeDecision.enterprise_id), enterprise_ids))
            .order_by(col(GradeDecision.decided_at), col(GradeDecision.id))
        )
    ).all():
        latest[(decision.enterprise_id, decision.year)] = decision
    for (unit, year), decision in latest.items():
        kind = {"unqualified": "grade_unqualified", "excellent": "grade_excellent"}.get(decision.grade)
        if kind:
            found.append(Derived(unit, kind, "grade", str(year), decision.decided_at, decision.reason[:1000]))
    for entry in (
        await session.exec(
            select(PositiveListEntry).where(
                col(PositiveListEntry.removed_on).is_(None),
                *_of(col(PositiveListEntry.enterprise_id), enterprise_ids),
            )
        )
    ).all():
        found.append(
            Derived(
                entry.enterprise_id,
                "positive_list",
                "listing",
                str(entry.id),
                china_midnight(entry.entered_on),
                entry.basis[:1000],
            )
        )
    for problem, item in (
        await session.exec(
            select(Problem, RectificationItem)
            .join(RectificationItem, col(RectificationItem.problem_id) == col(Problem.id))
            .where(
                col(Problem.state) != problem_rules.DISMISSED,
                *_of(col(Problem.enterprise_id), enterprise_ids),
            )
        )
    ).all():
        found.append(
            Derived(
                problem.enterprise_id,
                "problem_confirmed",
                "problem",
                str(problem.id),
                item.created_at,
                problem.title,
            )
        )
        late_verified = item.verified_at is not None and china_date(item.verified_at) > item.deadline
        if late_verified or problem_rules.overdue(item.state, item.deadline, on):
            found.append(
                Derived(
                    problem.enterprise_id,
                    "rectification_overdue",
                    "rectification",
                    str(problem.id),
                    china_midnight(item.deadline + timedelta(days=1)),
                    problem.title,
                )
            )
    found += await _reports(session, enterprise_ids, on)
    grace = timedelta(days=EXCEEDANCE_GRACE_DAYS)
    for exceedance in (
        await session.exec(
            select(Exceedance).where(
                col(Exceedance.detected_at) <= utcnow() - grace,
                sa.or_(col(Exceedance.status) == "open", col(Exceedance.explained_at).is_not(None)),
                *_of(col(Exceedance.enterprise_id), enterprise_ids),
            )
        )
    ).all():
        explained = exceedance.explained_at
        if explained is not None and as_utc(explained) <= as_utc(exceedance.detected_at) + grace:
            continue
        found.append(
            Derived(
                exceedance.enterprise_id,
                "exceedance_unexplained",
                "exceedance",
                str(exceedance.id),
                as_utc(exceedance.detected_at) + grace,
                pollutant_name(exceedance.pollutant),
            )
        )
    return found


async def _reports(session: AsyncSession, enterprise_ids: Sequence[int] | None, on: date) -> list[Derived]:
    """The reports an issued permit owed (its plan, ``domain.reports.schedule``) whose due date passed
    with no filing, or whose first filing came after it. Source: the permit, kind and period."""
    permits = list(
        (
            await session.exec(
                select(Permit).where(
                    Permit.status == PermitStatus.ISSUED.value,
                    col(Permit.number).is_not(None),
                    *_of(col(Permit.enterprise_id), enterprise_ids),
                )
            )
        ).all()
    )
    if not permits:
        return []
    filed: dict[tuple[int, str, str], bool | None] = {}
    for permit_id, kind, period, first, on_time in (
        await session.exec(
            select(  # type: ignore[call-overload]
                ExecutionReport.permit_id,
                ExecutionReport.kind,
                ExecutionReport.period,
                ExecutionReport.first_submitted_at,
                ExecutionReport.on_time,
            ).where(col(ExecutionReport.permit_id).in_([p.id for p in permits]))
        )
    ).all():
        filed[(permit_id, kind, period)] = on_time if first is not None else None
    terms = await terms_of(session, permits)
    defaults = default_due_days()
    found: list[Derived] = []
    for permit in permits:
        assert permit.id is not None
        for item in permit_plan(permit, terms[permit.id], until=on, defaults=defaults):
            if not item.owed or item.due_date >= on or item.kind not in terms[permit.id].report_kinds:
                continue
            on_time = filed.get((permit.id, item.kind, item.period.label))
            if on_time is True:
                continue
            found.append(
                Derived(
                    permit.enterprise_id,
                    "report_overdue",
                    "report",
                    f"{permit.number}/{item.kind}/{item.period.label}",
                    china_midnight(item.due_date + timedelta(days=1)),
                    item.period.label,
                )
            )
    return found
