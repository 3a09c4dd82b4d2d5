"""Webhooks through GraphQL: register (the secret once), bad input named by field with nothing written,
someone else's endpoint is not found, the deliveries connection with their last attempts, replay."""

from __future__ import annotations

from sqlmodel import select

from domain.audit.models import AuditEntry
from domain.changes.models import ChangeEvent
from domain.clock import utcnow
from domain.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import make_enterprise, make_user
from tests.graphql_helpers import bearer_token, count, graphql, graphql_data

REGISTER = """
mutation($input: RegisterWebhookEndpointInput!) {
  registerWebhookEndpoint(input: $input) {
    endpoint { id url eventTypes active }
    secret
    errors { field code message }
  }
}"""
UPDATE = """
mutation($input: UpdateWebhookEndpointInput!) {
  updateWebhookEndpoint(input: $input) { endpoint { id active url } errors { field code message } }
}"""
ROTATE = """
mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret errors { field code } } }"""
REPLAY = """
mutation($input: ReplayWebhookDeliveriesInput!) {
  replayWebhookDeliveries(input: $input) { queued nextCursor errors { field code } }
}"""
DELIVERIES = """
query($id: ID!, $after: String) {
  webhookEndpoint(id: $id) {
    url
    deliveries(first: 2, after: $after) {
      totalCount
      edges { cursor node { id status attempts replay lastStatusCode lastError lastAttemptAt eventCursor
                            event { objectType objectId change } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""


async def test_an_integrator_registers_an_endpoint_and_reads_its_deliveries(client, session):
    enterprise = await make_enterprise(session)
    admin = await make_user(session, "enterprise_admin", enterprise=enterprise)
    token = await bearer_token(session, admin)
    data = await graphql_data(
        client,
        REGISTER,
        {"input": {"url": "https://hooks.example.com/pw", "eventTypes": ["PERMIT", "ENTERPRISE"]}},
        token=token,
    )
    payload = data["registerWebhookEndpoint"]
    assert payload["errors"] == []
    assert payload["secret"].startswith("whsec_") and len(payload["secret"]) > 40
    endpoint = payload["endpoint"]
    assert endpoint["eventTypes"] == ["ENTERPRISE", "PERMIT"] and endpoint["active"] is True
    stored = await session.get(WebhookEndpoint, int(endpoint["id"]))
    assert stored is not None and stored.secret == payload["secret"]
    # The secret is never read back: only a rotation makes (and shows) a new one.
    rotated = (await graphql_data(client, ROTATE, {"id": endpoint["id"]}, token=token))["rotateWebhookSecret"]
    assert rotated["errors"] == [] and rotated["secret"] != payload["secret"]

    # Three deliveries, as the worker leaves them: paged newest first with their last attempts.
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
    for replay, status in enumerate(("delivered", "failed", "pending")):
        session.add(
            WebhookDelivery(
                endpoint_id=int(endpoint["id"]),
                event_id=event.id,
                replay=replay,
                status=status,
                attempts=1 if status != "failed" else 8,
                last_status_code=None if status == "pending" else (204 if status == "delivered" else 503),
                last_error="HTTP 503" if status == "failed" else "",
                last_attempt_at=None if status == "pending" else utcnow(),
            )
        )
    await session.flush()
    page = (await graphql_data(client, DELIVERIES, {"id": endpoint["id"]}, token=token))["webhookEndpoint"]
    deliveries = page["deliveries"]
    assert deliveries["totalCount"] == 3 and deliveries["pageInfo"]["hasNextPage"] is True
    nodes = [edge["node"] for edge in deliveries["edges"]]
    assert [(n["status"], n["replay"]) for n in nodes] == [("PENDING", True), ("FAILED", True)]
    assert (nodes[1]["attempts"], nodes[1]["lastStatusCode"], nodes[1]["lastError"]) == (8, 503, "HTTP 503")
    assert nodes[0]["event"] == {
        "objectType": "ENTERPRISE",
        "objectId": str(enterprise.id),
        "change": "UPDATED",
    }
    rest = await graphql_data(
        client, DELIVERIES, {"id": endpoint["id"], "after": deliveries["pageInfo"]["endCursor"]}, token=token
    )
    last = rest["webhookEndpoint"]["deliveries"]
    assert [e["node"]["status"] for e in last["edges"]] == ["DELIVERED"]
    assert last["pageInfo"]["hasNextPage"] is False

    # Replay one of them: a new delivery, marked as a replay; a bad cursor is named.
    replay = await graphql_data(
        client, REPLAY, {"input": {"endpointId": endpoint["id"], "deliveryId": nodes[1]["id"]}}, token=token
    )
    assert replay["replayWebhookDeliveries"] == {"queued": 1, "nextCursor": None, "errors": []}
    bad = await graphql_data(
        client, REPLAY, {"input": {"endpointId": endpoint["id"], "after": "not-a-cursor"}}, token=token
    )
    assert bad["replayWebhookDeliveries"]["errors"] == [{"field": "after", "code": "cursor"}]
    paused = await graphql_data(
        client, UPDATE, {"input": {"id": endpoint["id"], "active": False}}, token=token
    )
    assert paused["updateWebhookEndpoint"]["endpoint"]["active"] is False
    actions = (
        await session.exec(
            select(AuditEntry.action).where(
                AuditEntry.object_type == "webhook_endpoint", AuditEntry.object_id == endpoint["id"]
            )
        )
    ).all()
    assert sorted(actions) == ["webhook.register", "webhook.replay", "webhook.rotate", "webhook.update"]


async def test_bad_input_is_named_by_field_and_writes_nothing(client, session):
    admin = await make_user(session, "enterprise_admin")
    token = await bearer_token(session, admin)
    before = (await count(session, WebhookEndpoint), await count(session, AuditEntry))
    cases = [
        ({"url": "", "eventTypes": ["PERMIT"]}, [("url", "required")]),
        ({"url": "ftp://hooks.example.com/x", "eventTypes": ["PERMIT"]}, [("url", "url")]),
        ({"url": "javascript:alert(1)", "eventTypes": ["PERMIT"]}, [("url", "url")]),
        ({"url": "=cmd|' /C calc'!A0", "eventTypes": ["PERMIT"]}, [("url", "url")]),
        ({"url": "https://hooks.example.com/a b", "eventTypes": ["PERMIT"]}, [("url", "url")]),
        ({"url": "https://" + "a" * 2000 + ".com/", "eventTypes": ["PERMIT"]}, [("url", "too_long")]),
        ({"url": "https://user:pw@hooks.example.com/", "eventTypes": ["PERMIT"]}, [("url", "url")]),
        ({"url": "http://127.0.0.1:8000/graphql", "eventTypes": ["PERMIT"]}, [("url", "private_address")]),
        ({"url": "http://10.1.2.3/", "eventTypes": ["PERMIT"]}, [("url", "private_address")]),
        ({"url": "http://[::1]/", "eventTypes": ["PERMIT"]}, [("url", "private_address")]),
        ({"url": "http://169.254.169.254/latest", "eventTypes": ["PERMIT"]}, [("url", "private_address")]),
        ({"url": "http://localhost/", "eventTypes": ["PERMIT"]}, [("url", "private_address")]),
        ({"url": "https://hooks.example.com:99999/", "eventTypes": ["PERMIT"]}, [("url", "url")]),
        ({"url": "ftp://x", "eventTypes": []}, [("url", "url"), ("eventTypes", "required")]),
    ]
    for values, expected in cases:
        data = await graphql_data(client, REGISTER, {"input": values}, token=token)
        payload = data["registerWebhookEndpoint"]
        assert [(e["field"], e["code"]) for e in payload["errors"]] == expected, values
        assert payload["secret"] is None and all(e["message"] for e in payload["errors"])
    # An event type that is not one of the feed's is refused by the schema itself, before anything runs.
    response = await graphql(
        client,
        REGISTER,
        {"input": {"url": "https://hooks.example.com/", "eventTypes": ["PASSWORD"]}},
        token=token,
    )
    assert "errors" in response.json()
    # A NUL byte is refused before any resolver runs (the API's input guard), naming the argument.
    response = await graphql(
        client,
        REGISTER,
        {"input": {"url": "https://hooks.example.com/\x00", "eventTypes": ["PERMIT"]}},
        token=token,
    )
    assert response.json()["errors"][0]["extensions"]["field"] == "input.url"
    assert (await count(session, WebhookEndpoint), await count(session, AuditEntry)) == before


async def test_someone_elses_endpoint_is_not_found(client, session):
    owner = await make_user(session, "enterprise_admin")
    stranger = await make_user(session, "enterprise_admin")
    owner_token, stranger_token = await bearer_token(session, owner), await bearer_token(session, stranger)
    data = await graphql_data(
        client,
        REGISTER,
        {"input": {"url": "https://hooks.example.com/a", "eventTypes": ["PERMIT"]}},
        token=owner_token,
    )
    endpoint_id = data["registerWebhookEndpoint"]["endpoint"]["id"]
    before = await count(session, AuditEntry)
    assert (await graphql_data(client, DELIVERIES, {"id": endpoint_id}, token=stranger_token)) == {
        "webhookEndpoint": None
    }
    changed = await graphql_data(
        client,
        UPDATE,
        {"input": {"id": endpoint_id, "url": "https://evil.example.com/"}},
        token=stranger_token,
    )
    assert [(e["field"], e["code"]) for e in changed["updateWebhookEndpoint"]["errors"]] == [
        ("id", "not_found")
    ]
    rotated = await graphql_data(client, ROTATE, {"id": endpoint_id}, token=stranger_token)
    assert rotated["rotateWebhookSecret"] == {
        "secret": None,
        "errors": [{"field": "id", "code": "not_found"}],
    }
    replayed = await graphql_data(
        client,
        REPLAY,
        {"input": {"endpointId": endpoint_id, "after": None, "deliveryId": "1"}},
        token=stranger_token,
    )
    assert replayed["replayWebhookDeliveries"]["errors"] == [{"field": "endpointId", "code": "not_found"}]
    for huge in ("2147483648", "99999999999999999999"):
        gone = await graphql_data(client, ROTATE, {"id": huge}, token=owner_token)
        assert gone["rotateWebhookSecret"]["errors"] == [{"field": "id", "code": "not_found"}]
    mine = await graphql_data(client, "{ webhookEndpoints { id } }", token=stranger_token)
    assert mine == {"webhookEndpoints": []}
    stored = await session.get(WebhookEndpoint, int(endpoint_id))
    assert stored is not None and stored.url == "https://hooks.example.com/a"
    assert await count(session, AuditEntry) == before
    # A read-only token may not manage endpoints.
    reader = await bearer_token(session, owner, scopes=["read"])
    refused = await graphql_data(
        client,
        REGISTER,
        {"input": {"url": "https://hooks.example.com/b", "eventTypes": ["PERMIT"]}},
        token=reader,
    )
    assert refused["registerWebhookEndpoint"]["errors"][0]["code"] == "forbidden"
