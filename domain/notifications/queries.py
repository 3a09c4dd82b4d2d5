"""What the notification centre and the administrator's outbox page show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.access.sql import TargetColumns, allowed
from domain.notifications.models import Notification, NotificationPreference, OutboxMessage
from domain.notifications.rules import NOTICE_KINDS, email_choice


def _own(actor: Actor) -> Any:
    """The SQL form of can(NOTIFICATIONS_OWN, notification): the reader's own."""
    return allowed(actor, Operation.NOTIFICATIONS_OWN, TargetColumns(owner_user_id=col(Notification.user_id)))


async def notifications_of(session: AsyncSession, actor: Actor, *, limit: int = 100) -> list[Notification]:
    require(actor, Operation.NOTIFICATIONS_OWN)
    statement = (
        select(Notification)
        .where(_own(actor))
        .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def unread_count(session: AsyncSession, actor: Actor) -> int:
    require(actor, Operation.NOTIFICATIONS_OWN)
    statement = (
        select(func.count()).select_from(Notification).where(_own(actor), col(Notification.read_at).is_(None))
    )
    return int((await session.exec(statement)).one())


async def email_preferences(session: AsyncSession, actor: Actor) -> dict[str, bool]:
    """Kind → whether e-mail is on (on unless the user turned it off)."""
    require(actor, Operation.NOTIFICATIONS_OWN)
    rows = (
        await session.exec(
            select(NotificationPreference).where(NotificationPreference.user_id == actor.user_id)
        )
    ).all()
    chosen = {row.kind: row.email_enabled for row in rows}
    return {kind.key: email_choice(kind.key, chosen) for kind in NOTICE_KINDS}


@dataclass(frozen=True)
class OutboxSummary:
    pending: int
    sending: int
    sent: int
    failed: int
    recent_failures: list[OutboxMessage]


async def outbox_summary(session: AsyncSession, actor: Actor) -> OutboxSummary:
    """What the administrator sees: counts by state and the messages that gave up."""
    require(actor, Operation.USER_MANAGE)
    counts = dict(
        (
            await session.exec(select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status))
        ).all()
    )
    failures = (
        await session.exec(
            select(OutboxMessage)
            .where(sa.or_(col(OutboxMessage.status) == "failed", col(OutboxMessage.last_error) != ""))
            .order_by(col(OutboxMessage.id).desc())
            .limit(50)
        )
    ).all()
    return OutboxSummary(
        pending=counts.get("pending", 0),
        sending=counts.get("sending", 0),
        sent=counts.get("sent", 0),
        failed=counts.get("failed", 0),
        recent_failures=list(failures),
    )
