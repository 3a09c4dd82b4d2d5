"""Ending a permit: revocation (撤销, M48 §49) and cancellation (注销, M48 §50), each with its ground,
announced publicly; an application still open on the permit is closed with it.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.clock import today, utcnow
from domain.errors import N_, Conflict, FieldError, ValidationFailed
from domain.permits import rules
from domain.permits.models import Permit
from domain.permits.queries.register import get_permit, open_application_of
from domain.permits.register_entry import refresh_permit_entries
from domain.permits.rules import ApplicationStatus, CancellationReason, PermitStatus
from domain.permits.service.common import audit, event, permit_state, require_text
from domain.permits.state import target_of


async def revoke_permit(session: AsyncSession, actor: Actor, *, number: str, reason: str) -> Permit:
    """撤销 (M48 §49): by the issuing authority, with the legal ground; announced publicly."""
    permit = await get_permit(session, actor, number=number)
    require(actor, Operation.PERMIT_DECIDE, target_of(permit))
    reason = require_text(reason, "reason")
    if permit.status != PermitStatus.ISSUED:
        raise Conflict(N_("Only an issued permit can be revoked or cancelled."), field="number")
    before = permit_state(permit)
    permit.status = PermitStatus.REVOKED
    permit.updated_at = utcnow()
    session.add(permit)
    await _close_open_application(session, permit, reason)
    event(session, actor, permit, "revoked", note=reason)
    audit(session, actor, permit, "permit.revoke", before)
    await refresh_permit_entries(session, [permit])  # the public register shows the revocation
    return permit


async def cancel_permit(
    session: AsyncSession, actor: Actor, *, number: str, reason: str, note: str = ""
) -> Permit:
    """注销 (M48 §50): expired and not renewed, unit terminated, or other lawful grounds."""
    permit = await get_permit(session, actor, number=number)
    require(actor, Operation.PERMIT_DECIDE, target_of(permit))
    problems: list[FieldError] = []
    ground: CancellationReason | None = None
    try:
        ground = CancellationReason(reason)
    except ValueError:
        problems.append(
            FieldError(
                "reason",
                "choice",
                N_("Choose one of: {choices}."),
                {"choices": ", ".join(r.value for r in CancellationReason)},
            )
        )
    # The note is required for "other lawful grounds"; it is announced after the ground, within the limit.
    problem = rules.text_error(
        note, "note", limit=rules.CANCELLATION_NOTE_LIMIT, required=ground == CancellationReason.OTHER
    )
    if problem is not None:
        problems.append(problem)
    if problems:
        raise ValidationFailed(problems)
    assert ground is not None
    if permit.status != PermitStatus.ISSUED:
        raise Conflict(N_("Only an issued permit can be revoked or cancelled."), field="number")
    if ground == CancellationReason.EXPIRED_NOT_RENEWED and (
        permit.valid_until is None or permit.valid_until >= today()
    ):
        raise ValidationFailed(
            [
                FieldError(
                    "reason",
                    "not_expired",
                    N_("This permit is valid until {date}; it cannot be cancelled as expired before then."),
                    {"date": permit.valid_until.isoformat() if permit.valid_until else "—"},
                )
            ]
        )
    note = note.strip()
    before = permit_state(permit)
    permit.status = PermitStatus.CANCELLED
    permit.cancellation_reason = ground.value
    permit.updated_at = utcnow()
    session.add(permit)
    await _close_open_application(session, permit, note or ground.value)
    event(session, actor, permit, "cancelled", note=f"{ground.value}: {note}".strip(": "))
    audit(session, actor, permit, "permit.cancel", before)
    await refresh_permit_entries(session, [permit])  # the public register shows the cancellation
    return permit


async def _close_open_application(session: AsyncSession, permit: Permit, reason: str) -> None:
    open_application = await open_application_of(session, permit)
    if open_application is not None:
        open_application.status = ApplicationStatus.REFUSED
        open_application.decided_on = today()
        open_application.reason = reason
        session.add(open_application)
