"""Helpers for driving the portal over HTTP as a browser would (forms with CSRF tokens)."""

from __future__ import annotations

import re

import httpx

from tests.factories import PASSWORD

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


async def csrf_token(client: httpx.AsyncClient, path: str = "/login") -> str:
    response = await client.get(path)
    return csrf_from(response.text)


async def log_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    token = await csrf_token(client)
    response = await client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token, "next": "/"}
    )
    return response


async def post_form(client: httpx.AsyncClient, path: str, data: dict, *, page: str = "/") -> httpx.Response:  # type: ignore[type-arg]
    token = await csrf_token(client, page)
    return await client.post(path, data={**data, "csrf_token": token})
