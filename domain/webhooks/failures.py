"""Telling an endpoint's owner that its deliveries fail (issue 18): when a delivery has failed its last
attempt and will not be retried, the owner gets a notice (the notification centre, and mail where the
account has an address) in the transaction that marks it failed, naming the endpoint's URL and the event,
with a link to the endpoint's deliveries.

Once per failure streak: the notice's key names the endpoint and its latest delivered delivery, so every
further delivery given up before one succeeds finds the key written and tells nobody again; the first
failure after a success starts a new streak and a new notice (docs/integrators.md, "Webhooks")."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.accounts.models import User
from domain.changes.models import ChangeEvent
from domain.errors import N_
from domain.i18n import Localized, translate
from domain.notifications.notices import both, tell
from domain.webhooks.labels import CHANGE_LABELS, EVENT_TYPE_LABELS
from domain.webhooks.models import WebhookDelivery, WebhookEndpoint

KIND = "webhook_failing"
TITLE = N_("Webhook deliveries to {url} are failing")
BODY = N_(
    "Event {event} ({types}: {key}, {change}) could not be delivered to {url} after {attempts} attempts "
    "and will not be retried (last error: {error}). Until a delivery to this endpoint succeeds, further "
    "failures are not notified again; the endpoint's page lists its deliveries and can replay them."
)


def _label(message: str) -> Localized:
    return Localized(translate(message, "zh_Hans"), translate(message, "en"))


async def streak_key(session: AsyncSession, endpoint_id: int) -> str:
    """The key of the endpoint's current failure streak: the delivery it last delivered (0: none yet)."""
    last = (
        await session.exec(
            select(WebhookDelivery.id)
            .where(
                col(WebhookDelivery.endpoint_id) == endpoint_id, col(WebhookDelivery.status) == "delivered"
            )
            .order_by(col(WebhookDelivery.delivered_at).desc(), col(WebhookDelivery.id).desc())
            .limit(1)
        )
    ).first()
    return f"webhook-failing:{endpoint_id}:{last or 0}"


async def tell_owner(session: AsyncSession, delivery: WebhookDelivery) -> int:
    """The notice of a delivery given up, to the endpoint's owner (if the account is still active), once
    per streak; returns how many notices were written (0 or 1)."""
    endpoint = await session.get(WebhookEndpoint, delivery.endpoint_id)
    event = await session.get(ChangeEvent, delivery.event_id)
    assert endpoint is not None and endpoint.id is not None and event is not None
    owner = await session.get(User, endpoint.owner_user_id)
    if owner is None or not owner.is_active:
        return 0
    return await tell(
        session,
        [owner],
        kind=KIND,
        key=await streak_key(session, endpoint.id),
        title=both(TITLE, url=endpoint.url),
        body=both(
            BODY,
            event=event.id,
            types=_label(EVENT_TYPE_LABELS.get(event.object_type, event.object_type)),
            key=event.object_key,
            change=_label(CHANGE_LABELS.get(event.change, event.change)),
            url=endpoint.url,
            attempts=delivery.attempts,
            error=delivery.last_error or str(delivery.last_status_code or ""),
        ),
        link=f"/account/webhooks/{endpoint.id}",
    )
