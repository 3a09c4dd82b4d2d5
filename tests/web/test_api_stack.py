"""An API call without cookies takes a shorter middleware stack (server.app.Application.api_stack); what
the caller gets is what the whole stack answers: the same status, headers and body."""

from __future__ import annotations

import re

import httpx
import pytest
from secure.middleware import SecureASGIMiddleware

from server.app import create_app, is_plain_api_call
from web.security_headers import _Secured, graphiql_policy, portal_policy

QUERY = {"query": "{ __typename }"}


def _scope(**overrides: object) -> dict[str, object]:
    scope: dict[str, object] = {
        "type": "http",
        "method": "POST",
        "path": "/graphql",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"authorization", b"Bearer x")],
    }
    return scope | overrides


@pytest.mark.parametrize(
    ("overrides", "plain"),
    [
        ({}, True),
        ({"headers": [(b"cookie", b"pw_session=abc")]}, False),  # a portal session may authenticate it
        ({"headers": [(b"cookie", b"elsewhere=1")]}, False),
        ({"query_string": b"a=%00"}, False),  # the input guard looks at the query string
        ({"method": "GET"}, False),  # GraphiQL and refused GET queries
        ({"path": "/graphql/"}, False),
        ({"path": "/login"}, False),
        ({"type": "websocket"}, False),
    ],
)
def test_only_a_post_to_graphql_without_cookies_or_query_string_takes_the_api_stack(overrides, plain):
    assert is_plain_api_call(_scope(**overrides)) is plain


def _comparable(response: httpx.Response) -> tuple[int, list[tuple[str, str]], str]:
    # What differs between two requests: the request id, the budget left (each call spends some), and the
    # fresh CSRF token an error page offers a request without a session.
    text = re.sub(r"[0-9a-f]{32}", "<request id>", response.text)
    text = re.sub(r'(X-CSRF-Token": "|name="csrf_token" value=")[^"]*', r"\1<fresh token>", text)
    text = re.sub(r'"remaining":\d+', '"remaining":<left>', text)
    headers = [(k, v) for k, v in response.headers.items() if k not in ("x-request-id", "content-length")]
    return response.status_code, headers, text


def _same_answer(plain: httpx.Response, whole: httpx.Response) -> None:
    assert _comparable(plain) == _comparable(whole)
    assert len(plain.content) == len(whole.content)


async def test_an_api_call_answers_the_same_with_or_without_an_unrelated_cookie(client):
    plain = await client.post("/graphql", json=QUERY)
    whole = await client.post("/graphql", json=QUERY, headers={"Cookie": "elsewhere=1"})

    assert plain.status_code == 200 and plain.json()["data"] == {"__typename": "Query"}
    assert len(plain.headers["x-request-id"]) == 32
    assert "set-cookie" not in plain.headers and "set-cookie" not in whole.headers
    _same_answer(plain, whole)


async def test_refusals_on_the_api_stack_are_the_whole_stacks(client):
    too_large = {"content": b"x" * (17 * 1024 * 1024), "headers": {"Content-Type": "application/json"}}
    for request in (
        {"json": {"query": "{ nope }"}},  # a GraphQL error
        {"content": b"{not json", "headers": {"Content-Type": "application/json"}},  # 400
        {"json": QUERY, "headers": {"Authorization": "Bearer not-a-token"}},  # 401
        too_large,  # 413, from the body limit
    ):
        headers = request.get("headers", {})
        plain = await client.post("/graphql", **request)
        whole = await client.post("/graphql", **(request | {"headers": headers | {"Cookie": "elsewhere=1"}}))
        assert plain.status_code in (200, 400, 401, 413)
        _same_answer(plain, whole)


async def test_a_large_answer_is_compressed_on_the_api_stack(client):
    query = {"query": "{ __schema { types { name description } } }"}
    plain = await client.post("/graphql", json=query, headers={"Accept-Encoding": "gzip"})

    assert plain.headers["content-encoding"] == "gzip"
    assert len(plain.json()["data"]["__schema"]["types"]) > 50


async def test_an_error_escaping_the_endpoint_is_the_same_500_page(db, settings, monkeypatch):
    from graphql_schema.app import PermitwatchGraphQL

    async def broken(*_args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(PermitwatchGraphQL, "__call__", broken)
    app = create_app(settings, db)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as plain_client:
        plain = await plain_client.post("/graphql", json=QUERY)
        whole = await plain_client.post("/graphql", json=QUERY, headers={"Cookie": "elsewhere=1"})

    assert plain.status_code == 500
    assert plain.headers["x-frame-options"] == "DENY"
    _same_answer(plain, whole)


async def _headers_set_by(wrap, response_headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    async def endpoint(_scope, _receive, send) -> None:  # type: ignore[no-untyped-def]
        await send({"type": "http.response.start", "status": 200, "headers": list(response_headers)})
        await send({"type": "http.response.body", "body": b""})

    sent: list[dict[str, object]] = []

    async def send(message) -> None:  # type: ignore[no-untyped-def]
        sent.append(message)

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b""}

    await wrap(endpoint)({"type": "http", "method": "GET", "path": "/"}, receive, send)
    return sent[0]["headers"]  # type: ignore[return-value]


@pytest.mark.parametrize("https", [False, True])
@pytest.mark.parametrize(
    "response_headers",
    [
        [(b"content-type", b"text/html")],
        [(b"content-type", b"text/html"), (b"X-Frame-Options", b"SAMEORIGIN")],  # replaced
        [(b"content-security-policy", b"default-src *"), (b"content-length", b"0")],  # may repeat: kept
    ],
)
async def test_the_security_headers_are_those_secures_middleware_sets(https, response_headers):
    for policy in (portal_policy(https=https), graphiql_policy(https=https, page="<script>x()</script>")):
        ours = await _headers_set_by(lambda app, policy=policy: _Secured(app, policy), response_headers)
        theirs = await _headers_set_by(
            lambda app, policy=policy: SecureASGIMiddleware(app, secure=policy), response_headers
        )
        assert ours == theirs
