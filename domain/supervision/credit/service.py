"""Use cases of enterprise credit: recompute a unit's events from its records (one unit, or every unit in
the daily run), record an event with its basis and evidence, void an event with a reason.

Events are derived by recomputation rather than in each source's own transaction: the sources span areas
below supervision (reports, ledgers) that may not call it, and some events are a deadline passing with
nothing written (a report not filed, a rectification not verified, an exceedance left unexplained), which
only a daily look finds. One derivation (``derive``) keeps the rule in one place; a voided event is never
derived again (its row stays, with its key). Whenever a unit's level changes, its people are told in the
same transaction.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, operator, require
from domain.audit.service import record
from domain.clock import utcnow
from domain.enterprises.models import Enterprise
from domain.enterprises.queries import find_enterprise
from domain.errors import N_, Conflict, NotFound, ValidationFailed
from domain.supervision.credit import notices, rules
from domain.supervision.credit.derive import Derived, derive
from domain.supervision.credit.models import UnitCreditEvent

# Kept in the row as written (English); pages show it translated.
SYSTEM_VOID_REASON = N_("The record it rests on no longer gives this event.")


def target_of(enterprise: Enterprise) -> Target:
    return Target(enterprise_id=enterprise.id, region_code=enterprise.region_code)


def may_record(actor: Actor, enterprise: Enterprise) -> bool:
    """Whether the actor may record and void the unit's credit events (the page offers the forms then)."""
    return can(actor, Operation.UNIT_CREDIT_RECORD, target_of(enterprise))


async def unit_for(session: AsyncSession, actor: Actor, credit_code: str, operation: Operation) -> Enterprise:
    """The unit named by its credit code, if the actor may do ``operation`` to it (else as if none)."""
    code = (credit_code or "").strip()
    enterprise = await find_enterprise(session, code) if 0 < len(code) <= 18 and "\x00" not in code else None
    if enterprise is None:
        require(actor, operation, Target(region_code=actor.region_code))
        raise NotFound(N_("No unit with this credit code."), field="credit_code")
    require(actor, operation, target_of(enterprise))
    return enterprise


async def credit_code_of(session: AsyncSession, enterprise_id: int) -> str:
    enterprise = await session.get(Enterprise, enterprise_id)
    return enterprise.credit_code if enterprise else ""


async def _events(session: AsyncSession, ids: Sequence[int] | None) -> list[UnitCreditEvent]:
    statement = select(UnitCreditEvent)
    if ids is not None:
        statement = statement.where(col(UnitCreditEvent.enterprise_id).in_(list(ids)))
    return list((await session.exec(statement)).all())


def _level(events: list[UnitCreditEvent]) -> tuple[float, str]:
    score = rules.score_of([e.points for e in events if e.voided_at is None])
    return score, rules.level_of(score)


async def _tell_changes(
    session: AsyncSession, before: dict[int, str], after: dict[int, list[UnitCreditEvent]]
) -> None:
    for unit_id, events in after.items():
        score, level = _level(events)
        was = before.get(unit_id, rules.level_of(rules.BASE_SCORE))
        if level != was:
            enterprise = await session.get(Enterprise, unit_id)
            if enterprise is not None:
                await notices.level_changed(session, enterprise, before=was, after=level, score=score)


async def _apply(
    session: AsyncSession, actor: Actor, derived: list[Derived], ids: Sequence[int] | None
) -> tuple[int, int]:
    """Add the derived events not yet written, void the derived ones no longer given; tell level changes."""
    existing = await _events(session, ids)
    by_unit: dict[int, list[UnitCreditEvent]] = defaultdict(list)
    for event in existing:
        by_unit[event.enterprise_id].append(event)
    before = {unit: _level(events)[1] for unit, events in by_unit.items()}
    keys = {(e.enterprise_id, e.kind, e.source_type, e.source_id): e for e in existing}
    given = {d.key for d in derived}
    regions = {}
    new_units = {d.enterprise_id for d in derived if d.key not in keys}
    if new_units:
        regions = dict(
            (
                await session.exec(
                    select(Enterprise.id, Enterprise.region_code).where(col(Enterprise.id).in_(new_units))
                )
            ).all()
        )
    added = voided = 0
    changed: set[int] = set()
    now = utcnow()
    for item in derived:
        if item.key in keys:
            continue
        kind = rules.KINDS[item.kind]
        event = UnitCreditEvent(
            enterprise_id=item.enterprise_id,
            region_code=regions.get(item.enterprise_id, ""),
            kind=item.kind,
            points=kind.points,
            source_type=item.source_type,
            source_id=item.source_id,
            occurred_at=item.occurred_at,
            note=item.note[: rules.NOTE_LIMIT],
            public=kind.public,
            recorded_at=now,
            recorded_by=actor.username or "system",
        )
        session.add(event)
        keys[item.key] = event
        by_unit[item.enterprise_id].append(event)
        changed.add(item.enterprise_id)
        added += 1
    for key, event in keys.items():
        if not event.manual and event.voided_at is None and key not in given and event.id is not None:
            event.voided_at, event.voided_by, event.void_reason = (
                now,
                actor.username or "system",
                SYSTEM_VOID_REASON,
            )
            session.add(event)
            changed.add(event.enterprise_id)
            voided += 1
    await session.flush()
    for unit in sorted(changed):
        score, level = _level(by_unit[unit])
        record(
            session,
            actor,
            action="unit_credit.refresh",
            object_type="enterprise",
            object_id=unit,
            enterprise_id=unit,
            before={"level": before.get(unit, rules.level_of(rules.BASE_SCORE))},
            after={"score": score, "level": level},
        )
    await _tell_changes(session, before, {unit: by_unit[unit] for unit in changed})
    return added, voided


async def refresh_credit(session: AsyncSession, actor: Actor, *, credit_code: str) -> tuple[int, int]:
    """Recompute one unit's events from its records now (the legal section; the daily run does it for
    every unit). Returns (events added, events voided because their record no longer gives them)."""
    enterprise = await unit_for(session, actor, credit_code, Operation.UNIT_CREDIT_RECORD)
    assert enterprise.id is not None
    return await _apply(session, actor, await derive(session, [enterprise.id]), [enterprise.id])


async def refresh_all_credit(session: AsyncSession, actor: Actor | None = None) -> tuple[int, int]:
    """The daily run (as the system, or ``actor``): every unit's events from its records."""
    return await _apply(session, actor or operator("system"), await derive(session), None)


async def record_credit_event(
    session: AsyncSession,
    actor: Actor,
    *,
    credit_code: str,
    kind: str,
    basis: str,
    evidence: str,
    note: str = "",
) -> UnitCreditEvent:
    """A regulator of the legal section records a commendation, a violation or a serious violation found
    outside the product's records, with its basis (依据) and evidence (the document it rests on). The same
    evidence gives one event of a kind: a second is refused."""
    enterprise = await unit_for(session, actor, credit_code, Operation.UNIT_CREDIT_RECORD)
    assert enterprise.id is not None
    basis, evidence, note = (basis or "").strip(), (evidence or "").strip(), (note or "").strip()
    errors = rules.event_errors(kind, note, basis, evidence)
    if errors:
        raise ValidationFailed(errors)
    existing = await _events(session, [enterprise.id])
    was = _level(existing)[1]
    source_id = "ev:" + hashlib.sha256(evidence.casefold().encode()).hexdigest()[:32]
    if any(e.kind == kind and e.source_type == "regulator" and e.source_id == source_id for e in existing):
        raise Conflict(N_("This event is already recorded."), field="evidence")
    value = rules.KINDS[kind]
    now = utcnow()
    event = UnitCreditEvent(
        enterprise_id=enterprise.id,
        region_code=enterprise.region_code,
        kind=kind,
        points=value.points,
        source_type="regulator",
        source_id=source_id,
        occurred_at=now,
        note=note,
        basis=basis,
        evidence=evidence,
        public=value.public,
        manual=True,
        recorded_at=now,
        recorded_by=actor.username or "",
        on_behalf_of=actor.on_behalf_of,
    )
    session.add(event)
    await session.flush()
    record(
        session,
        actor,
        action="unit_credit.record",
        object_type="unit_credit_event",
        object_id=event.id or 0,
        enterprise_id=enterprise.id,
        after={
            "kind": kind,
            "points": value.points,
            "basis": basis[:500],
            "evidence": evidence[:500],
            "note": note[:500],
        },
    )
    await _tell_changes(session, {enterprise.id: was}, {enterprise.id: [*existing, event]})
    return event


async def void_credit_event(
    session: AsyncSession, actor: Actor, *, event_id: int, reason: str
) -> UnitCreditEvent:
    """Void an event with the reason (a record corrected, an event given in error); the event stays on the
    unit's page, struck through with who voided it, when and why, and no longer counts."""
    event = await session.get(UnitCreditEvent, event_id) if 0 < event_id < 2**31 else None
    enterprise = await session.get(Enterprise, event.enterprise_id) if event is not None else None
    if event is None or enterprise is None:
        require(actor, Operation.UNIT_CREDIT_RECORD, Target(region_code=actor.region_code))
        raise NotFound(N_("There is no such credit event."), field="event_id")
    require(actor, Operation.UNIT_CREDIT_RECORD, target_of(enterprise))
    reason = (reason or "").strip()
    errors = rules.void_errors(reason)
    if errors:
        raise ValidationFailed(errors)
    if event.voided_at is not None:
        raise Conflict(N_("This event is already voided."), field="event_id")
    assert enterprise.id is not None
    existing = await _events(session, [enterprise.id])
    was = _level(existing)[1]
    event.voided_at, event.voided_by, event.void_reason = utcnow(), actor.username or "", reason
    session.add(event)
    await session.flush()
    record(
        session,
        actor,
        action="unit_credit.void",
        object_type="unit_credit_event",
        object_id=event_id,
        enterprise_id=enterprise.id,
        before={"kind": event.kind, "points": event.points},
        after={"reason": reason[:500]},
    )
    await _tell_changes(session, {enterprise.id: was}, {enterprise.id: existing})
    return event
