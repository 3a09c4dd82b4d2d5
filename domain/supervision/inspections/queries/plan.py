"""The year's plan: its lines with what is done, due and behind, and coverage against the targets
(PT §6-7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import and_, case
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation
from domain.access.sql import TargetColumns, allowed
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.errors import N_
from domain.pagination import Key, Page, Window, check_page_size, keyset_page, sort_order
from domain.permits.models import Permit
from domain.permits.rules import PermitStatus
from domain.registrations.models import DischargeRegistration
from domain.registrations.rules import RegistrationStatus
from domain.supervision.inspections import rules
from domain.supervision.inspections.models import (
    InspectionPlanLine,
    InspectionRecord,
)
from domain.supervision.inspections.queries.common import (
    LINE_COLUMNS,
    LINE_STATES,
    require_plan_reader,
)
from domain.supervision.inspections.rules import InspectionKind, LineState
from domain.supervision.inspections.units import in_region


def _done_on() -> Any:
    """The first record of the line's kind for its unit within its window (None: not done)."""
    return (
        select(func.min(InspectionRecord.inspected_on))
        .where(
            InspectionRecord.subject == InspectionPlanLine.subject,
            InspectionRecord.kind == InspectionPlanLine.kind,
            col(InspectionRecord.inspected_on) >= col(InspectionPlanLine.starts_on),
            col(InspectionRecord.inspected_on) <= col(InspectionPlanLine.due_on),
        )
        .correlate(InspectionPlanLine)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class PlanRow:
    line: InspectionPlanLine
    unit_name: str
    permit_number: str | None
    registration_number: str | None
    category: str
    done_on: date | None
    state: LineState
    record_reference: str | None


def _plan_where(actor: Actor, region_code: str, year: int, kind: str | None) -> list[Any]:
    conditions: list[Any] = [
        allowed(actor, Operation.INSPECTION_VIEW, LINE_COLUMNS),
        in_region(InspectionPlanLine.region_code, region_code),
        col(InspectionPlanLine.starts_on) <= date(year, 12, 31),
        col(InspectionPlanLine.due_on) >= date(year, 1, 1),
    ]
    if kind:
        conditions.append(InspectionPlanLine.kind == kind)
    return conditions


def _state_condition(state: str, done: Any, on: date) -> Any:
    if state == LineState.DONE:
        return done.is_not(None)  # type: ignore[attr-defined]
    if state == LineState.BEHIND:
        return and_(done.is_(None), col(InspectionPlanLine.due_on) < on)  # type: ignore[attr-defined]
    return and_(done.is_(None), col(InspectionPlanLine.due_on) >= on)  # type: ignore[attr-defined]


async def plan_lines(
    session: AsyncSession,
    actor: Actor,
    *,
    region_code: str,
    year: int,
    kind: str | None = None,
    state: str | None = None,
    first: int = 50,
    offset: int = 0,
    window: Window | None = None,
) -> Page[PlanRow]:
    """The plan's lines of a year and jurisdiction, soonest due first: who is due by when, done, behind."""
    require_plan_reader(actor, region_code)
    first = check_page_size(first)
    on = today()
    done = _done_on()
    conditions = _plan_where(actor, region_code, year, kind)
    if state in LINE_STATES:
        conditions.append(_state_condition(state, done, on))
    total = (
        await session.exec(select(func.count()).select_from(InspectionPlanLine).where(*conditions))
    ).one()
    statement = (
        select(InspectionPlanLine, Enterprise.name, Enterprise.management_category, done.label("done_on"))  # type: ignore[attr-defined]
        .join(Enterprise, col(Enterprise.id) == col(InspectionPlanLine.enterprise_id))
        .where(*conditions)
    )
    order = (Key(col(InspectionPlanLine.due_on)), Key(col(Enterprise.name)), Key(col(InspectionPlanLine.id)))
    page: Page[Any] | None = None
    if window is not None:
        page = await keyset_page(
            session, statement, order, window, lambda r: (r[0].due_on, r[1], r[0].id), total=int(total)
        )
        rows: Any = page.items
    else:
        rows = (await session.exec(statement.order_by(*sort_order(order)).offset(offset).limit(first))).all()
    permit_ids = sorted({line.permit_id for line, *_ in rows if line.permit_id})
    registration_ids = sorted({line.registration_id for line, *_ in rows if line.registration_id})
    permits = dict(
        (await session.exec(select(Permit.id, Permit.number).where(col(Permit.id).in_(permit_ids)))).all()
    )
    registrations = dict(
        (
            await session.exec(
                select(DischargeRegistration.id, DischargeRegistration.number).where(
                    col(DischargeRegistration.id).in_(registration_ids)
                )
            )
        ).all()
    )
    references = await _first_records(session, [(line, done_on) for line, _n, _c, done_on in rows])
    items = [
        PlanRow(
            line=line,
            unit_name=name,
            permit_number=permits.get(line.permit_id),
            registration_number=registrations.get(line.registration_id),
            category=category,
            done_on=done_on,
            state=rules.line_state(done_on=done_on, due_on=line.due_on, today=on),
            record_reference=references.get(line.id),
        )
        for line, name, category, done_on in rows
    ]
    if page is not None:
        return page.mapped(items)
    return Page(items=items, offset=offset, total=int(total))


async def _first_records(
    session: AsyncSession, lines: list[tuple[InspectionPlanLine, date | None]]
) -> dict[int | None, str]:
    done = [(line, on) for line, on in lines if on is not None]
    if not done:
        return {}
    found = (
        await session.exec(
            select(
                col(InspectionRecord.subject),
                col(InspectionRecord.kind),
                col(InspectionRecord.inspected_on),
                col(InspectionRecord.reference),
            )
            .where(col(InspectionRecord.subject).in_(sorted({line.subject for line, _ in done})))
            .order_by(col(InspectionRecord.id))
        )
    ).all()
    first: dict[tuple[str, str, date], str] = {}
    for subject, kind, on, reference in found:
        first.setdefault((subject, kind, on), reference)
    return {line.id: first.get((line.subject, line.kind, on), "") for line, on in done if on is not None}


@dataclass(frozen=True)
class PlanSummary:
    region_code: str
    year: int
    counts: dict[str, int]  # per LineState
    enforcement: list[rules.Coverage]
    monitoring: list[rules.Coverage]


async def plan_summary(session: AsyncSession, actor: Actor, *, region_code: str, year: int) -> PlanSummary:
    """Counts of the plan's lines by state, and coverage against the targets (PT §6-7)."""
    require_plan_reader(actor, region_code)
    on = today()
    done = _done_on()
    state = case(
        (done.is_not(None), LineState.DONE.value),  # type: ignore[attr-defined]
        (col(InspectionPlanLine.due_on) < on, LineState.BEHIND.value),
        else_=LineState.DUE.value,
    )
    counted = (
        await session.exec(
            select(state, func.count())
            .select_from(InspectionPlanLine)
            .where(*_plan_where(actor, region_code, year, None))
            .group_by(state)
        )
    ).all()
    counts = {s.value: 0 for s in LineState}
    counts.update({str(k): int(v) for k, v in counted})
    return PlanSummary(
        region_code=region_code,
        year=year,
        counts=counts,
        enforcement=[
            await _coverage(
                session,
                actor,
                region_code,
                year,
                InspectionKind.ENFORCEMENT,
                "key",
                1.0,
                N_("Key management: visited this year"),
            ),
            await _coverage(
                session,
                actor,
                region_code,
                year,
                InspectionKind.ENFORCEMENT,
                "simplified",
                1.0,
                N_("Simplified management: yearly"),
            ),
            await _coverage(
                session,
                actor,
                region_code,
                year,
                InspectionKind.ENFORCEMENT,
                "registration",
                rules.REGISTRATION_SHARE,
                N_("Registration units: 20 % a year"),
            ),
        ],
        monitoring=[
            await _coverage(
                session,
                actor,
                region_code,
                year,
                InspectionKind.MONITORING,
                "key",
                1.0,
                N_("Key management: yearly"),
            ),
            await _coverage(
                session,
                actor,
                region_code,
                year,
                InspectionKind.MONITORING,
                "simplified",
                rules.MONITORING_SIMPLIFIED_SHARE,
                N_("Simplified management: 30 % a year"),
            ),
        ],
    )


def _key(prefix: str, column: Any) -> Any:
    """A subject key ("permit:12") in SQL, as ``units.permit_subject`` writes it."""
    return sa.literal(prefix, sa.String) + sa.cast(column, sa.String)


async def _coverage(
    session: AsyncSession,
    actor: Actor,
    region_code: str,
    year: int,
    kind: InspectionKind,
    category: str,
    share: float,
    label: str,
) -> rules.Coverage:
    """Units of a category in force during the year, and how many had a visit of the kind in the year."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    if category == "registration":
        subjects = select(_key("registration:", DischargeRegistration.id)).where(
            allowed(
                actor,
                Operation.INSPECTION_VIEW,
                TargetColumns(
                    enterprise_id=col(DischargeRegistration.enterprise_id),
                    region_code=col(DischargeRegistration.region_code),
                ),
            ),
            DischargeRegistration.status == RegistrationStatus.REGISTERED.value,
            in_region(DischargeRegistration.region_code, region_code),
            col(DischargeRegistration.valid_from) <= last,
            col(DischargeRegistration.valid_until) >= first,
        )
    else:
        subjects = select(_key("permit:", Permit.id)).where(
            allowed(
                actor,
                Operation.INSPECTION_VIEW,
                TargetColumns(enterprise_id=col(Permit.enterprise_id), region_code=col(Permit.region_code)),
            ),
            Permit.status == PermitStatus.ISSUED.value,
            Permit.category == category,
            in_region(Permit.region_code, region_code),
            col(Permit.valid_from) <= last,
            (col(Permit.valid_until).is_(None)) | (col(Permit.valid_until) >= first),
        )
    total = int((await session.exec(select(func.count()).select_from(subjects.subquery()))).one())
    visited = int(
        (
            await session.exec(
                select(func.count(func.distinct(InspectionRecord.subject))).where(
                    InspectionRecord.kind == kind.value,
                    col(InspectionRecord.subject).in_(subjects),
                    col(InspectionRecord.inspected_on) >= first,
                    col(InspectionRecord.inspected_on) <= last,
                )
            )
        ).one()
    )
    return rules.Coverage(label=label, total=total, target=rules.share_target(total, share), done=visited)
