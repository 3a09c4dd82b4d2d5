"""The outbox: mail is written in the transaction of the change that causes it, and sent by workers.

Several workers may run at once. On PostgreSQL each claims its batch with
``FOR UPDATE SKIP LOCKED``, so no two workers hold the same message; on SQLite the
writer lock serialises claims. A claim is a lease: a worker killed mid-send leaves
its messages "sending", and they are claimed again once the lease expires, so
nothing is lost. Failures retry with exponential back-off until the configured
number of attempts, then stay visible as "failed" to administrators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import utcnow
from domain.db import insert_rows
from domain.notifications.models import OutboxMessage
from domain.settings import get_settings


@dataclass(frozen=True)
class Letter:
    """A message as the mailer needs it, detached from any session."""

    id: int
    to_address: str
    subject: str
    body_text: str
    body_html: str
    attempts: int
    created_at: datetime


async def enqueue(
    session: AsyncSession,
    *,
    dedupe_key: str,
    kind: str,
    to_address: str,
    subject: str,
    body_text: str,
    body_html: str,
    recipient_user_id: int | None = None,
) -> OutboxMessage | None:
    """Write a message unless one with the same key exists; returns None when it was already written."""
    existing = (
        await session.exec(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
    ).first()
    if existing is not None:
        return None
    message = OutboxMessage(
        dedupe_key=dedupe_key[:200],
        kind=kind,
        recipient_user_id=recipient_user_id,
        to_address=to_address,
        subject=subject[:300],
        body_text=body_text,
        body_html=body_html,
    )
    try:
        async with session.begin_nested():
            session.add(message)
    except IntegrityError:  # another process wrote the same key a moment ago
        return None
    return message


@dataclass(frozen=True)
class NewLetter:
    """A message to queue: what ``enqueue`` takes, for many at once."""

    dedupe_key: str
    kind: str
    to_address: str
    subject: str
    body_text: str
    body_html: str
    recipient_user_id: int | None = None


async def enqueue_many(
    session: AsyncSession, letters: list[NewLetter], *, now: datetime | None = None
) -> int:
    """Queue ``letters`` in one statement, skipping any whose key is queued already; returns how many
    were queued."""
    if not letters:
        return 0
    now = now or utcnow()
    written = await insert_rows(
        session,
        OutboxMessage.__table__,  # type: ignore[attr-defined]
        [
            {
                "dedupe_key": letter.dedupe_key[:200],
                "kind": letter.kind,
                "recipient_user_id": letter.recipient_user_id,
                "to_address": letter.to_address,
                "subject": letter.subject[:300],
                "body_text": letter.body_text,
                "body_html": letter.body_html,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "claimed_at": None,
                "claimed_by": None,
                "last_error": "",
                "created_at": now,
                "sent_at": None,
            }
            for letter in letters
        ],
        returning=("id",),
        unless_present=("dedupe_key",),
    )
    return len(written)


async def claim(
    session: AsyncSession, *, worker: str, limit: int, now: datetime | None = None
) -> list[Letter]:
    """Take up to ``limit`` due messages for this worker (call inside its own short transaction)."""
    settings = get_settings()
    now = now or utcnow()
    lease_expired = now - timedelta(seconds=settings.outbox_lease_seconds)
    statement = (
        select(OutboxMessage)
        .where(
            sa.or_(
                sa.and_(col(OutboxMessage.status) == "pending", col(OutboxMessage.next_attempt_at) <= now),
                sa.and_(
                    col(OutboxMessage.status) == "sending", col(OutboxMessage.claimed_at) < lease_expired
                ),
            )
        )
        .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    messages = list((await session.exec(statement)).all())
    letters = []
    for message in messages:
        message.status = "sending"
        message.claimed_at = now
        message.claimed_by = worker[:64]
        message.attempts += 1
        session.add(message)
        assert message.id is not None
        letters.append(
            Letter(
                message.id,
                message.to_address,
                message.subject,
                message.body_text,
                message.body_html,
                message.attempts,
                message.created_at,
            )
        )
    return letters


async def mark_sent(session: AsyncSession, *, message_id: int, worker: str) -> bool:
    message = await session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None or message.status != "sending" or message.claimed_by != worker:
        return False  # the lease was lost and someone else owns it now
    message.status = "sent"
    message.sent_at = utcnow()
    message.last_error = ""
    session.add(message)
    return True


def backoff(attempts: int, base_seconds: int, cap_seconds: int = 6 * 3600) -> timedelta:
    """Wait base, 2×base, 4×base … after each failed attempt, never more than the cap."""
    return timedelta(seconds=min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1)))


async def mark_failed(
    session: AsyncSession, *, message_id: int, worker: str, error: str, now: datetime | None = None
) -> str:
    settings = get_settings()
    message = await session.get(OutboxMessage, message_id, with_for_update=True)
    if message is None or message.status != "sending" or message.claimed_by != worker:
        return "lost"
    now = now or utcnow()
    message.last_error = error[:1000]
    message.claimed_at = None
    message.claimed_by = None
    if message.attempts >= settings.outbox_max_attempts:
        message.status = "failed"
    else:
        message.status = "pending"
        message.next_attempt_at = now + backoff(message.attempts, settings.outbox_backoff_seconds)
    session.add(message)
    return message.status
