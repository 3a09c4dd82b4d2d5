"""The grading of a district's permit holders for a year: each unit with its proposed grade and the grounds
behind it (each linked to its record), the decision in force, and the excellent cap (PT §4, annex 2)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import regions
from domain.access import Actor, Operation, Target, require
from domain.access.sql import TargetColumns, allowed
from domain.clock import china_midnight, today
from domain.enterprises.models import Enterprise
from domain.errors import N_, FieldError, ValidationFailed
from domain.permits.models import Permit
from domain.permits.rules import PermitStatus
from domain.supervision.cases.models import EnforcementCase
from domain.supervision.grading import rules
from domain.supervision.grading.models import GradeDecision
from domain.supervision.grading.rules import Grade, Ground, GroundRecord, UnitRecord
from domain.supervision.problems import rules as problem_rules
from domain.supervision.problems.models import Problem, RectificationItem

HELD = (PermitStatus.ISSUED.value, PermitStatus.REVOKED.value, PermitStatus.CANCELLED.value)
FIRST_YEAR = 2015  # the permit system's start: nothing to grade before


def year_error(year: int, field: str = "year") -> FieldError | None:
    """A year that has ended, from the permit system's start (the grading looks back on a whole year)."""
    if not FIRST_YEAR <= year < today().year:
        return FieldError(
            field,
            "year",
            N_("Choose a year that has ended, from {first} on."),
            {"first": FIRST_YEAR},
        )
    return None


def _holders(region_code: str, year: int) -> sa.Select:  # type: ignore[type-arg]
    """The units that held a permit of the region at some time in the year."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    return (
        sa.select(col(Permit.enterprise_id))
        .where(
            col(Permit.status).in_(HELD),
            col(Permit.valid_from).is_not(None),
            col(Permit.valid_from) <= last,
            sa.or_(col(Permit.valid_until).is_(None), col(Permit.valid_until) >= first),
            col(Permit.region_code).startswith(regions.significant_prefix(region_code)),
        )
        .distinct()
    )


async def holders_of(session: AsyncSession, region_code: str, year: int) -> set[int]:
    """The ids of the units that held a permit of the region in the year."""
    return set((await (await session.connection()).execute(_holders(region_code, year))).scalars().all())


async def holder_count(session: AsyncSession, region_code: str, year: int) -> int:
    rows = (
        await session.exec(select(sa.func.count()).select_from(_holders(region_code, year).subquery()))
    ).one()  # type: ignore[call-overload]
    return int(rows)


async def unit_records(session: AsyncSession, enterprise_ids: list[int], year: int) -> dict[int, UnitRecord]:
    """What the year's cases and problems say about each unit (three grouped reads)."""
    if not enterprise_ids:
        return {}
    first, last = date(year, 1, 1), date(year, 12, 31)
    start, end = china_midnight(first), china_midnight(date(year + 1, 1, 1))
    grounds: dict[int, list[GroundRecord]] = defaultdict(list)
    cases: dict[int, int] = defaultdict(int)
    for case in (
        await session.exec(
            select(EnforcementCase).where(
                col(EnforcementCase.enterprise_id).in_(enterprise_ids),
                sa.or_(
                    sa.and_(col(EnforcementCase.opened_on) >= first, col(EnforcementCase.opened_on) <= last),
                    sa.and_(
                        col(EnforcementCase.decided_on) >= first, col(EnforcementCase.decided_on) <= last
                    ),
                ),
            )
        )
    ).all():
        assert case.enterprise_id is not None and case.id is not None
        cases[case.enterprise_id] += 1
        decided_in_year = case.decided_on is not None and first <= case.decided_on <= last
        label = case.case_number or f"#{case.id}"
        if decided_in_year and case.penalty_cents:
            grounds[case.enterprise_id].append(GroundRecord(Ground.PENALTY, "case", case.id, label))
        if decided_in_year and case.classification in ("without_permit", "against_permit"):
            grounds[case.enterprise_id].append(GroundRecord(Ground.NOT_PER_PERMIT, "case", case.id, label))
    problems: dict[int, int] = defaultdict(int)
    rows = (
        await session.exec(
            select(Problem, RectificationItem)
            .join(RectificationItem, col(RectificationItem.problem_id) == col(Problem.id), isouter=True)
            .where(
                col(Problem.enterprise_id).in_(enterprise_ids),
                col(Problem.raised_at) >= start,
                col(Problem.raised_at) < end,
                col(Problem.state) != problem_rules.DISMISSED,  # unfounded: no mark on the record
            )
        )
    ).all()
    on = today()
    for problem, item in rows:
        assert problem.id is not None
        problems[problem.enterprise_id] += 1
        refused = item is not None and item.state not in ("verified", "closed") and item.deadline < on
        if problem.source_kind == "complaint" and refused:
            grounds[problem.enterprise_id].append(
                GroundRecord(Ground.COMPLAINT_UNRECTIFIED, "problem", problem.id, problem.title)
            )
    return {
        unit: UnitRecord(unit, grounds.get(unit, []), problems.get(unit, 0), cases.get(unit, 0))
        for unit in enterprise_ids
    }


@dataclass(frozen=True)
class GradedUnit:
    enterprise: Enterprise
    record: UnitRecord
    proposed: Grade
    decision: GradeDecision | None  # the grade in force, if decided

    @property
    def grade(self) -> str | None:
        return self.decision.grade if self.decision else None


@dataclass(frozen=True)
class Grading:
    region_code: str
    year: int
    units: list[GradedUnit]
    previous_holders: int
    excellent_cap: int

    @property
    def decided(self) -> int:
        return sum(1 for unit in self.units if unit.decision is not None)

    @property
    def excellent(self) -> int:
        return sum(1 for unit in self.units if unit.grade == Grade.EXCELLENT.value)

    def count(self, grade: Grade) -> int:
        return sum(1 for unit in self.units if unit.grade == grade.value)


async def decisions_in_force(
    session: AsyncSession, enterprise_ids: list[int], year: int
) -> dict[int, GradeDecision]:
    """The latest decision of each unit for the year."""
    if not enterprise_ids:
        return {}
    found: dict[int, GradeDecision] = {}
    for decision in (
        await session.exec(
            select(GradeDecision)
            .where(col(GradeDecision.enterprise_id).in_(enterprise_ids), GradeDecision.year == year)
            .order_by(col(GradeDecision.decided_at), col(GradeDecision.id))
        )
    ).all():
        found[decision.enterprise_id] = decision
    return found


async def grading(session: AsyncSession, actor: Actor, *, region_code: str, year: int) -> Grading:
    """Every permit holder of the region in ``year`` that the reader may see, by name, with its proposal,
    grounds and the decision in force; the excellent cap of the district."""
    errors = [e for e in (year_error(year),) if e is not None]
    if not regions.is_valid_region_code(region_code or ""):
        errors.append(FieldError("region_code", "region", N_("Choose a district.")))
    if errors:
        raise ValidationFailed(errors)
    require(actor, Operation.GRADING_VIEW, Target(region_code=region_code))
    units = list(
        (
            await session.exec(
                select(Enterprise)
                .where(
                    col(Enterprise.id).in_(_holders(region_code, year)),
                    allowed(
                        actor,
                        Operation.GRADING_VIEW,
                        TargetColumns(
                            enterprise_id=col(Enterprise.id), region_code=col(Enterprise.region_code)
                        ),
                    ),
                )
                .order_by(col(Enterprise.name))
            )
        ).all()
    )
    ids = [unit.id for unit in units if unit.id is not None]
    records = await unit_records(session, ids, year)
    decisions = await decisions_in_force(session, ids, year)
    previous = await holder_count(session, region_code, year - 1)
    graded = [
        GradedUnit(unit, records[unit.id], rules.proposed_grade(records[unit.id]), decisions.get(unit.id))
        for unit in units
        if unit.id is not None
    ]
    return Grading(region_code, year, graded, previous, rules.excellent_cap(previous))


async def grades_of_unit(session: AsyncSession, enterprise_id: int) -> list[GradeDecision]:
    """A unit's grades in force, newest year first (public: the enterprise's page shows them)."""
    decisions = (
        await session.exec(
            select(GradeDecision)
            .where(GradeDecision.enterprise_id == enterprise_id)
            .order_by(
                col(GradeDecision.year).desc(),
                col(GradeDecision.decided_at).desc(),
                col(GradeDecision.id).desc(),
            )
        )
    ).all()
    latest: dict[int, GradeDecision] = {}
    for decision in decisions:
        latest.setdefault(decision.year, decision)
    return list(latest.values())


async def own_grades(session: AsyncSession, actor: Actor) -> list[GradeDecision]:
    """The grades of the actor's own unit (enterprise users), newest year first."""
    if actor.enterprise_id is None:
        require(actor, Operation.GRADING_VIEW, Target(enterprise_id=-1))
        return []
    require(actor, Operation.GRADING_VIEW, Target(enterprise_id=actor.enterprise_id))
    return await grades_of_unit(session, actor.enterprise_id)
