"""The change feed through the API, as the integrator guide's example reads it."""

from __future__ import annotations

import httpx
import pytest

from domain.db import Database
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
