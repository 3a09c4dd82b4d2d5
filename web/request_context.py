"""Per-request context: the request id and the locale, set once for both faces (portal and GraphQL)."""

from __future__ import annotations

import uuid

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.i18n import SUPPORTED_LOCALES, negotiate

LOCALE_COOKIE = "pw_locale"


class RequestContextMiddleware:
    """Gives every request an id (echoed as X-Request-ID) and a locale."""

    def __init__(self, app: ASGIApp, default_locale: str) -> None:
        self.app = app
        self.default_locale = default_locale

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        request_id = uuid.uuid4().hex
        chosen = connection.query_params.get("lang") or connection.cookies.get(LOCALE_COOKIE)
        locale = (
            chosen
            if chosen in SUPPORTED_LOCALES
            else negotiate(connection.headers.get("accept-language"), self.default_locale)
        )
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["locale"] = locale

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_id)


def request_locale(connection: HTTPConnection) -> str:
    return getattr(connection.state, "locale", "zh_Hans")


def request_id(connection: HTTPConnection) -> str | None:
    return getattr(connection.state, "request_id", None)
