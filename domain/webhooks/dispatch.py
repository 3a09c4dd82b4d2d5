"""From the feed to deliveries: each active endpoint reads the change feed as its owner, from where it
was last told, and gets one delivery per event (``tests/webhooks``). Run by the worker each round."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import feed
from domain.changes.kinds import ObjectType
from domain.clock import utcnow
from domain.db import on_postgresql
from domain.webhooks.models import WebhookDelivery, WebhookEndpoint
from domain.webhooks.owners import owner_actor

# Events queued per endpoint and round at most (the next round goes on from there).
MAX_EVENTS_PER_ROUND = 500


async def dispatch(session: AsyncSession, *, max_events: int = MAX_EVENTS_PER_ROUND) -> int:
    """Queue the new events of every active endpoint (call in one short transaction); returns how many.
    The events are the feed's as the owner reads it now (the feed's access rules, its commit order), and
    the endpoint's position moves in the same transaction, so each event is queued once."""
    statement = select(WebhookEndpoint).where(col(WebhookEndpoint.active)).order_by(col(WebhookEndpoint.id))
    if on_postgresql(session):  # another worker dispatching an endpoint now: leave it to it
        statement = statement.with_for_update(skip_locked=True)
    endpoints = list((await session.exec(statement)).all())
    queued = 0
    now = utcnow()
    for endpoint in endpoints:
        owner = await owner_actor(session, endpoint.owner_user_id)
        if owner is None or endpoint.id is None:
            continue
        types = [ObjectType(name) for name in endpoint.event_types.split()]
        position = feed.encode_cursor(endpoint.feed_xid, endpoint.feed_event_id)
        count = 0
        while count < max_events:
            page = await feed.changes(
                session, owner, after=position, types=types, first=min(100, max_events - count)
            )
            for change in page.changes:
                _, event_id = feed.decode_cursor(change.cursor)
                session.add(WebhookDelivery(endpoint_id=endpoint.id, event_id=event_id, next_attempt_at=now))
            count += len(page.changes)
            if page.end_cursor:
                position = page.end_cursor
            if not page.has_next_page:
                break
        if count:
            endpoint.feed_xid, endpoint.feed_event_id = feed.decode_cursor(position)
            session.add(endpoint)
            queued += count
    await session.flush()
    return queued
