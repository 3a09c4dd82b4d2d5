"""CSRF protection for every state-changing portal request.

The token lives in the signed session; forms send it as ``csrf_token``, htmx
sends it in the ``X-CSRF-Token`` header (set once on <body> with hx-headers).
GraphQL is exempt here: it authenticates by bearer token, and a session cookie
counts there only together with the same header (see web.auth.authenticate).
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"
MAX_FORM_BYTES = 50 * 1024 * 1024
# The key of the session's CSRF token in the signed session cookie (beside web.auth.SESSION_KEY).
SESSION_CSRF = "csrf"


def csrf_token(session: dict) -> str:  # type: ignore[type-arg]
    token = session.get(SESSION_CSRF)
    if not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_CSRF] = token
    return str(token)


def tokens_match(expected: object, given: object) -> bool:
    return (
        isinstance(expected, str)
        and isinstance(given, str)
        and bool(expected)
        and secrets.compare_digest(expected.encode(), given.encode())
    )


class CSRFMiddleware:
    def __init__(self, app: ASGIApp, *, exempt_prefixes: tuple[str, ...], on_failure: ASGIApp) -> None:
        self.app = app
        self.exempt_prefixes = exempt_prefixes
        self.on_failure = on_failure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in SAFE_METHODS
            or scope["path"].startswith(self.exempt_prefixes)
        ):
            await self.app(scope, receive, send)
            return
        expected = scope.get("session", {}).get(SESSION_CSRF)
        headers = Headers(scope=scope)
        given = headers.get(HEADER)
        replay = receive
        if given is None:
            body, replay = await buffer_body(receive)
            given = await _form_token(scope, headers, body)
        if not tokens_match(expected, given):
            await self.on_failure(scope, replay, send)
            return
        await self.app(scope, replay, send)


async def buffer_body(receive: Receive, limit: int = MAX_FORM_BYTES) -> tuple[bytes, Receive]:
    """The body (empty when it runs past ``limit``) and a ``receive`` that replays all of it."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more and size <= limit:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return (body if not more else b""), replay


async def _form_token(scope: Scope, headers: Headers, body: bytes) -> str | None:
    content_type = headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(FORM_FIELD)
        return values[0] if values else None
    if content_type.startswith("multipart/form-data"):

        async def receive_body() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        form = await Request(scope, receive_body).form()
        value = form.get(FORM_FIELD)
        await form.close()
        return value if isinstance(value, str) else None
    return None
