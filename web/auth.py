"""Who is calling: the session cookie or the bearer token of a request, made into an ``Actor``.

One module for both faces. The portal knows its users by the session cookie (``session_actor``);
the GraphQL API by a bearer token, or by the same session cookie when the request also carries the
session's CSRF token in its header (``authenticate``). A session is looked up in the database on every
request (``domain.actors``); a token's answer may be remembered by the process, checked against the
credential version before an operation runs (``web.token_cache``). Either way an ended session or a
revoked token counts for nothing from the next request on.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from domain.access import ANONYMOUS, Actor
from domain.accounts.service.sessions import touch_session
from domain.accounts.service.tokens import touch_api_token
from domain.actors import actor_for_session
from domain.db import Database
from domain.errors import N_
from web.csrf import HEADER as CSRF_HEADER
from web.csrf import SESSION_CSRF, tokens_match
from web.request_context import request_id as current_request_id
from web.token_cache import token_cache

# The signed cookie holds the key of a server-side session record (domain.accounts: UserSession) and the
# session's CSRF token (web.csrf.SESSION_CSRF); who the user is, and whether the session still stands, is
# read from the database.
SESSION_KEY = "sk"


class InvalidToken(Exception):
    """The request's credentials are unacceptable (a bad bearer token): refused before anything runs."""

    status_code = 401
    code = "invalid_token"

    def __init__(self) -> None:
        self.message = N_("The API token is not valid: it is unknown, revoked or its account is disabled.")
        super().__init__(self.message)
        self.params: dict[str, object] = {}
        self.headers = {"WWW-Authenticate": 'Bearer error="invalid_token"'}


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
                db_session, key=key, channel=channel, request_id=current_request_id(connection)
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


async def authenticate(
    connection: HTTPConnection, db: Database, *, request_id: str, remembered: bool = False
) -> Actor:
    """The API caller: a bearer token, else a portal session proven by its CSRF header, else the public.

    A browser sends the session cookie with any cross-site POST; only a page of ours
    can read the session's CSRF token and echo it, so without it the cookie counts
    for nothing. Raises ``InvalidToken`` for a bad bearer token.
    """
    authorization = connection.headers.get("authorization")
    if authorization is not None:
        # A caller who sends credentials means to be someone: bad credentials are an
        # error, never a silent downgrade to anonymous access.
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidToken()
        token = token.strip()
        # ``remembered``: the caller checks the credential version before anything runs (the GraphQL
        # endpoint, in its rate budget's statement: web.token_cache), so the answer may come from memory.
        cache = token_cache(db)
        answer = await (cache.lookup if remembered else cache.read)(token, request_id=request_id)
        lookup = answer.lookup
        if lookup is None:
            raise InvalidToken()
        if lookup.touch_due:
            async with db.statements(write=True) as statement_connection:
                await touch_api_token(statement_connection, token_id=lookup.token_id)
        connection.state.api_token_id = lookup.token_id  # the rate budget is per token
        connection.state.credential_version = answer.version
        return lookup.actor
    cookie = connection.scope.get("session") or {}
    if cookie.get(SESSION_KEY) is not None and tokens_match(
        cookie.get(SESSION_CSRF), connection.headers.get(CSRF_HEADER)
    ):
        return await session_actor(connection, db, channel="graphql")
    return ANONYMOUS


async def recheck(connection: HTTPConnection, db: Database, *, request_id: str) -> Actor | None:
    """The bearer token's actor read again from the database (credentials changed since it was read):
    None when it is refused now."""
    _scheme, _, token = (connection.headers.get("authorization") or "").partition(" ")
    answer = await token_cache(db).read(token.strip(), request_id=request_id)
    if answer.lookup is None:
        return None
    connection.state.credential_version = answer.version
    return answer.lookup.actor
