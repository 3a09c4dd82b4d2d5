"""The read side of webhooks: one's endpoints, and an endpoint's deliveries with their last attempts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.access.sql import TargetColumns, allowed
from domain.changes.models import ChangeEvent
from domain.feed import encode_cursor
from domain.pagination import Key, Page, Window, keyset_page, sort_order
from domain.webhooks.models import WebhookDelivery, WebhookEndpoint
from domain.webhooks.service import own_endpoint

_OWNED = TargetColumns(owner_user_id=col(WebhookEndpoint.owner_user_id))


async def endpoints(session: AsyncSession, actor: Actor) -> list[WebhookEndpoint]:
    """The actor's own endpoints, newest first (at most ``MAX_ENDPOINTS_PER_USER``)."""
    require(actor, Operation.WEBHOOK_MANAGE_OWN)
    statement = (
        select(WebhookEndpoint)
        .where(
            WebhookEndpoint.owner_user_id == actor.user_id,
            allowed(actor, Operation.WEBHOOK_MANAGE_OWN, _OWNED),
        )
        .order_by(col(WebhookEndpoint.id).desc())
    )
    return list((await session.exec(statement)).all())


async def endpoint(session: AsyncSession, actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    return await own_endpoint(session, actor, endpoint_id)


@dataclass(frozen=True)
class DeliveryRow:
    """A delivery with the event it carries, as the deliveries list shows it."""

    id: int
    status: str
    attempts: int
    replay: int
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    event_id: int
    # The event's position in the change feed (replay from here: ``replayWebhookDeliveries(after:)``).
    cursor: str
    object_type: str
    object_id: int
    object_key: str
    change: str
    action: str
    occurred_at: datetime


DELIVERY_ORDER = (Key(col(WebhookDelivery.id), descending=True),)


def _row(delivery: WebhookDelivery, event: ChangeEvent) -> DeliveryRow:
    assert delivery.id is not None
    return DeliveryRow(
        id=delivery.id,
        status=delivery.status,
        attempts=delivery.attempts,
        replay=delivery.replay,
        last_attempt_at=delivery.last_attempt_at,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        next_attempt_at=delivery.next_attempt_at,
        created_at=delivery.created_at,
        delivered_at=delivery.delivered_at,
        event_id=event.id or 0,
        cursor=encode_cursor(event.xid, event.id or 0),
        object_type=event.object_type,
        object_id=event.object_id,
        object_key=event.object_key,
        change=event.change,
        action=event.action,
        occurred_at=event.occurred_at,
    )


async def deliveries(
    session: AsyncSession,
    actor: Actor,
    *,
    endpoint_id: int,
    window: Window | None = None,
    first: int = 50,
    offset: int = 0,
) -> Page[DeliveryRow]:
    """An endpoint of the actor's deliveries, newest first: keyset windows for the API, numbered pages
    for the portal."""
    found = await own_endpoint(session, actor, endpoint_id)
    statement: Any = (
        select(WebhookDelivery, ChangeEvent)
        .join(ChangeEvent, col(ChangeEvent.id) == WebhookDelivery.event_id)
        .where(WebhookDelivery.endpoint_id == found.id)
    )
    total = (
        await session.exec(
            select(sa.func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == found.id)
        )
    ).one()
    if window is not None:
        page = await keyset_page(
            session, statement, DELIVERY_ORDER, window, lambda row: (row[0].id,), total=int(total)
        )
        return page.mapped([_row(d, e) for d, e in page.items])
    rows = (
        await session.exec(statement.order_by(*sort_order(DELIVERY_ORDER)).offset(offset).limit(first))
    ).all()
    return Page(items=[_row(d, e) for d, e in rows], offset=offset, total=int(total))
