"""Registering, changing, pausing an endpoint, rotating its secret, replaying its deliveries: the use
cases of both faces (docs/integrators.md, "Webhooks")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import feed
from domain.access import Actor, Operation, Target, require
from domain.accounts.models import User
from domain.audit.service import record
from domain.changes.kinds import ObjectType
from domain.changes.models import ChangeEvent
from domain.clock import utcnow
from domain.errors import N_, FieldError, NotAuthenticated, NotFound, ValidationFailed
from domain.settings import get_settings
from domain.webhooks.models import WebhookDelivery, WebhookEndpoint
from domain.webhooks.owners import owner_actor
from domain.webhooks.rules import event_types_of, new_secret, url_errors

MAX_ENDPOINTS_PER_USER = 20
# One replay from a cursor queues at most this many events; ask again from the cursor it returns.
MAX_REPLAY_EVENTS = 1000


@dataclass(frozen=True)
class Replayed:
    deliveries: int
    # Where to replay from again when the range held more than MAX_REPLAY_EVENTS events; else None.
    next_cursor: str | None


def _types(endpoint: WebhookEndpoint) -> list[ObjectType]:
    return [ObjectType(name) for name in endpoint.event_types.split()]


def _described(endpoint: WebhookEndpoint) -> dict[str, object]:
    return {"url": endpoint.url, "event_types": endpoint.event_types, "active": endpoint.active}


async def own_endpoint(session: AsyncSession, actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    """One of the actor's endpoints; another's, or none, is not found (nobody learns it exists)."""
    require(actor, Operation.WEBHOOK_MANAGE_OWN)
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.owner_user_id != actor.user_id:
        raise NotFound(N_("No such webhook endpoint."), field="endpoint")
    require(actor, Operation.WEBHOOK_MANAGE_OWN, Target(owner_user_id=endpoint.owner_user_id))
    return endpoint


async def register_endpoint(
    session: AsyncSession,
    actor: Actor,
    *,
    url: str,
    event_types: Sequence[str],
    active: bool = True,
) -> tuple[str, WebhookEndpoint]:
    """Register an endpoint of the actor's for the feed's events of ``event_types`` from now on; the
    secret that signs its deliveries is returned once."""
    require(actor, Operation.WEBHOOK_MANAGE_OWN)
    owner = await session.get(User, actor.user_id) if actor.user_id is not None else None
    if owner is None:
        raise NotAuthenticated(N_("Please log in to continue."))
    url = (url or "").strip()
    errors = url_errors(url, allow_private=get_settings().webhook_allow_private_addresses)
    types, type_errors = event_types_of(event_types)
    errors += type_errors
    count = (
        await session.exec(
            select(sa.func.count())
            .select_from(WebhookEndpoint)
            .where(WebhookEndpoint.owner_user_id == owner.id)
        )
    ).one()
    if count >= MAX_ENDPOINTS_PER_USER:
        errors.append(
            FieldError(
                "url",
                "too_many",
                N_("At most {limit} webhook endpoints per user."),
                {"limit": MAX_ENDPOINTS_PER_USER},
            )
        )
    if errors:
        raise ValidationFailed(errors)
    assert owner.id is not None
    xid, event_id = await feed.head(session)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        owner_user_id=owner.id,
        enterprise_id=owner.enterprise_id,
        url=url,
        event_types=" ".join(t.value for t in types),
        secret=secret,
        active=bool(active),
        feed_xid=xid,
        feed_event_id=event_id,
        created_by_id=actor.user_id,
    )
    session.add(endpoint)
    await session.flush()
    record(
        session,
        actor,
        action="webhook.register",
        object_type="webhook_endpoint",
        object_id=endpoint.id or 0,
        enterprise_id=owner.enterprise_id,
        after=_described(endpoint),
    )
    return secret, endpoint


async def update_endpoint(
    session: AsyncSession,
    actor: Actor,
    *,
    endpoint_id: int,
    url: str | None = None,
    event_types: Sequence[str] | None = None,
    active: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint's URL or event types, pause it or resume it (what is left out stays). A paused
    endpoint is sent nothing, and the events of while it was paused are not queued for it (replay them
    from a cursor); resumed, it is told the events from then on."""
    endpoint = await own_endpoint(session, actor, endpoint_id)
    errors: list[FieldError] = []
    new_url = endpoint.url if url is None else url.strip()
    if url is not None:
        errors += url_errors(new_url, allow_private=get_settings().webhook_allow_private_addresses)
    types = _types(endpoint)
    if event_types is not None:
        types, type_errors = event_types_of(event_types)
        errors += type_errors
    if errors:
        raise ValidationFailed(errors)
    before = _described(endpoint)
    resumed = active is True and not endpoint.active
    endpoint.url = new_url
    endpoint.event_types = " ".join(t.value for t in types)
    if active is not None:
        endpoint.active = bool(active)
    if resumed:
        endpoint.feed_xid, endpoint.feed_event_id = await feed.head(session)
    after = _described(endpoint)
    if after != before:
        endpoint.updated_at = utcnow()
        session.add(endpoint)
        record(
            session,
            actor,
            action="webhook.update",
            object_type="webhook_endpoint",
            object_id=endpoint_id,
            enterprise_id=endpoint.enterprise_id,
            before=before,
            after=after,
        )
    return endpoint


async def rotate_secret(
    session: AsyncSession, actor: Actor, *, endpoint_id: int
) -> tuple[str, WebhookEndpoint]:
    """A new secret for the endpoint, returned once; every delivery from now on is signed with it
    (the old one stops at once, retries included)."""
    endpoint = await own_endpoint(session, actor, endpoint_id)
    secret = new_secret()
    endpoint.secret = secret
    endpoint.secret_rotated_at = endpoint.updated_at = utcnow()
    session.add(endpoint)
    record(
        session,
        actor,
        action="webhook.rotate",
        object_type="webhook_endpoint",
        object_id=endpoint_id,
        enterprise_id=endpoint.enterprise_id,
        after={"secret_rotated_at": endpoint.secret_rotated_at.isoformat()},
    )
    return secret, endpoint


async def replay(
    session: AsyncSession,
    actor: Actor,
    *,
    endpoint_id: int,
    after: str | None = None,
    delivery_id: int | None = None,
) -> Replayed:
    """Deliver again, marked as a replay: one delivery (``delivery_id``), or every event of the
    endpoint's types after the feed cursor ``after`` up to where the endpoint has been told (at most
    ``MAX_REPLAY_EVENTS``). Only events the owner may read now are replayed, as the feed serves them."""
    endpoint = await own_endpoint(session, actor, endpoint_id)
    if (after is None) == (delivery_id is None):
        raise ValidationFailed(
            [FieldError("after", "required", N_("Give either a feed cursor or a delivery to replay."))]
        )
    owner = await owner_actor(session, endpoint.owner_user_id)
    if owner is None:
        raise NotFound(N_("No such webhook endpoint."), field="endpoint")
    events: list[int] = []
    next_cursor: str | None = None
    if delivery_id is not None:
        delivery = await session.get(WebhookDelivery, delivery_id)
        event = await session.get(ChangeEvent, delivery.event_id) if delivery is not None else None
        if delivery is None or delivery.endpoint_id != endpoint.id or event is None:
            raise NotFound(N_("No such delivery."), field="delivery")
        assert event.id is not None
        page = await feed.changes(
            session,
            owner,
            after=feed.encode_cursor(event.xid, event.id - 1),
            types=[ObjectType(event.object_type)],
            first=1,
        )
        if page.changes and page.changes[0].cursor == feed.encode_cursor(event.xid, event.id):
            events.append(event.id)
    else:
        limit = (endpoint.feed_xid, endpoint.feed_event_id)
        position = after
        done = False
        while not done:
            page = await feed.changes(session, owner, after=position, types=_types(endpoint), first=100)
            for change in page.changes:
                key = feed.decode_cursor(change.cursor)
                if key > limit:
                    done = True
                    break
                if len(events) == MAX_REPLAY_EVENTS:
                    next_cursor, done = position, True
                    break
                events.append(key[1])
                position = change.cursor
            done = done or not page.has_next_page
    count = await queue_replays(session, endpoint_id, events)
    record(
        session,
        actor,
        action="webhook.replay",
        object_type="webhook_endpoint",
        object_id=endpoint_id,
        enterprise_id=endpoint.enterprise_id,
        after={"after": after, "delivery": delivery_id, "deliveries": count},
    )
    return Replayed(deliveries=count, next_cursor=next_cursor)


async def queue_replays(session: AsyncSession, endpoint_id: int, event_ids: list[int]) -> int:
    """A new delivery of each event, numbered after the event's earlier ones for this endpoint."""
    if not event_ids:
        return 0
    earlier = dict(
        (
            await session.exec(
                select(col(WebhookDelivery.event_id), sa.func.max(col(WebhookDelivery.replay)))
                .where(
                    WebhookDelivery.endpoint_id == endpoint_id, col(WebhookDelivery.event_id).in_(event_ids)
                )
                .group_by(col(WebhookDelivery.event_id))
            )
        ).all()
    )
    now = utcnow()
    for event_id in event_ids:
        session.add(
            WebhookDelivery(
                endpoint_id=endpoint_id,
                event_id=event_id,
                replay=int(earlier.get(event_id, 0)) + 1,
                next_attempt_at=now,
            )
        )
    await session.flush()
    return len(event_ids)
