"""Inspection and enforcement-monitoring records on the annex-3 checklist (PT §6-7, annex 3).

A record names the day, the inspectors (two at least), the unit and its permit or registration, and
answers every item of its checklist as passed, failed or not applicable. Each failed item is a finding:
it becomes a problem of the unit (``findings.raise_findings``), and a finding that the unit should hold a
permit or a registration goes back to the permitting section. The unit is told of the record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.audit.service import record
from domain.bounds import day_in_range, out_of_range
from domain.clock import today, utcnow
from domain.errors import N_, Conflict, FieldError, ValidationFailed
from domain.notifications.notices import both, notify_unit
from domain.supervision.inspections import rules
from domain.supervision.inspections.findings import raise_findings, rectification_input_errors
from domain.supervision.inspections.models import (
    InspectionDraw,
    InspectionDrawPick,
    InspectionItem,
    InspectionRecord,
)
from domain.supervision.inspections.rules import InspectionKind, ItemAnswer, ItemResult
from domain.supervision.inspections.units import (
    Place,
    find_place,
    may_visit,
    target,
)


@dataclass
class RecordInput:
    """An inspection as the inspectors fill it in. The unit is named by its permit number, or its
    registration number, or (for a unit holding neither) its credit code."""

    kind: str = InspectionKind.ENFORCEMENT.value
    permit_number: str = ""
    registration_number: str = ""
    credit_code: str = ""
    inspected_on: date | None = None
    inspector_ids: Sequence[int] = ()
    items: Sequence[ItemAnswer] = ()
    summary: str = ""
    # A rectification order for every finding at once (optional): by when, and who at the unit answers.
    rectify_by: date | None = None
    responsible_person: str = ""


async def _next_reference(session: AsyncSession, prefix: str) -> str:
    count = (
        await session.exec(
            select(func.count())
            .select_from(InspectionRecord)
            .where(col(InspectionRecord.reference).startswith(prefix))
        )
    ).one()
    return f"{prefix}{int(count) + 1:04d}"


async def record_inspection(session: AsyncSession, actor: Actor, *, data: RecordInput) -> InspectionRecord:
    """Record an inspection (or an enforcement-monitoring visit) on its checklist; raise its findings as
    problems, send 应发未发 / 应登未登 back to the permitting section, tell the unit."""
    kind_ok = data.kind in {k.value for k in InspectionKind}
    if not any(value.strip() for value in (data.permit_number, data.registration_number, data.credit_code)):
        raise ValidationFailed(
            [
                FieldError(
                    "permit_number",
                    "required",
                    N_("Name the permit, the registration or the unit inspected."),
                )
            ]
        )
    place = await find_place(
        session,
        permit_number=data.permit_number,
        registration_number=data.registration_number,
        credit_code=data.credit_code,
    )
    require(actor, Operation.INSPECTION_RECORD, target(place.enterprise.id or 0, place.region_code))
    errors: list[FieldError] = []
    if not kind_ok:
        errors.append(FieldError("kind", "invalid", N_("Choose inspection or enforcement monitoring.")))
    kind = InspectionKind(data.kind) if kind_ok else InspectionKind.ENFORCEMENT
    if data.inspected_on is None:
        errors.append(FieldError("inspected_on", "required", N_("Enter the day of the inspection.")))
    elif not day_in_range(data.inspected_on):
        errors.append(out_of_range("inspected_on"))
    elif data.inspected_on > today():
        errors.append(FieldError("inspected_on", "future", N_("The inspection cannot be after today.")))
    allowed_people = {u.id: u for u in await may_visit(session, kind=kind, region_code=place.region_code)}
    chosen = sorted(set(data.inspector_ids))
    if any(person not in allowed_people for person in chosen):
        errors.append(
            FieldError(
                "inspector_ids",
                "not_on_roster",
                N_("Choose inspectors of the department that goes on this visit."),
            )
        )
    elif len(chosen) < rules.INSPECTORS_PER_VISIT:
        errors.append(
            FieldError("inspector_ids", "two_inspectors", N_("Two inspectors at least go on each visit."))
        )
    checklist = rules.checklist_for(kind, holds_permit=place.permit is not None)
    errors.extend(rules.checklist_errors(checklist, data.items))
    if len(data.summary) > rules.SUMMARY_LIMIT:
        errors.append(
            FieldError(
                "summary",
                "too_long",
                N_("At most {limit} characters (got {length})."),
                {"limit": rules.SUMMARY_LIMIT, "length": len(data.summary)},
            )
        )
    if any("\x00" in text for text in (data.summary, *(a.note for a in data.items))):
        errors.append(
            FieldError("summary", "invalid", N_("The text holds characters that cannot be stored."))
        )
    errors.extend(
        rectification_input_errors(
            rectify_by=data.rectify_by, responsible_person=data.responsible_person, on=today()
        )
    )
    if errors:
        raise ValidationFailed(errors)
    assert data.inspected_on is not None
    await _refuse_replay(session, place=place, kind=kind, on=data.inspected_on, inspectors=chosen)
    answers = {a.code: a for a in data.items}
    failed = [item for item in checklist if answers[item.code].result == ItemResult.FAILED]
    letters = "JC" if kind == InspectionKind.ENFORCEMENT else "JM"
    prefix = f"{letters}-{place.region_code}-{data.inspected_on.year}-"
    pick = await _open_pick(session, kind=kind, subject=place.subject)
    inspection = InspectionRecord(
        reference=await _next_reference(session, prefix),
        kind=kind.value,
        subject=place.subject,
        enterprise_id=place.enterprise.id or 0,
        permit_id=place.permit.id if place.permit else None,
        registration_id=place.registration.id if place.registration else None,
        region_code=place.region_code,
        inspected_on=data.inspected_on,
        inspector_ids=chosen,
        draw_pick_id=pick,
        summary=data.summary.strip(),
        findings=len(failed),
        created_at=utcnow(),
        created_by_id=actor.user_id,
        created_by_username=actor.username,
        on_behalf_of=actor.on_behalf_of,
    )
    session.add(inspection)
    await session.flush()
    for item in checklist:
        answer = answers[item.code]
        session.add(
            InspectionItem(
                record_id=inspection.id or 0, code=item.code, result=answer.result, note=answer.note.strip()
            )
        )
    await session.flush()
    await raise_findings(
        session,
        actor,
        inspection=inspection,
        place=place,
        failed=failed,
        answers=answers,
        inspector_names=[allowed_people[i].display_name or allowed_people[i].username for i in chosen],
        rectify_by=data.rectify_by,
        responsible_person=data.responsible_person,
    )
    record(
        session,
        actor,
        action="inspection.record",
        object_type="inspection_record",
        object_id=inspection.reference,
        enterprise_id=inspection.enterprise_id,
        after={
            "kind": inspection.kind,
            "subject": inspection.subject,
            "inspected_on": inspection.inspected_on.isoformat(),
            "inspectors": chosen,
            "items": {a.code: a.result for a in data.items},
            "findings": len(failed),
        },
    )
    await _tell_unit(session, inspection, place)
    return inspection


async def _refuse_replay(
    session: AsyncSession, *, place: Place, kind: InspectionKind, on: date, inspectors: list[int]
) -> None:
    """The same unit, kind, day and inspectors again is the same visit sent twice (a form posted again):
    refused with the record it repeats, nothing written."""
    same_day = (
        await session.exec(
            select(InspectionRecord).where(
                InspectionRecord.subject == place.subject,
                InspectionRecord.kind == kind.value,
                InspectionRecord.inspected_on == on,
            )
        )
    ).all()
    for earlier in same_day:
        if sorted(earlier.inspector_ids) == inspectors:
            raise Conflict(
                N_("This visit is already recorded as {reference}."),
                field="inspected_on",
                code="already_recorded",
                params={"reference": earlier.reference},
            )


async def _open_pick(session: AsyncSession, *, kind: InspectionKind, subject: str) -> int | None:
    """The latest pick of a draw of this kind for the unit that no record answers yet."""
    answered = select(InspectionRecord.draw_pick_id).where(col(InspectionRecord.draw_pick_id).is_not(None))
    return (
        await session.exec(
            select(InspectionDrawPick.id)
            .join(InspectionDraw, col(InspectionDraw.id) == col(InspectionDrawPick.draw_id))
            .where(
                InspectionDraw.kind == kind.value,
                InspectionDrawPick.subject == subject,
                col(InspectionDrawPick.id).not_in(answered),
            )
            .order_by(col(InspectionDraw.drawn_at).desc(), col(InspectionDrawPick.id).desc())
            .limit(1)
        )
    ).first()


async def _tell_unit(session: AsyncSession, inspection: InspectionRecord, place: Place) -> None:
    """The unit is told of the record and of its findings (what it must now fix)."""
    day = inspection.inspected_on.isoformat()
    if inspection.findings:
        text = both(
            N_("The visit of {day} ({reference}) found {count} problems; the record lists each."),
            day=day,
            reference=inspection.reference,
            count=inspection.findings,
        )
    else:
        text = both(
            N_("The visit of {day} ({reference}) found no problem."), day=day, reference=inspection.reference
        )
    await notify_unit(
        session,
        enterprise_id=place.enterprise.id or 0,
        kind="inspection_recorded",
        key=f"inspection-record:{inspection.reference}",
        title=both(N_("Inspection record {reference}"), reference=inspection.reference),
        text=text,
        link=f"/inspections/records/{inspection.reference}",
    )
