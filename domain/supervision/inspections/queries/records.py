"""Inspection records (the unit its own), the record form's roster and checklist, and the outlet's public
inspection history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, require
from domain.access.sql import allowed
from domain.enterprises.models import Enterprise
from domain.errors import N_, NotAuthenticated, NotFound
from domain.pagination import Key, Page, Window, check_page_size, keyset_page, sort_order
from domain.permits.models import Permit
from domain.registrations.models import DischargeRegistration
from domain.supervision.inspections import rules
from domain.supervision.inspections.models import (
    InspectionDraw,
    InspectionDrawPick,
    InspectionItem,
    InspectionRecord,
)
from domain.supervision.inspections.queries.common import (
    RECORD_COLUMNS,
)
from domain.supervision.inspections.queries.draws import display_names
from domain.supervision.inspections.rules import InspectionKind
from domain.supervision.inspections.units import find_place, in_region, may_visit, roster, target

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
    window: Window | None = None,
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
    statement = (
        select(InspectionRecord, Enterprise.name, Permit.number)
        .join(Enterprise, col(Enterprise.id) == col(InspectionRecord.enterprise_id))
        .outerjoin(Permit, col(Permit.id) == col(InspectionRecord.permit_id))
        .where(*conditions)
    )
    order = (
        Key(col(InspectionRecord.inspected_on), descending=True),
        Key(col(InspectionRecord.id), descending=True),
    )
    if window is not None:
        page = await keyset_page(
            session, statement, order, window, lambda r: (r[0].inspected_on, r[0].id), total=int(total)
        )
        return page.mapped([RecordRow(r, name, number) for r, name, number in page.items])
    rows = (await session.exec(statement.order_by(*sort_order(order)).offset(offset).limit(first))).all()
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
