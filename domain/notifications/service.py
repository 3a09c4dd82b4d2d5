"""The notification centre: what a user was told, and which kinds they want by e-mail."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.audit.service import record
from domain.clock import utcnow
from domain.errors import N_, FieldError, ValidationFailed
from domain.notifications.models import Notification, NotificationPreference


@dataclass(frozen=True)
class NoticeKind:
    key: str
    label: str
    legally_required: bool


# Kinds a user can choose e-mail for; legally required notices are always e-mailed.
NOTICE_KINDS = (NoticeKind("permit_renewal", N_("Permit renewal reminders"), legally_required=False),)


async def notifications_of(session: AsyncSession, actor: Actor, *, limit: int = 100) -> list[Notification]:
    require(actor, Operation.NOTIFICATIONS_OWN)
    statement = (
        select(Notification)
        .where(Notification.user_id == actor.user_id)
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def unread_count(session: AsyncSession, actor: Actor) -> int:
    require(actor, Operation.NOTIFICATIONS_OWN)
    statement = (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == actor.user_id, col(Notification.read_at).is_(None))
    )
    return int((await session.exec(statement)).one())


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


async def email_preferences(session: AsyncSession, actor: Actor) -> dict[str, bool]:
    """Kind → whether e-mail is on (on unless the user turned it off)."""
    require(actor, Operation.NOTIFICATIONS_OWN)
    rows = (
        await session.exec(
            select(NotificationPreference).where(NotificationPreference.user_id == actor.user_id)
        )
    ).all()
    chosen = {row.kind: row.email_enabled for row in rows}
    return {kind.key: chosen.get(kind.key, True) or kind.legally_required for kind in NOTICE_KINDS}


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
            before=before,
            after=after,
        )
    return after
