"""Per-request context: request id, locale and the acting user, shared by portal and GraphQL."""

from __future__ import annotations

import uuid

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.access import ANONYMOUS, Actor
from domain.accounts.service.sessions import touch_session
from domain.actors import actor_for_session
from domain.db import Database
from domain.i18n import SUPPORTED_LOCALES, negotiate

LOCALE_COOKIE = "pw_locale"
# The signed cookie holds the key of a server-side session record (domain.accounts: UserSession) and the
# session's CSRF token; who the user is, and whether the session still stands, is read from the database.
SESSION_KEY = "sk"
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
    """The actor of the session cookie, or the public when there is none or its session was ended (logged
    out, ended from "my sessions" or by an administrator, password changed elsewhere, account disabled)."""
    cached = getattr(connection.state, "actor", None)
    if cached is not None:
        return cached
    actor = ANONYMOUS
    session = connection.scope.get("session") or {}
    key = session.get(SESSION_KEY)
    if isinstance(key, str):
        async with db.read() as db_session:
            lookup = await actor_for_session(
                db_session, key=key, channel=channel, request_id=request_id(connection)
            )
        if lookup is None:
            session.clear()
        else:
            actor = lookup.actor
            if lookup.touch_due:
                async with db.transaction() as db_session:
                    await touch_session(db_session, session_id=lookup.session_id)
    elif session:
        session.pop("uid", None)  # a cookie of before server-side sessions: it no longer logs anyone in
        session.pop("sv", None)
    connection.state.actor = actor
    return actor
