"""Use cases of the notification centre (mark read, choose e-mail) and the outbox (retry a failed
message)."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.audit.service import record
from domain.clock import utcnow
from domain.errors import N_, FieldError, ValidationFailed
from domain.notifications.models import Notification, NotificationPreference, OutboxMessage
from domain.notifications.queries import email_preferences
from domain.notifications.rules import NOTICE_KINDS


async def mark_all_read(session: AsyncSession, actor: Actor) -> int:
    require(actor, Operation.NOTIFICATIONS_OWN)
    unread = (
        await session.exec(
            select(Notification).where(
                Notification.user_id == actor.user_id, col(Notification.read_at).is_(None)
            )
        )
    ).all()
    now = utcnow()
    for notification in unread:
        notification.read_at = now
        session.add(notification)
    return len(unread)


async def set_email_preferences(session: AsyncSession, actor: Actor, *, enabled: set[str]) -> dict[str, bool]:
    require(actor, Operation.NOTIFICATIONS_OWN)
    known = {kind.key for kind in NOTICE_KINDS}
    unknown = enabled - known
    if unknown:
        raise ValidationFailed(
            [
                FieldError(
                    "kinds", "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(sorted(known))}
                )
            ]
        )
    before = await email_preferences(session, actor)
    for kind in NOTICE_KINDS:
        wanted = kind.key in enabled or kind.legally_required
        row = (
            await session.exec(
                select(NotificationPreference).where(
                    NotificationPreference.user_id == actor.user_id, NotificationPreference.kind == kind.key
                )
            )
        ).first()
        if row is None:
            assert actor.user_id is not None
            row = NotificationPreference(user_id=actor.user_id, kind=kind.key)
        row.email_enabled = wanted
        row.updated_at = utcnow()
        session.add(row)
    after = {kind.key: (kind.key in enabled or kind.legally_required) for kind in NOTICE_KINDS}
    if before != after:
        record(
            session,
            actor,
            action="notifications.preferences",
            object_type="user",
            object_id=actor.username or "",
            enterprise_id=None,
            before=before,
            after=after,
        )
    return after


async def retry_failed(session: AsyncSession, actor: Actor, *, message_id: int) -> OutboxMessage | None:
    """Give a failed message another round of attempts (administrator)."""
    require(actor, Operation.USER_MANAGE)
    message = await session.get(OutboxMessage, message_id)
    if message is None or message.status != "failed":
        return None
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = utcnow()
    session.add(message)
    return message
