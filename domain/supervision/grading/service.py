"""Deciding a unit's grade for a year (PT §4, annex 2): confirm the proposal, or change it with a reason.

A unit with an unqualified ground stays unqualified; an excellent grade is refused once the district has
as many excellent units that year as 10 % of its previous year's permit holders (rounded down). Every
decision is a new row; the unit is told its grade."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, require
from domain.audit.service import record
from domain.enterprises.models import Enterprise
from domain.enterprises.queries import find_enterprise
from domain.errors import N_, FieldError, NotFound, ValidationFailed
from domain.i18n import translate
from domain.notifications.notices import both, notify_unit
from domain.supervision.grading import queries, rules
from domain.supervision.grading.models import GradeDecision
from domain.supervision.grading.rules import GRADE_LABELS, Grade


async def _unit(session: AsyncSession, actor: Actor, credit_code: str) -> Enterprise:
    code = (credit_code or "").strip()
    enterprise = await find_enterprise(session, code) if 0 < len(code) <= 18 else None
    if enterprise is None:
        require(actor, Operation.GRADING_DECIDE, Target(region_code=actor.region_code))
        raise NotFound(N_("No unit with this credit code."), field="credit_code")
    require(
        actor,
        Operation.GRADING_DECIDE,
        Target(enterprise_id=enterprise.id, region_code=enterprise.region_code),
    )
    return enterprise


async def decide_grade(
    session: AsyncSession, actor: Actor, *, year: int, credit_code: str, grade: str, reason: str
) -> GradeDecision:
    """Record the unit's grade for ``year`` (a year that has ended, in which it held a permit)."""
    enterprise = await _unit(session, actor, credit_code)
    assert enterprise.id is not None
    error = queries.year_error(year)
    if error is not None:
        raise ValidationFailed([error])
    district = enterprise.region_code
    holders = await queries.holders_of(session, district, year)
    if enterprise.id not in holders:
        raise ValidationFailed(
            [FieldError("credit_code", "not_a_holder", N_("This unit held no permit in that year."))]
        )
    unit = (await queries.unit_records(session, [enterprise.id], year))[enterprise.id]
    proposed = rules.proposed_grade(unit)
    errors = rules.decision_errors(grade, reason or "", proposed, unit.grounds)
    if not errors and grade == Grade.EXCELLENT.value:
        previous = await queries.holder_count(session, district, year - 1)
        cap = rules.excellent_cap(previous)
        others = await queries.decisions_in_force(session, sorted(holders - {enterprise.id}), year)
        taken = sum(1 for d in others.values() if d.grade == Grade.EXCELLENT.value)
        if taken >= cap:
            errors.append(
                FieldError(
                    "grade",
                    "excellent_cap",
                    N_(
                        "The district already has {taken} excellent units for {year}: at most {cap}, "
                        "a tenth of the previous year's {holders} permit holders, rounded down."
                    ),
                    {"taken": taken, "year": year, "cap": cap, "holders": previous},
                )
            )
    if errors:
        raise ValidationFailed(errors)
    decision = GradeDecision(
        year=year,
        region_code=district,
        enterprise_id=enterprise.id,
        grade=grade,
        proposed_grade=proposed.value,
        reason=(reason or "").strip(),
        grounds=[
            {
                "ground": g.ground.value,
                "record_kind": g.record_kind,
                "record_id": g.record_id,
                "label": g.record_label,
            }
            for g in unit.grounds
        ],
        decided_by=actor.username or "system",
        on_behalf_of=actor.on_behalf_of,
    )
    session.add(decision)
    await session.flush()
    record(
        session,
        actor,
        action="grading.decide",
        object_type="enterprise",
        object_id=enterprise.credit_code,
        enterprise_id=enterprise.id,
        after={"year": year, "grade": grade, "proposed": proposed.value, "reason": decision.reason[:500]},
    )
    await notify_unit(
        session,
        enterprise_id=enterprise.id,
        kind="grading",
        key=f"grade:{decision.id}",
        title=both(N_("Annual grading {year}: {unit}"), year=year, unit=enterprise.name),
        text=" / ".join(
            translate(
                N_("The bureau graded {unit} for {year} as {grade} (按证排污年度等级评定)."),
                locale,
                unit=enterprise.name,
                year=year,
                grade=translate(GRADE_LABELS[Grade(grade)], locale),
            )
            for locale in ("zh_Hans", "en")
        ),
        link="/grading/mine",
    )
    return decision
