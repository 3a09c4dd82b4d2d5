"""Webhooks in the portal's account area: register (the secret shown once), bad input beside its field
with nothing written, someone else's endpoint is not found, deliveries listed with their last attempts,
pause, rotate, replay."""

from __future__ import annotations

from sqlmodel import select

from domain.changes.models import ChangeEvent
from domain.clock import utcnow
from domain.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import make_enterprise, make_user
from tests.graphql_helpers import count
from tests.portal_helpers import log_in, post_form


async def test_a_unit_administrator_registers_and_follows_an_endpoint(client, session):
    enterprise = await make_enterprise(session)
    admin = await make_user(session, "enterprise_admin", enterprise=enterprise)
    await log_in(client, admin.username)
    assert 'href="/account/webhooks"' in (await client.get("/account")).text

    bad = await post_form(
        client,
        "/account/webhooks",
        {"url": "ftp://sync.example.com/x", "event_types": []},
        page="/account/webhooks",
    )
    assert bad.status_code == 400
    assert 'data-field="url" data-code="url"' in bad.text
    assert 'data-field="event_types" data-code="required"' in bad.text
    assert "ftp://sync.example.com/x" in bad.text  # what was typed stays in the form
    assert await count(session, WebhookEndpoint) == 0

    created = await post_form(
        client,
        "/account/webhooks",
        {"url": "https://sync.example.com/pw", "event_types": ["PERMIT", "EXECUTION_REPORT"]},
        page="/account/webhooks",
    )
    assert created.status_code == 200
    endpoint = (await session.exec(select(WebhookEndpoint))).one()
    assert endpoint.secret in created.text and "只显示这一次" in created.text
    assert "排污许可证、执行报告" in created.text  # names, not codes
    listed = await client.get("/account/webhooks")
    assert endpoint.secret not in listed.text and "https://sync.example.com/pw" in listed.text

    # An event of a transaction long committed (the test's own transaction is still open, and the feed
    # serves on PostgreSQL only what lies below every running transaction).
    event = ChangeEvent(
        xid=1,
        object_type="ENTERPRISE",
        object_id=enterprise.id or 0,
        object_key=enterprise.credit_code,
        change="UPDATED",
        action="enterprise.update",
        enterprise_id=enterprise.id,
    )
    session.add(event)
    await session.flush()
    assert event.id is not None
    session.add(
        WebhookDelivery(
            endpoint_id=endpoint.id or 0,
            event_id=event.id,
            status="pending",
            attempts=2,
            last_status_code=502,
            last_error="HTTP 502",
            last_attempt_at=utcnow(),
        )
    )
    await session.flush()
    page = await client.get(f"/account/webhooks/{endpoint.id}")
    assert page.status_code == 200
    assert 'data-status="pending"' in page.text and "HTTP 502" in page.text and "等待发送" in page.text
    assert "排污单位" in page.text and enterprise.credit_code in page.text

    delivery = (await session.exec(select(WebhookDelivery))).one()
    replayed = await post_form(
        client,
        f"/account/webhooks/{endpoint.id}/replay",
        {"delivery": str(delivery.id)},
        page=f"/account/webhooks/{endpoint.id}",
    )
    assert replayed.status_code == 200 and "已排入重放：1" in replayed.text
    assert await count(session, WebhookDelivery) == 2
    bad_cursor = await post_form(
        client,
        f"/account/webhooks/{endpoint.id}/replay",
        {"after": "=1+1"},
        page=f"/account/webhooks/{endpoint.id}",
    )
    assert bad_cursor.status_code == 400 and 'data-field="after" data-code="cursor"' in bad_cursor.text

    rotated = await post_form(
        client, f"/account/webhooks/{endpoint.id}/rotate", {}, page=f"/account/webhooks/{endpoint.id}"
    )
    await session.refresh(endpoint)
    assert endpoint.secret in rotated.text

    paused = await post_form(
        client,
        f"/account/webhooks/{endpoint.id}",
        {"url": "https://sync.example.com/pw", "event_types": ["PERMIT"]},
        page=f"/account/webhooks/{endpoint.id}",
    )
    assert paused.status_code == 200
    await session.refresh(endpoint)
    assert (endpoint.active, endpoint.event_types) == (False, "PERMIT")


async def test_someone_elses_endpoint_is_not_found_in_the_portal(client, session):
    owner = await make_user(session, "enterprise_admin")
    stranger = await make_user(session, "permitting", region_code="310107")
    session.add(
        WebhookEndpoint(
            owner_user_id=owner.id or 0, url="https://a.example.com/", event_types="PERMIT", secret="whsec_x"
        )
    )
    await session.flush()
    endpoint = (await session.exec(select(WebhookEndpoint))).one()
    await log_in(client, stranger.username)
    assert (await client.get(f"/account/webhooks/{endpoint.id}")).status_code == 404
    assert (await client.get("/account/webhooks/99999999999")).status_code == 404
    changed = await post_form(
        client,
        f"/account/webhooks/{endpoint.id}",
        {"url": "https://evil.example.com/", "event_types": ["PERMIT"]},
        page="/account/webhooks",
    )
    assert changed.status_code == 404
    await session.refresh(endpoint)
    assert endpoint.url == "https://a.example.com/"
    assert "a.example.com" not in (await client.get("/account/webhooks")).text
