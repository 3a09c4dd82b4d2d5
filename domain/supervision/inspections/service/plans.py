"""The year's inspection plan of a jurisdiction, generated from the frequency rules (PT §6-7).

Generating it again as permits are issued, renewed or revoked is idempotent: a line is keyed by its kind,
unit, basis and period, so only what is missing is added, nothing is duplicated and nothing written is
changed (a line whose permit has gone stays, as what was due while it was in force)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import regions
from domain.access import Actor, Operation, Target, operator, require
from domain.audit.service import record
from domain.clock import today, utcnow
from domain.db import insert_unless_present
from domain.errors import N_, FieldError, ValidationFailed
from domain.permits.models import Permit
from domain.permits.rules import PermitStatus
from domain.supervision.inspections import rules
from domain.supervision.inspections.models import InspectionPlanLine
from domain.supervision.inspections.units import in_region, permit_subject
from domain.supervision.standing.queries import listed_on

FIRST_YEAR, LAST_YEAR = 2000, 2199
UNIQUE = ("kind", "subject", "basis", "period")

# Which of the units (ids) are to be visited more often on a day: the environmental credit's answer
# (``domain.supervision.credit.queries.warned_units``: level 警示 or 不良). Credit sits above inspections
# (it reads their records), so it is handed in by the callers that plan (the faces, the daily run, the demo)
# rather than imported here.
RaisedUnits = Callable[[AsyncSession, Sequence[int], date], Awaitable[frozenset[int]]]


@dataclass(frozen=True)
class PlanGenerated:
    region_code: str
    year: int
    added: int
    lines: int


def plan_scope_errors(region_code: str, year: int) -> list[FieldError]:
    errors = []
    if not regions.is_valid_region_code(region_code or ""):
        errors.append(FieldError("region_code", "invalid", N_("Choose a region.")))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        errors.append(
            FieldError("year", "range", N_("Between {min} and {max}."), {"min": FIRST_YEAR, "max": LAST_YEAR})
        )
    return errors


def facts_of(permit: Permit) -> rules.PermitFacts:
    assert permit.id is not None
    return rules.PermitFacts(
        permit_id=permit.id,
        enterprise_id=permit.enterprise_id,
        region_code=permit.region_code,
        category=permit.category,
        renewed=permit.renewed,
        decision_date=permit.decision_date,
        valid_from=permit.valid_from,
        valid_until=permit.valid_until,
    )


async def generate_plan(
    session: AsyncSession,
    actor: Actor,
    *,
    region_code: str,
    year: int,
    lowered_frequency_units: frozenset[int] | None = None,
    raised_by: RaisedUnits | None = None,
) -> PlanGenerated:
    """Add the lines the rules make due in ``year`` for the permit holders of ``region_code``.

    ``lowered_frequency_units``: the ids of units whose inspections the positive list (正面清单, JN) lowers
    (``rules.plan_lines(frequency_lowered=True)``); by default the units on the list on the day the plan
    is generated (``standing.queries.listed_on``; within the year). A unit listed after its half-yearly
    lines were written keeps them: lines are never taken back.
    ``raised_by``: which units the credit says to visit more often (``RaisedUnits``), asked on the same
    day (``rules.plan_lines(frequency_raised=True)``); without it none. Lines of a unit whose credit
    recovers stay, as lowered ones do.
    Registration units get their lines when a draw picks them (PT §6: 20 % drawn at random)."""
    errors = plan_scope_errors(region_code, year)
    if errors:
        raise ValidationFailed(errors)
    require(actor, Operation.INSPECTION_PLAN, Target(region_code=region_code))
    added, lines = await _add_due_lines(
        session,
        region_code=region_code,
        year=year,
        lowered=lowered_frequency_units,
        raised_by=raised_by,
        username=actor.username,
    )
    record(
        session,
        actor,
        action="inspection_plan.generate",
        object_type="inspection_plan",
        object_id=f"{region_code}:{year}",
        enterprise_id=None,
        after={"added": added, "lines": lines},
    )
    return PlanGenerated(region_code=region_code, year=year, added=added, lines=lines)


async def keep_plans_current(session: AsyncSession, *, on: date, raised_by: RaisedUnits | None = None) -> int:
    """Every day (``reminders.daily``): add to each district's plan of the year the visits of permits
    issued, renewed or listed since, so the plan follows the register without anyone pressing a button.
    Idempotent like ``generate_plan``; the audit trail records a district's plan only when lines were added.
    Returns the number of lines added."""
    worker = operator("worker")
    regions = (
        await session.exec(
            select(Permit.region_code).where(Permit.status == PermitStatus.ISSUED.value).distinct()
        )
    ).all()
    total = 0
    for region_code in sorted(regions):
        added, lines = await _add_due_lines(
            session,
            region_code=region_code,
            year=on.year,
            lowered=None,
            raised_by=raised_by,
            username=worker.username,
        )
        if added:
            record(
                session,
                worker,
                action="inspection_plan.generate",
                object_type="inspection_plan",
                object_id=f"{region_code}:{on.year}",
                enterprise_id=None,
                after={"added": added, "lines": lines},
            )
        total += added
    return total


async def _add_due_lines(
    session: AsyncSession,
    *,
    region_code: str,
    year: int,
    lowered: frozenset[int] | None,
    raised_by: RaisedUnits | None,
    username: str | None,
) -> tuple[int, int]:
    """Add the lines the rules make due in the year for the region's permits; (added, due in all)."""
    lowered_frequency_units = lowered
    first, last = date(year, 1, 1), date(year, 12, 31)
    permits = (
        await session.exec(
            select(Permit)
            .where(
                Permit.status == PermitStatus.ISSUED.value,
                in_region(Permit.region_code, region_code),
                col(Permit.valid_from).is_not(None),
                col(Permit.valid_from) <= last,
                # A new permit issued late last year is still due within three months of issue.
                (col(Permit.valid_until).is_(None)) | (col(Permit.valid_until) >= date(year - 1, 10, 1)),
            )
            .order_by(col(Permit.id))
        )
    ).all()
    day = min(max(today(), first), last)
    units = sorted({p.enterprise_id for p in permits})
    if lowered_frequency_units is None:
        lowered_frequency_units = frozenset(await listed_on(session, units, day))
    raised = await raised_by(session, units, day) if raised_by is not None and units else frozenset()
    wanted: list[dict[str, Any]] = []
    for permit in permits:
        facts = facts_of(permit)
        on_list = permit.enterprise_id in lowered_frequency_units
        warned = permit.enterprise_id in raised
        for spec in rules.plan_lines(facts, year, frequency_lowered=on_list, frequency_raised=warned):
            if spec.due_on < first and spec.basis != rules.Basis.NEW_PERMIT:
                continue
            wanted.append(
                {
                    "kind": spec.kind.value,
                    "subject": permit_subject(facts.permit_id),
                    "enterprise_id": facts.enterprise_id,
                    "permit_id": facts.permit_id,
                    "registration_id": None,
                    "region_code": facts.region_code,
                    "basis": spec.basis.value,
                    "period": spec.period,
                    "starts_on": spec.starts_on,
                    "due_on": spec.due_on,
                    "draw_id": None,
                    "created_by_username": username,
                }
            )
    return await add_lines(session, wanted), len(wanted)


async def add_lines(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert the lines not yet in the plan; returns how many were added."""
    if not rows:
        return 0
    subjects = sorted({str(row["subject"]) for row in rows})
    existing = set(
        (
            await session.exec(
                select(
                    InspectionPlanLine.kind,
                    InspectionPlanLine.subject,
                    InspectionPlanLine.basis,
                    InspectionPlanLine.period,
                ).where(col(InspectionPlanLine.subject).in_(subjects))
            )
        ).all()
    )
    missing = [row for row in rows if tuple(row[name] for name in UNIQUE) not in existing]
    missing.sort(key=lambda row: tuple(str(row[name]) for name in UNIQUE))
    now = utcnow()
    for row in missing:
        row["created_at"] = now
    await insert_unless_present(session, InspectionPlanLine, missing, UNIQUE)
    return len(missing)
