"""The read side of inspections: the year's plan with what is done, due and behind, coverage against the
targets, draws (public under 双随机一公开), records (the unit its own), the roster for the forms and the
outlet's public inspection history. Lists filter, count and page with the SQL form of the access rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy import and_, case
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, require
from domain.access.sql import TargetColumns, allowed
from domain.accounts.models import User
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.errors import N_, NotAuthenticated, NotFound
from domain.pagination import Page, check_page_size
from domain.permits.models import Permit
from domain.permits.rules import PermitStatus
from domain.registrations.models import DischargeRegistration
from domain.registrations.rules import RegistrationStatus
from domain.supervision.inspections import rules
from domain.supervision.inspections.models import (
    InspectionDraw,
    InspectionDrawPick,
    InspectionItem,
    InspectionPlanLine,
    InspectionRecord,
)
from domain.supervision.inspections.rules import InspectionKind, LineState
from domain.supervision.inspections.units import find_place, in_region, may_visit, roster, target

LINE_COLUMNS = TargetColumns(
    enterprise_id=col(InspectionPlanLine.enterprise_id), region_code=col(InspectionPlanLine.region_code)
)
RECORD_COLUMNS = TargetColumns(
    enterprise_id=col(InspectionRecord.enterprise_id), region_code=col(InspectionRecord.region_code)
)
LINE_STATES = tuple(s.value for s in LineState)


def may_see_plan(actor: Actor, region_code: str | None) -> bool:
    """The plan is the bureau's working paper: regulators whose jurisdiction covers the region read it;
    the unit does not (an unannounced inspection stays unannounced), though it reads its own records."""
    return region_code is not None and can(actor, Operation.INSPECTION_VIEW, Target(region_code=region_code))


def may_plan(actor: Actor, region_code: str | None) -> bool:
    """May the actor generate the plan and draw for the region (the enforcement brigade)."""
    return can(actor, Operation.INSPECTION_PLAN, Target(region_code=region_code) if region_code else None)


def may_record(actor: Actor, region_code: str | None) -> bool:
    """May the actor record inspections in the region (the brigade, the monitoring station)."""
    return can(actor, Operation.INSPECTION_RECORD, Target(region_code=region_code) if region_code else None)


def require_planner(actor: Actor, region_code: str | None) -> None:
    require(actor, Operation.INSPECTION_PLAN, Target(region_code=region_code) if region_code else None)


def require_plan_reader(actor: Actor, region_code: str) -> None:
    require(actor, Operation.INSPECTION_VIEW, Target(region_code=region_code))


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
    rows = (
        await session.exec(
            select(InspectionPlanLine, Enterprise.name, Enterprise.management_category, done.label("done_on"))  # type: ignore[attr-defined]
            .join(Enterprise, col(Enterprise.id) == col(InspectionPlanLine.enterprise_id))
            .where(*conditions)
            .order_by(col(InspectionPlanLine.due_on), col(Enterprise.name), col(InspectionPlanLine.id))
            .offset(offset)
            .limit(first)
        )
    ).all()
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


# --- Draws (public) ----------------------------------------------------------------------------------


async def list_draws(
    session: AsyncSession, actor: Actor, *, region_code: str | None = None, first: int = 20, offset: int = 0
) -> Page[InspectionDraw]:
    """Every draw, newest first: published under 双随机一公开 (docs/supervision.md says what of it)."""
    first = check_page_size(first)
    conditions: list[Any] = [allowed(actor, Operation.VIEW_PUBLIC, TargetColumns())]
    if region_code:
        conditions.append(in_region(InspectionDraw.region_code, region_code))
    total = (await session.exec(select(func.count()).select_from(InspectionDraw).where(*conditions))).one()
    draws = (
        await session.exec(
            select(InspectionDraw)
            .where(*conditions)
            .order_by(col(InspectionDraw.drawn_at).desc(), col(InspectionDraw.id).desc())
            .offset(offset)
            .limit(first)
        )
    ).all()
    return Page(items=list(draws), offset=offset, total=int(total))


@dataclass(frozen=True)
class PublicPick:
    position: int
    unit_name: str
    permit_number: str | None
    registration_number: str | None
    inspectors: list[str]  # display names only
    record_reference: str | None


@dataclass(frozen=True)
class DrawPage:
    draw: InspectionDraw
    picks: list[PublicPick]
    pool_units: list[str]  # the pool's units' names, in the sorted order the draw used
    roster_names: list[str]
    verified: bool


async def display_names(session: AsyncSession, ids: list[int]) -> dict[int, str]:
    """The names people are shown by (never the login name)."""
    if not ids:
        return {}
    users = (
        await session.exec(select(User.id, User.display_name).where(col(User.id).in_(sorted(set(ids)))))
    ).all()
    return {i or 0: name or "—" for i, name in users}


async def draw_page(session: AsyncSession, *, reference: str) -> DrawPage:
    """A draw as published: parameters, seed, pool and roster (names and hashes), the units and the
    inspectors drawn, and whether drawing again from the seed gives the same result."""
    from domain.supervision.inspections.service.draws import replay_draw

    replay = await replay_draw(session, reference=reference)
    draw = replay.draw
    picks = (
        await session.exec(
            select(InspectionDrawPick)
            .where(InspectionDrawPick.draw_id == draw.id)
            .order_by(col(InspectionDrawPick.position))
        )
    ).all()
    names = await display_names(session, [*draw.roster, *(i for p in picks for i in p.inspector_ids)])
    registration_pool = draw.pool == rules.Pool.REGISTRATION
    model = DischargeRegistration if registration_pool else Permit
    members = (
        await session.exec(
            select(model.id, model.number, Enterprise.name)  # type: ignore[attr-defined]
            .join(Enterprise, col(Enterprise.id) == model.enterprise_id)  # type: ignore[attr-defined]
            .where(col(model.id).in_(draw.pool_members))  # type: ignore[attr-defined]
        )
    ).all()
    by_member = {member: (number, name) for member, number, name in members}
    answered = dict(
        (
            await session.exec(
                select(InspectionRecord.draw_pick_id, InspectionRecord.reference).where(
                    col(InspectionRecord.draw_pick_id).in_([p.id for p in picks])
                )
            )
        ).all()
    )
    return DrawPage(
        draw=draw,
        picks=[
            PublicPick(
                position=p.position,
                unit_name=by_member.get(p.member, ("", ""))[1],
                permit_number=None if registration_pool else by_member.get(p.member, ("", ""))[0],
                registration_number=by_member.get(p.member, ("", ""))[0] if registration_pool else None,
                inspectors=[names.get(i, "—") for i in p.inspector_ids],
                record_reference=answered.get(p.id),
            )
            for p in picks
        ],
        pool_units=[by_member.get(m, ("", ""))[1] for m in draw.pool_members],
        roster_names=[names.get(i, "—") for i in draw.roster],
        verified=replay.matches,
    )


# --- Records -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordRow:
    record: InspectionRecord
    unit_name: str
    permit_number: str | None


async def list_records(
    session: AsyncSession,
    actor: Actor,
    *,
    region_code: str | None = None,
    enterprise_id: int | None = None,
    kind: str | None = None,
    first: int = 50,
    offset: int = 0,
) -> Page[RecordRow]:
    """Inspection records the reader may see, newest first: regulators their region's, a unit its own."""
    if not actor.is_authenticated:
        raise NotAuthenticated(N_("Please log in to continue."))
    first = check_page_size(first)
    conditions: list[Any] = [allowed(actor, Operation.INSPECTION_VIEW, RECORD_COLUMNS)]
    if region_code:
        conditions.append(in_region(InspectionRecord.region_code, region_code))
    if enterprise_id is not None:
        conditions.append(InspectionRecord.enterprise_id == enterprise_id)
    if kind:
        conditions.append(InspectionRecord.kind == kind)
    total = (await session.exec(select(func.count()).select_from(InspectionRecord).where(*conditions))).one()
    rows = (
        await session.exec(
            select(InspectionRecord, Enterprise.name, Permit.number)
            .join(Enterprise, col(Enterprise.id) == col(InspectionRecord.enterprise_id))
            .outerjoin(Permit, col(Permit.id) == col(InspectionRecord.permit_id))
            .where(*conditions)
            .order_by(col(InspectionRecord.inspected_on).desc(), col(InspectionRecord.id).desc())
            .offset(offset)
            .limit(first)
        )
    ).all()
    return Page(
        items=[RecordRow(r, name, number) for r, name, number in rows], offset=offset, total=int(total)
    )


@dataclass(frozen=True)
class ItemRow:
    code: str
    section: str
    text: str
    result: str
    note: str


@dataclass(frozen=True)
class RecordPage:
    record: InspectionRecord
    unit_name: str
    credit_code: str
    permit_number: str | None
    registration_number: str | None
    inspectors: list[str]
    items: list[ItemRow]
    draw_reference: str | None

    @property
    def failed(self) -> list[ItemRow]:
        return [item for item in self.items if item.result == rules.ItemResult.FAILED]


async def record_page(session: AsyncSession, actor: Actor, *, reference: str) -> RecordPage:
    """One record with its checklist, for regulators of the jurisdiction and the unit itself."""
    inspection = (
        await session.exec(select(InspectionRecord).where(InspectionRecord.reference == reference[:32]))
    ).first()
    if inspection is None or not can(
        actor, Operation.INSPECTION_VIEW, target(inspection.enterprise_id, inspection.region_code)
    ):
        if inspection is not None and not actor.is_authenticated:
            require(
                actor, Operation.INSPECTION_VIEW, target(inspection.enterprise_id, inspection.region_code)
            )
        raise NotFound(N_("No such inspection record."))
    enterprise = await session.get(Enterprise, inspection.enterprise_id)
    assert enterprise is not None
    permit = await session.get(Permit, inspection.permit_id) if inspection.permit_id else None
    registration = (
        await session.get(DischargeRegistration, inspection.registration_id)
        if inspection.registration_id
        else None
    )
    items = (
        await session.exec(
            select(InspectionItem)
            .where(InspectionItem.record_id == inspection.id)
            .order_by(col(InspectionItem.id))
        )
    ).all()
    names = await display_names(session, inspection.inspector_ids)
    draw_reference = None
    if inspection.draw_pick_id is not None:
        draw_reference = (
            await session.exec(
                select(InspectionDraw.reference)
                .join(InspectionDrawPick, col(InspectionDrawPick.draw_id) == col(InspectionDraw.id))
                .where(InspectionDrawPick.id == inspection.draw_pick_id)
            )
        ).first()
    return RecordPage(
        record=inspection,
        unit_name=enterprise.name,
        credit_code=enterprise.credit_code,
        permit_number=permit.number if permit else None,
        registration_number=registration.number if registration else None,
        inspectors=[names.get(i, "—") for i in inspection.inspector_ids],
        items=[
            ItemRow(
                code=i.code,
                section=rules.ALL_ITEMS[i.code].section if i.code in rules.ALL_ITEMS else "",
                text=rules.ALL_ITEMS[i.code].text if i.code in rules.ALL_ITEMS else i.code,
                result=i.result,
                note=i.note,
            )
            for i in items
        ],
        draw_reference=draw_reference,
    )


# --- Forms -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inspector:
    id: int
    name: str


async def inspectors_for(
    session: AsyncSession, actor: Actor, *, kind: str, region_code: str
) -> list[Inspector]:
    """Who the record form offers as inspectors: the roster of the kind's department of the region."""
    require(actor, Operation.INSPECTION_RECORD, Target(region_code=region_code))
    the_kind = (
        InspectionKind(kind) if kind in {k.value for k in InspectionKind} else InspectionKind.ENFORCEMENT
    )
    return [
        Inspector(u.id or 0, u.display_name or u.username)
        for u in await roster(session, kind=the_kind, region_code=region_code)
    ]


# --- The outlet's public history ---------------------------------------------------------------------


@dataclass(frozen=True)
class PublicInspection:
    on: date
    kind: str  # InspectionKind
    reference: str
    findings: list[str]  # the failed items' checklist texts (message ids), never the notes


async def public_inspections_of_permit(session: AsyncSession, *, permit_id: int) -> list[PublicInspection]:
    """What the public reads of a permit's inspections (M48 §39, AP (7): inspection results are public):
    the day, the kind, the reference and which checklist items failed; not the inspectors' notes, which
    may name people or describe the site in detail."""
    records = (
        await session.exec(
            select(InspectionRecord)
            .where(InspectionRecord.permit_id == permit_id)
            .order_by(col(InspectionRecord.inspected_on).desc(), col(InspectionRecord.id).desc())
            .limit(50)
        )
    ).all()
    failed = (
        await session.exec(
            select(InspectionItem.record_id, InspectionItem.code)
            .where(
                col(InspectionItem.record_id).in_([r.id for r in records]),
                InspectionItem.result == rules.ItemResult.FAILED.value,
            )
            .order_by(col(InspectionItem.id))
        )
    ).all()
    by_record: dict[int, list[str]] = {}
    for record_id, code in failed:
        by_record.setdefault(record_id, []).append(
            rules.ALL_ITEMS[code].text if code in rules.ALL_ITEMS else code
        )
    return [
        PublicInspection(
            on=r.inspected_on, kind=r.kind, reference=r.reference, findings=by_record.get(r.id or 0, [])
        )
        for r in records
    ]


@dataclass(frozen=True)
class RecordForm:
    """What the checklist form shows: the unit (when named), its checklist and the roster to choose from."""

    kind: str
    unit_name: str
    permit_number: str
    registration_number: str
    credit_code: str
    region_code: str
    checklist: tuple[rules.ChecklistItem, ...]
    inspectors: list[Inspector]


async def record_form(
    session: AsyncSession,
    actor: Actor,
    *,
    kind: str,
    permit_number: str = "",
    registration_number: str = "",
    credit_code: str = "",
) -> RecordForm | None:
    """The form for a record of the unit named (None when no unit is named yet); refused to whoever may not
    record an inspection of that unit."""
    the_kind = (
        InspectionKind(kind) if kind in {k.value for k in InspectionKind} else InspectionKind.ENFORCEMENT
    )
    if not any(v.strip() for v in (permit_number, registration_number, credit_code)):
        require(
            actor,
            Operation.INSPECTION_RECORD,
            Target(region_code=actor.region_code) if actor.region_code else None,
        )
        return None
    place = await find_place(
        session, permit_number=permit_number, registration_number=registration_number, credit_code=credit_code
    )
    require(actor, Operation.INSPECTION_RECORD, target(place.enterprise.id or 0, place.region_code))
    people = await may_visit(session, kind=the_kind, region_code=place.region_code)
    return RecordForm(
        kind=the_kind.value,
        unit_name=place.enterprise.name,
        permit_number=place.permit.number or "" if place.permit else "",
        registration_number=place.registration.number if place.registration else "",
        credit_code=place.enterprise.credit_code,
        region_code=place.region_code,
        checklist=rules.checklist_for(the_kind, holds_permit=place.permit is not None),
        inspectors=[Inspector(u.id or 0, u.display_name or u.username) for u in people],
    )
