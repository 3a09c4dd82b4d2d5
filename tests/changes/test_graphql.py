"""The change feed through the API, as the integrator guide's example reads it."""

from __future__ import annotations

import httpx
import pytest

from domain.db import Database
from tests.changes.helpers import settle
from tests.changes.test_feed import database  # noqa: F401  (the module's committed database)
from tests.factories import make_enterprise, make_permit, make_user
from tests.graphql_helpers import bearer_token, graphql

SYNC = """
query Sync($after: String) {
  changes(after: $after, types: [PERMIT, ENTERPRISE], first: 1) {
    edges { cursor node { objectType objectId objectKey change action occurredAt } }
    pageInfo { endCursor hasNextPage }
  }
}
"""


@pytest.fixture
async def api(database: Database, settings):  # type: ignore[no-untyped-def]  # noqa: F811
    from server.app import create_app

    transport = httpx.ASGITransport(app=create_app(settings, database), client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_an_integrator_syncs_permits_through_the_api(database, api):  # noqa: F811
    async with database.transaction() as session:
        enterprise = await make_enterprise(session)
        permit = await make_permit(session, enterprise)
        token = await bearer_token(
            session, await make_user(session, "enterprise_admin", enterprise=enterprise)
        )
    await settle(database)
    seen, after = [], None
    while True:
        body = (await graphql(api, SYNC, {"after": after}, token=token)).json()
        assert "errors" not in body, body
        page = body["data"]["changes"]
        seen += [edge["node"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    # The unit's administrator sees its own unit and permit, nothing of other tests' units.
    assert [(n["objectType"], n["objectId"], n["change"]) for n in seen] == [
        ("ENTERPRISE", str(enterprise.id), "CREATED"),
        ("PERMIT", str(permit.id), "CREATED"),
    ]
    assert seen[1]["objectKey"] == permit.number
    assert seen[1]["occurredAt"].endswith("+00:00")
    body = (await graphql(api, SYNC, {"after": after}, token=token)).json()
    assert body["data"]["changes"] == {"edges": [], "pageInfo": {"endCursor": after, "hasNextPage": False}}
    body = (await graphql(api, SYNC, {"after": "nonsense"}, token=token)).json()
    assert body["errors"][0]["extensions"]["field"] == "after"


READINGS = """
query Readings($number: String!) {
  monitoringReadings(permitNumber: $number, includeVoid: true, first: 10) {
    nodes { id enteredAt voidedAt updatedAt }
  }
}
"""


async def test_updated_at_is_the_last_change_the_feed_reports(database, api):  # noqa: F811
    from domain.clock import utcnow
    from domain.ledgers.service import readings
    from tests.factories import actor
    from tests.ledgers.test_ledgers import day_start, hours

    async with database.transaction() as session:
        enterprise = await make_enterprise(session)
        permit = await make_permit(session, enterprise)
        user = await make_user(session, "enterprise_staff", enterprise=enterprise)
        token = await bearer_token(session, user)
        await readings.record_readings(
            session, actor(user), permit_number=permit.number, readings=hours(day_start(5), [1.0, 2.0])
        )
    async with database.read() as session:
        from sqlmodel import select

        from domain.ledgers.models import MonitoringReading

        first_id = min(
            (
                await session.exec(
                    select(MonitoringReading.id).where(MonitoringReading.permit_id == permit.id)
                )
            ).all()
        )
    before_void = utcnow()
    async with database.transaction() as session:
        await readings.void_reading(session, actor(user), reading_id=first_id, reason="仪器故障")
    body = (await graphql(api, READINGS, {"number": permit.number}, token=token)).json()
    assert "errors" not in body, body
    nodes = {int(n["id"]): n for n in body["data"]["monitoringReadings"]["nodes"]}
    voided = nodes[first_id]
    assert voided["voidedAt"] is not None
    assert voided["updatedAt"].endswith("+00:00")
    assert voided["updatedAt"] >= before_void.isoformat()[:19]
    kept = [n for i, n in nodes.items() if i != first_id]
    assert kept and all(n["updatedAt"][:19] == n["enteredAt"][:19] for n in kept)
