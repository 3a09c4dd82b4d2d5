"""The delivery queue, as the mail outbox (``domain.notifications.outbox``): workers claim due deliveries
under a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), send them outside any transaction, and record
each outcome; a failure waits the outbox's back-off, up to ``WEBHOOK_MAX_ATTEMPTS``, then stays failed and
its endpoint's owner is told (``failures``, once per failure streak)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import feed
from domain.changes.models import ChangeEvent
from domain.clock import utcnow
from domain.notifications.outbox import backoff
from domain.settings import get_settings
from domain.webhooks import failures
from domain.webhooks.models import WebhookDelivery, WebhookEndpoint


@dataclass(frozen=True)
class Outgoing:
    """A delivery as the sender needs it, detached from any session."""

    id: int
    url: str
    secret: str
    event_id: int
    object_type: str
    attempt: int
    replay: bool
    body: bytes


def body_of(delivery: WebhookDelivery, event: ChangeEvent, attempt: int) -> bytes:
    """The JSON a receiver gets: the event as the feed gives it, and which delivery and attempt this is."""
    occurred = event.occurred_at if event.occurred_at.tzinfo else event.occurred_at.replace(tzinfo=UTC)
    document = {
        "eventId": event.id,
        "cursor": feed.encode_cursor(event.xid, event.id or 0),
        "objectType": event.object_type,
        "objectId": str(event.object_id),
        "objectKey": event.object_key,
        "change": event.change,
        "action": event.action,
        "occurredAt": occurred.astimezone(UTC).isoformat(),
        "deliveryId": delivery.id,
        "attempt": attempt,
        "retry": attempt > 1,
        "replay": delivery.replay > 0,
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


async def claim(
    session: AsyncSession, *, worker: str, limit: int, now: datetime | None = None
) -> list[Outgoing]:
    """Take up to ``limit`` due deliveries of active endpoints for this worker (in its own short
    transaction); each claim counts an attempt."""
    now = now or utcnow()
    lease_expired = now - timedelta(seconds=get_settings().outbox_lease_seconds)
    statement = (
        select(WebhookDelivery)
        .join(WebhookEndpoint, col(WebhookEndpoint.id) == WebhookDelivery.endpoint_id)
        .where(
            col(WebhookEndpoint.active),
            sa.or_(
                sa.and_(
                    col(WebhookDelivery.status) == "pending", col(WebhookDelivery.next_attempt_at) <= now
                ),
                sa.and_(
                    col(WebhookDelivery.status) == "sending", col(WebhookDelivery.claimed_at) < lease_expired
                ),
            ),
        )
        .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    )
    deliveries = list((await session.exec(statement)).all())
    found = []
    for delivery in deliveries:
        endpoint = await session.get(WebhookEndpoint, delivery.endpoint_id)
        event = await session.get(ChangeEvent, delivery.event_id)
        assert endpoint is not None and event is not None and delivery.id is not None
        delivery.status = "sending"
        delivery.claimed_at = now
        delivery.claimed_by = worker[:64]
        delivery.attempts += 1
        session.add(delivery)
        found.append(
            Outgoing(
                id=delivery.id,
                url=endpoint.url,
                secret=endpoint.secret,
                event_id=event.id or 0,
                object_type=event.object_type,
                attempt=delivery.attempts,
                replay=delivery.replay > 0,
                body=body_of(delivery, event, delivery.attempts),
            )
        )
    return found


async def _claimed(session: AsyncSession, delivery_id: int, worker: str) -> WebhookDelivery | None:
    delivery = await session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.status != "sending" or delivery.claimed_by != worker:
        return None  # the lease was lost and someone else owns it now
    return delivery


async def mark_delivered(
    session: AsyncSession, *, delivery_id: int, worker: str, status_code: int, now: datetime | None = None
) -> bool:
    delivery = await _claimed(session, delivery_id, worker)
    if delivery is None:
        return False
    delivery.status = "delivered"
    delivery.delivered_at = delivery.last_attempt_at = now or utcnow()
    delivery.last_status_code = status_code
    delivery.last_error = ""
    delivery.claimed_at = delivery.claimed_by = None
    session.add(delivery)
    return True


async def mark_failed(
    session: AsyncSession,
    *,
    delivery_id: int,
    worker: str,
    error: str,
    status_code: int | None = None,
    now: datetime | None = None,
) -> str:
    """Record a failed attempt: pending again after the back-off, or failed after the last attempt."""
    settings = get_settings()
    delivery = await _claimed(session, delivery_id, worker)
    if delivery is None:
        return "lost"
    now = now or utcnow()
    delivery.last_attempt_at = now
    delivery.last_status_code = status_code
    delivery.last_error = error[:1000]
    delivery.claimed_at = delivery.claimed_by = None
    if delivery.attempts >= settings.webhook_max_attempts:
        delivery.status = "failed"
    else:
        delivery.status = "pending"
        delivery.next_attempt_at = now + backoff(delivery.attempts, settings.webhook_backoff_seconds)
    session.add(delivery)
    if delivery.status == "failed":
        await failures.tell_owner(session, delivery)  # in this transaction, once per failure streak
    return delivery.status
