"""Per-request context: request id, locale and the acting user, shared by portal and GraphQL."""

from __future__ import annotations

import uuid

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.access import ANONYMOUS, Actor
from domain.accounts.service import actor_for_user, user_for_session
from domain.db import Database
from domain.i18n import SUPPORTED_LOCALES, negotiate

LOCALE_COOKIE = "pw_locale"
SESSION_USER = "uid"
SESSION_VERSION = "sv"
SESSION_CSRF = "csrf"


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

        async def send_with_id(message: dict) -> None:  # type: ignore[type-arg]
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


async def session_actor(connection: HTTPConnection, db: Database, *, channel: str = "portal") -> Actor:
    """The actor of a signed session cookie, or the public when there is none (or it is stale)."""
    cached = getattr(connection.state, "actor", None)
    if cached is not None:
        return cached
    actor = ANONYMOUS
    session = connection.scope.get("session") or {}
    user_id = session.get(SESSION_USER)
    if isinstance(user_id, int):
        async with db.read() as db_session:
            user = await user_for_session(
                db_session, user_id=user_id, session_version=int(session.get(SESSION_VERSION, 0))
            )
            if user is not None:
                actor = await actor_for_user(
                    db_session, user, channel=channel, request_id=request_id(connection)
                )
        if user is None:
            session.clear()
    connection.state.actor = actor
    return actor
