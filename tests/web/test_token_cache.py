"""The per-process memory of bearer tokens (web/token_cache.py): whatever another process changes about a
token's actor holds in this one from its next request, also while this one answers from memory.

Two applications, each with its own ``Database`` on one committed database, stand for two processes
(tests/platform/test_two_nodes.py does the same with two servers). On SQLite nothing is remembered: every
request reads its token, and the same behaviour is checked there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from domain.access import Actor, operator
from domain.accounts.service.tokens import create_api_token, revoke_api_token, touch_api_token
from domain.accounts.service.users import create_user, set_user_active
from domain.actors import actor_for
from domain.db import Database
from domain.settings import get_settings
from server.app import create_app
from tests.conftest import database_kind

ON_POSTGRESQL = database_kind() == "postgresql"
ME = "{ viewer { username } }"


@dataclass
class Node:
    db: Database
    http: httpx.AsyncClient
    statements: int = 0

    async def ask(
        self, token: str, query: str = ME, variables: dict[str, Any] | None = None
    ) -> httpx.Response:
        return await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
        )


@dataclass
class Two:
    a: Node
    b: Node
    token: str
    token_id: int
    owner: Actor


@pytest.fixture
async def two(fresh_database_url: str) -> AsyncIterator[Two]:
    nodes = []
    for _ in range(2):
        db = Database(fresh_database_url)
        app = create_app(get_settings(), db)
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        node = Node(db, http)
        for engine in db.engines:
            sa.event.listen(engine.sync_engine, "before_cursor_execute", lambda *_a, n=node: _count(n))
        nodes.append(node)
    async with nodes[0].db.transaction() as session:
        user = await create_user(
            session,
            operator(),
            username="cache-reader",
            password="a-long-password-1",
            role="permitting",
            region_code="370100",
        )
        await session.flush()
        owner = actor_for(user, channel="graphql")
        plain, token = await create_api_token(session, owner, name="cache")
    assert token.id is not None
    yield Two(nodes[0], nodes[1], plain, token.id, owner)
    for node in nodes:
        await node.http.aclose()
        await node.db.dispose()


def _count(node: Node) -> None:
    node.statements += 1


async def test_a_token_revoked_on_one_process_is_refused_by_the_other_while_it_remembers_it(two):
    spent = []
    for _ in range(4):
        before = two.b.statements
        answered = await two.b.ask(two.token)
        assert answered.json()["data"]["viewer"]["username"] == "cache-reader", answered.text
        spent.append(two.b.statements - before)
    if ON_POSTGRESQL:  # remembered: neither the version nor the token is read again
        assert spent[3] <= spent[0] - 2
    async with two.a.db.transaction() as session:
        await touch_api_token(session, token_id=two.token_id)  # using a token changes no actor
    before = two.b.statements
    assert (await two.b.ask(two.token)).status_code == 200
    if ON_POSTGRESQL:
        assert two.b.statements - before == spent[3]
    revoked = await two.a.ask(
        two.token,
        "mutation($id: ID!) { revokeApiToken(id: $id) { errors { code } } }",
        {"id": str(two.token_id)},
    )
    assert revoked.json()["data"]["revokeApiToken"]["errors"] == []
    refused = await two.b.ask(two.token)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["code"] == "invalid_token"
    assert refused.json().get("data") is None
    assert (await two.b.ask(two.token)).status_code == 401


async def test_an_account_disabled_on_one_process_is_refused_by_the_other(two):
    for _ in range(3):
        assert (await two.b.ask(two.token)).status_code == 200
    async with two.a.db.transaction() as session:
        await set_user_active(session, operator(), username="cache-reader", active=False)
    refused = await two.b.ask(two.token)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["code"] == "invalid_token"


async def test_a_token_revoked_elsewhere_cannot_write_here(two):
    for _ in range(3):
        assert (await two.b.ask(two.token)).status_code == 200
    async with two.a.db.transaction() as session:
        await revoke_api_token(session, two.owner, token_id=two.token_id)
    refused = await two.b.ask(
        two.token, 'mutation { createApiToken(input: {name: "more"}) { token errors { code } } }'
    )
    assert refused.status_code == 401
    assert refused.json().get("data") is None
    async with two.a.db.read() as session:
        names = (await session.exec(sa.text("SELECT name FROM api_token"))).all()
    assert [row[0] for row in names] == ["cache"]
