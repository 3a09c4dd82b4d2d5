"""Helpers shared by the GraphQL tests (no tests here)."""

from __future__ import annotations

import json
from base64 import b64encode
from typing import Any

import itsdangerous
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.accounts.models import User
from domain.accounts.service.tokens import create_api_token
from tests.factories import actor

GRAPHQL = "/graphql"
SESSION_COOKIE = "pw_session"


async def bearer_token(session: AsyncSession, user: User, *, scopes: list[str] | None = None) -> str:
    """A plain API token of the user, visible to the app (same connection, flushed)."""
    plain, _token = await create_api_token(session, actor(user), name="tests", scopes=scopes)
    await session.flush()
    return plain


async def graphql(
    client: Any,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """POST a GraphQL operation; returns the httpx response."""
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    return await client.post(GRAPHQL, json={"query": query, "variables": variables or {}}, headers=sent)


async def graphql_data(
    client: Any, query: str, variables: dict[str, Any] | None = None, **kwargs: Any
) -> Any:
    """The ``data`` of a successful operation (fails the test on any GraphQL error)."""
    response = await graphql(client, query, variables, **kwargs)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def session_cookie(secret_key: str, values: dict[str, Any]) -> str:
    """A portal session cookie, signed as Starlette's SessionMiddleware signs it."""
    data = b64encode(json.dumps(values).encode())
    return itsdangerous.TimestampSigner(secret_key).sign(data).decode()


async def count(session: AsyncSession, model: type[Any]) -> int:
    return int((await session.exec(select(func.count()).select_from(model))).one())


async def user_count(session: AsyncSession) -> int:
    return await count(session, User)
