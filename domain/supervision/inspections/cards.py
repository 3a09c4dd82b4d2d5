"""A yellow card from an inspection record (JN: 出现1次轻微免罚行为记黄牌1张): an inspection that found a
minor violation the brigade decided not to punish earns the unit, if it is on the positive list, one yellow
card named by the record's reference. ``domain.supervision.standing`` decides what the card does."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, require
from domain.errors import N_, Conflict, NotFound
from domain.supervision.inspections.models import InspectionRecord
from domain.supervision.standing import service as standing
from domain.supervision.standing.models import PositiveListEntry, YellowCard


async def yellow_card_for_inspection(
    session: AsyncSession, actor: Actor, *, reference: str, violation: str
) -> tuple[YellowCard, PositiveListEntry | None]:
    """Record the yellow card an inspection record earns for the minor violation it found (``violation``:
    what it was, as the brigade words it). The record must have at least one finding; the card counts on the
    inspection's day. Returns the card and, when it is the second of that calendar year, the list entry it
    closed. A record earns one card only."""
    text = (reference or "").strip()
    record = (
        (await session.exec(select(InspectionRecord).where(InspectionRecord.reference == text))).first()
        if 0 < len(text) <= 32
        else None
    )
    target = (
        Target(enterprise_id=record.enterprise_id, region_code=record.region_code)
        if record is not None
        else None
    )
    if record is None or target is None or not can(actor, Operation.INSPECTION_VIEW, target):
        if not actor.is_authenticated:
            require(actor, Operation.INSPECTION_VIEW)
        raise NotFound(N_("No such inspection record."), field="reference")
    require(actor, Operation.STANDING_MANAGE, target)
    if not record.findings:
        raise Conflict(N_("This inspection found nothing: it earns no yellow card."), field="reference")
    return await standing.issue_yellow_card(
        session,
        actor,
        enterprise_id=record.enterprise_id,
        issued_on=record.inspected_on,
        source_kind="inspection",
        source_ref=record.reference,
        violation=violation,
    )
