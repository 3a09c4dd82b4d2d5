"""Use cases of the positive list and the yellow cards (JN: 正面清单, 黄牌提醒机制).

JN's rule, as written: 对纳入正面清单的企业，出现1次轻微免罚行为记黄牌1张；1个自然年内累积黄牌2张及以上，
则立即移出清单；移出清单的企业原则上3年内不得再次纳入. So a yellow card is issued only to a unit on the list;
the second card of a calendar year removes it on that card's day, in the same transaction; and any
removal (by cards or by a decision) bars re-entry for three years. The legal and credit section and the
enforcement brigade of the unit's jurisdiction decide (``Operation.STANDING_MANAGE``).
"""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, require
from domain.audit.service import record
from domain.clock import today, utcnow
from domain.enterprises.models import Enterprise
from domain.enterprises.queries import find_enterprise
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed
from domain.supervision.standing import notices, rules
from domain.supervision.standing.models import CARD_SOURCES, PositiveListEntry, YellowCard
from domain.supervision.standing.rules import AdmissionInput


def target_of(enterprise: Enterprise) -> Target:
    return Target(enterprise_id=enterprise.id, region_code=enterprise.region_code)


async def _unit(session: AsyncSession, actor: Actor, credit_code: str) -> Enterprise:
    """The unit the decision is about, if the actor may decide on it (else as if it did not exist)."""
    code = (credit_code or "").strip()
    enterprise = await find_enterprise(session, code) if 0 < len(code) <= 18 else None
    if enterprise is None:
        require(actor, Operation.STANDING_MANAGE, Target(region_code=actor.region_code))
        raise NotFound(N_("No unit with this credit code."), field="credit_code")
    require(actor, Operation.STANDING_MANAGE, target_of(enterprise))
    return enterprise


async def current_entry(session: AsyncSession, enterprise_id: int) -> PositiveListEntry | None:
    statement = select(PositiveListEntry).where(
        PositiveListEntry.enterprise_id == enterprise_id, col(PositiveListEntry.removed_on).is_(None)
    )
    return (await session.exec(statement)).first()


async def last_removal(session: AsyncSession, enterprise_id: int) -> PositiveListEntry | None:
    statement = (
        select(PositiveListEntry)
        .where(
            PositiveListEntry.enterprise_id == enterprise_id, col(PositiveListEntry.removed_on).is_not(None)
        )
        .order_by(col(PositiveListEntry.removed_on).desc())
    )
    return (await session.exec(statement)).first()


async def admit_to_positive_list(
    session: AsyncSession, actor: Actor, *, data: AdmissionInput
) -> PositiveListEntry:
    """Put a unit on the positive list from ``entered_on`` with the decision's basis.

    Refused (nothing written): a unit already on the list; a unit removed less than three years before
    ``entered_on`` (the error names the first day it may enter again); a missing, future or over-long field.
    """
    enterprise = await _unit(session, actor, data.credit_code)
    assert enterprise.id is not None
    errors = [
        error
        for error in (
            rules.day_error("entered_on", data.entered_on, today()),
            rules.text_error("basis", data.basis, rules.BASIS_MAX),
        )
        if error is not None
    ]
    if errors:
        raise ValidationFailed(errors)
    assert data.entered_on is not None
    if await current_entry(session, enterprise.id) is not None:
        raise Conflict(N_("This unit is already on the positive list."), field="credit_code")
    removal = await last_removal(session, enterprise.id)
    if removal is not None and removal.removed_on is not None:
        again = rules.re_entry_from(removal.removed_on)
        if data.entered_on < again:
            raise ValidationFailed(
                [
                    FieldError(
                        "entered_on",
                        "barred",
                        N_(
                            "The unit was removed from the list on {removed}; it may enter it again from "
                            "{again} (three years)."
                        ),
                        {"removed": removal.removed_on.isoformat(), "again": again.isoformat()},
                    )
                ]
            )
    entry = PositiveListEntry(
        enterprise_id=enterprise.id,
        region_code=enterprise.region_code,
        entered_on=data.entered_on,
        basis=data.basis.strip(),
        decided_by=actor.username or "system",
        on_behalf_of=actor.on_behalf_of,
    )
    session.add(entry)
    await session.flush()
    record(
        session,
        actor,
        action="standing.admit",
        object_type="enterprise",
        object_id=enterprise.credit_code,
        enterprise_id=enterprise.id,
        after={"entered_on": entry.entered_on.isoformat(), "basis": entry.basis[:500]},
    )
    await notices.admitted(session, enterprise, entry)
    return entry


async def issue_yellow_card(
    session: AsyncSession,
    actor: Actor,
    *,
    enterprise_id: int,
    issued_on: date | None,
    source_kind: str,
    source_ref: str,
    violation: str,
) -> tuple[YellowCard, PositiveListEntry | None]:
    """A yellow card for a listed unit's minor violation exempted from penalty. Returns the card and, when
    it is the second of its calendar year, the entry it closed: the unit leaves the list on the card's day,
    at once, in this transaction.

    Contract: called by the use case that decided the violation, with its own record (an enforcement case
    decided without penalty, or an inspection record: ``source_kind`` "case" or "inspection" and the
    record's reference), never with a reference a person typed. The same record never earns two cards (a
    replay is refused as a conflict, nothing written).
    """
    enterprise = await session.get(Enterprise, enterprise_id)
    if enterprise is None or enterprise.id is None:
        raise NotFound(N_("No unit with this credit code."), field="credit_code")
    require(actor, Operation.STANDING_MANAGE, target_of(enterprise))
    errors = [
        error
        for error in (
            rules.day_error("issued_on", issued_on, today()),
            rules.text_error("violation", violation, rules.VIOLATION_MAX),
            rules.text_error("source_ref", source_ref, rules.SOURCE_REF_MAX),
        )
        if error is not None
    ]
    if source_kind not in CARD_SOURCES:
        errors.append(
            FieldError("source_kind", "choice", N_("Choose an enforcement case or an inspection record."))
        )
    if errors:
        raise ValidationFailed(errors)
    assert issued_on is not None
    entry = await current_entry(session, enterprise.id)
    if entry is None or issued_on < entry.entered_on:
        raise ValidationFailed(
            [
                FieldError(
                    "issued_on",
                    "not_listed",
                    N_("Yellow cards are for units on the positive list; this unit was not on it that day."),
                )
            ]
        )
    taken = await session.exec(
        select(YellowCard.id).where(
            YellowCard.source_kind == source_kind, YellowCard.source_ref == source_ref.strip()
        )
    )
    if taken.first() is not None:
        raise Conflict(N_("This record has already earned a yellow card."), field="source_ref")
    earlier = (
        await session.exec(
            select(col(YellowCard.issued_on)).where(
                YellowCard.enterprise_id == enterprise.id, col(YellowCard.issued_on) >= entry.entered_on
            )
        )
    ).all()
    card = YellowCard(
        enterprise_id=enterprise.id,
        region_code=enterprise.region_code,
        issued_on=issued_on,
        source_kind=source_kind,
        source_ref=source_ref.strip(),
        violation=violation.strip(),
        issued_by=actor.username or "system",
        on_behalf_of=actor.on_behalf_of,
    )
    session.add(card)
    removed: PositiveListEntry | None = None
    if rules.removes(earlier, issued_on):
        entry.removed_on = issued_on
        entry.removal_reason = "yellow_cards"
        entry.removal_note = ""
        entry.removed_by = actor.username or "system"
        entry.removal_recorded_at = utcnow()
        session.add(entry)
        removed = entry
    await session.flush()
    record(
        session,
        actor,
        action="standing.yellow_card",
        object_type="enterprise",
        object_id=enterprise.credit_code,
        enterprise_id=enterprise.id,
        after={
            "issued_on": card.issued_on.isoformat(),
            "source": f"{card.source_kind}:{card.source_ref}",
            "violation": card.violation[:500],
            "removed_from_list": removed is not None,
        },
    )
    await notices.carded(session, enterprise, card, removed)
    return card, removed


async def remove_from_positive_list(
    session: AsyncSession, actor: Actor, *, credit_code: str, removed_on: date | None, note: str
) -> PositiveListEntry:
    """Remove a listed unit by a decision with its reason (the three-year bar applies as to cards)."""
    enterprise = await _unit(session, actor, credit_code)
    assert enterprise.id is not None
    errors = [
        error
        for error in (
            rules.day_error("removed_on", removed_on, today()),
            rules.text_error("note", note, rules.BASIS_MAX),
        )
        if error is not None
    ]
    entry = await current_entry(session, enterprise.id)
    if entry is None:
        raise Conflict(N_("This unit is not on the positive list."), field="credit_code")
    if removed_on is not None and not errors and removed_on < entry.entered_on:
        errors.append(
            FieldError("removed_on", "before_entry", N_("The unit entered the list after this day."))
        )
    if errors:
        raise ValidationFailed(errors)
    assert removed_on is not None
    entry.removed_on = removed_on
    entry.removal_reason = "decision"
    entry.removal_note = note.strip()
    entry.removed_by = actor.username or "system"
    entry.removal_recorded_at = utcnow()
    session.add(entry)
    await session.flush()
    record(
        session,
        actor,
        action="standing.remove",
        object_type="enterprise",
        object_id=enterprise.credit_code,
        enterprise_id=enterprise.id,
        after={"removed_on": removed_on.isoformat(), "note": entry.removal_note[:500]},
    )
    await notices.removed_by_decision(session, enterprise, entry)
    return entry
