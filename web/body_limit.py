"""A limit on the size of every request body, enforced while the body streams in.

A declared Content-Length above the limit is refused before anything is read; a body
without one (chunked) is counted as it arrives and refused as soon as it passes the limit,
so no more than the limit is ever read, whatever the client claims. The limit depends on
what is sent: GraphQL documents, ordinary forms, and multipart uploads (forms with a file)
each have their own (settings ``MAX_*_BODY_BYTES``). The refusal is a 413 stating the limit,
written by the application's ``on_refused`` (an error page, or a GraphQL error).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MIB = 1024 * 1024

Refusal = Callable[[Scope, Receive, Send, int], Awaitable[None]]


class BodyTooLarge(Exception):
    """Raised from ``receive`` when the body passes its limit; answered with a 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body larger than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class BodyLimits:
    graphql: int
    form: int
    upload: int
    graphql_prefix: str = "/graphql"

    def for_request(self, scope: Scope) -> int:
        if scope["path"].startswith(self.graphql_prefix):
            return self.graphql
        content_type = Headers(scope=scope).get("content-type", "")
        return self.upload if content_type.lower().startswith("multipart/form-data") else self.form


def readable_size(size: int) -> str:
    """1048576 -> '1 MB', 65536 -> '64 KB' (binary units, as people read file sizes)."""
    if size >= MIB and size % MIB == 0:
        return f"{size // MIB} MB"
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KB"
    return f"{size} B"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limits: BodyLimits, on_refused: Refusal) -> None:
        self.app = app
        self.limits = limits
        self.on_refused = on_refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.for_request(scope)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self.on_refused(scope, _nothing, send, limit)
            return

        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge as refused:
            if started:  # too late to answer 413: the response is on its way
                raise
            await self.on_refused(scope, _nothing, send, refused.limit)


async def _nothing() -> Message:
    """What a refusal reads of the body: nothing (the rest is never read)."""
    return {"type": "http.request", "body": b"", "more_body": False}
