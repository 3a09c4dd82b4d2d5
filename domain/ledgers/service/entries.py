"""Use cases of the ledger's other entries (facility operation, abnormal events, other records):
record, revise (every revision kept), void (kept, marked).

Both faces call these with the same rules and errors (``domain/ledgers/entry_rules.py``). Who may:
``Operation.LEDGER_WRITE`` (the unit's users; an agency authorised for the ledger or for facility
operation, ``AGENCY_SCOPE_OF``). A face that found problems reading its input passes them as
``input_errors``: they are reported with the use case's own, after the access check.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation
from domain.audit.service import record
from domain.clock import utcnow
from domain.errors import N_, Conflict, FieldError, ValidationFailed
from domain.ledgers.entry_rules import EntryInput, entry_errors
from domain.ledgers.lookup import ledger_permit, ledger_record
from domain.ledgers.models import LedgerEntry, LedgerEntryRevision
from domain.ledgers.rules import REASON_MAX, aware, merged, text_errors
from domain.permits.models import Permit


async def record_entry(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    data: EntryInput,
    input_errors: Sequence[FieldError] = (),
) -> LedgerEntry:
    permit = await ledger_permit(session, actor, permit_number, Operation.LEDGER_WRITE)
    cleaned, errors = entry_errors(data, utcnow())
    errors = merged(input_errors, errors)
    if errors:
        raise ValidationFailed(errors)
    assert data.period_start is not None and permit.id is not None
    entry = LedgerEntry(
        permit_id=permit.id,
        kind=data.kind,
        subject=data.subject.strip(),
        period_start=aware(data.period_start),
        period_end=aware(data.period_end) if data.period_end else None,
        data=cleaned,
        created_by=actor.username,
        on_behalf_of=actor.on_behalf_of,
    )
    session.add(entry)
    await session.flush()
    _revision(session, actor, entry, note="")
    record(
        session,
        actor,
        action="ledger.entry",
        object_type="ledger_entry",
        object_id=entry.id or 0,
        enterprise_id=permit.enterprise_id,
        after={"kind": entry.kind, "subject": entry.subject, **cleaned},
    )
    return entry


def _revision(session: AsyncSession, actor: Actor, entry: LedgerEntry, note: str) -> None:
    assert entry.id is not None
    session.add(
        LedgerEntryRevision(
            entry_id=entry.id,
            revision=entry.revision,
            subject=entry.subject,
            period_start=entry.period_start,
            period_end=entry.period_end,
            data=dict(entry.data),
            changed_by=actor.username,
            on_behalf_of=actor.on_behalf_of,
            note=note,
        )
    )


async def _open_entry(
    session: AsyncSession, actor: Actor, entry_id: int, permit_number: str | None
) -> tuple[LedgerEntry, Permit]:
    entry, permit = await ledger_record(
        session,
        actor,
        LedgerEntry,
        entry_id,
        field="entry",
        operation=Operation.LEDGER_WRITE,
        permit_number=permit_number,
    )
    if entry.voided_at is not None:
        raise Conflict(N_("This record is already void."), field="entry")
    return entry, permit


async def revise_entry(
    session: AsyncSession,
    actor: Actor,
    *,
    entry_id: int,
    data: EntryInput,
    note: str,
    expected_revision: int | None,
    permit_number: str | None = None,
    input_errors: Sequence[FieldError] = (),
) -> LedgerEntry:
    """Edit an entry with a reason; the previous revision stays readable with who and when. Refused
    when someone changed it since the editor read ``expected_revision`` (which every edit names)."""
    entry, permit = await _open_entry(session, actor, entry_id, permit_number)
    if expected_revision is None:
        raise ValidationFailed([FieldError("revision", "required", N_("This field is required."))])
    if expected_revision != entry.revision:
        raise Conflict(
            N_("Someone else changed this record meanwhile (now revision {current}); reload and edit again."),
            field="revision",
            params={"current": entry.revision},
        )
    kept = EntryInput(entry.kind, data.subject, data.period_start, data.period_end, data.data)  # one kind
    cleaned, errors = entry_errors(kept, utcnow())
    if not (note or "").strip():
        errors.append(FieldError("note", "required", N_("Say why the record is changed.")))
    else:
        errors += text_errors("note", note, limit=REASON_MAX)
    errors = merged(input_errors, errors)
    if errors:
        raise ValidationFailed(errors)
    assert kept.period_start is not None
    before = {"subject": entry.subject, **entry.data}
    entry.subject = kept.subject.strip()
    entry.period_start = aware(kept.period_start)
    entry.period_end = aware(kept.period_end) if kept.period_end else None
    entry.data = cleaned
    entry.revision += 1
    session.add(entry)
    _revision(session, actor, entry, note=note.strip())
    record(
        session,
        actor,
        action="ledger.revise",
        object_type="ledger_entry",
        object_id=entry_id,
        enterprise_id=permit.enterprise_id,
        before=before,
        after={"subject": entry.subject, **cleaned, "note": note.strip()},
    )
    return entry


async def void_entry(
    session: AsyncSession, actor: Actor, *, entry_id: int, reason: str, permit_number: str | None = None
) -> LedgerEntry:
    """Withdraw an entry with a reason; it stays listed, marked void (who, when, why)."""
    entry, permit = await _open_entry(session, actor, entry_id, permit_number)
    errors = text_errors("reason", reason, limit=REASON_MAX)
    if errors:
        raise ValidationFailed(errors)
    entry.voided_at, entry.voided_by, entry.void_reason = utcnow(), actor.username, reason.strip()
    session.add(entry)
    record(
        session,
        actor,
        action="ledger.void",
        object_type="ledger_entry",
        object_id=entry_id,
        enterprise_id=permit.enterprise_id,
        after={"void_reason": entry.void_reason},
    )
    return entry
