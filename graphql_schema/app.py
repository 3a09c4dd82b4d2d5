"""The GraphQL endpoint, mounted at /graphql by the application (server.app).

GraphiQL stays on for integrators (served from vendored copies, see graphiql_page);
queries over GET are off (a cross-site GET must not run a query with someone's
session). Problems with the HTTP request itself (a bad bearer token, a GET query,
a malformed body) are answered with an HTTP status and a JSON body in the GraphQL
error shape.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import strawberry
from cross_web import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http.ides import get_graphql_ide_html

from domain.access import Actor
from domain.db import Database, database_unavailable
from domain.errors import N_
from domain.i18n import translate
from domain.settings import Settings
from graphql_schema.context import GraphQLContext, request_id, request_locale
from graphql_schema.limits import RateBudget
from graphql_schema.schema import make_schema
from web.auth import InvalidToken, authenticate
from web.body_limit import BodyTooLarge, readable_size
from web.unavailable import (
    RETRY_AFTER_SECONDS,
    retry_after_headers,
    unavailable_message,
)

log = logging.getLogger("permitwatch.graphql")

HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


GRAPHIQL_CDN = "https://unpkg.com/"
GRAPHIQL_VENDORED = "/static/vendor/graphiql/"


@lru_cache(maxsize=1)
def graphiql_page() -> str:
    """strawberry's GraphiQL page, its scripts and styles loaded from the copies vendored here.

    The copies are the CDN's files byte for byte (the page's integrity hashes still check them), so
    GraphiQL works where browsers cannot reach the CDN, under a policy allowing only this site.
    """
    return get_graphql_ide_html("graphiql").replace(GRAPHIQL_CDN, GRAPHIQL_VENDORED)


@lru_cache(maxsize=8)
def _schema(
    max_depth: int, max_tokens: int, max_aliases: int, max_cost: int, list_estimate: int
) -> strawberry.Schema:
    return make_schema(
        max_depth=max_depth,
        max_tokens=max_tokens,
        max_aliases=max_aliases,
        max_cost=max_cost,
        list_estimate=list_estimate,
    )


def _error_response(
    status_code: int,
    code: str,
    message: str,
    request_id: str | None,
    headers: dict[str, str] | None = None,
    **extensions: object,
) -> Response:
    details = {"code": code, **extensions, "requestId": request_id}
    body = {"errors": [{"message": message, "extensions": details}]}
    return JSONResponse(body, status_code=status_code, headers=headers)


def body_too_large_response(request: Request, limit: int) -> Response:
    """The 413 of a GraphQL request whose body passed its limit (see web.body_limit)."""
    message = translate(
        N_("The request is larger than the {limit} this address accepts. Nothing was run."),
        request_locale(request),
        limit=readable_size(limit),
    )
    return _error_response(413, "payload_too_large", message, request_id(request), limitBytes=limit)


class PermitwatchGraphQL(GraphQL[GraphQLContext, None]):
    def __init__(self, schema: strawberry.Schema, db: Database, budget: RateBudget | None = None) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            allow_queries_via_get=False,
            subscription_protocols=(),
        )
        self.db = db
        self.budget = budget

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(graphiql_page())

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> GraphQLContext:
        rid = request_id(request)
        actor = await authenticate(request, self.db, request_id=rid, remembered=True)
        return GraphQLContext(
            request=request,
            response=response if isinstance(response, Response) else None,
            db=self.db,
            actor=actor,
            locale=request_locale(request),
            request_id=rid,
            rate_budget=self.budget,
            rate_subject=rate_subject(request, actor),
            credential_version=getattr(request.state, "credential_version", None),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await self.run(request)
        except InvalidToken as error:
            response = _error_response(
                error.status_code,
                error.code,
                translate(error.message, request_locale(request), **error.params),
                request_id(request),
                error.headers,
            )
        except BodyTooLarge:
            raise  # answered with 413 by the body limit around the whole application
        except HTTPException as error:
            response = _error_response(
                error.status_code,
                HTTP_ERROR_CODES.get(error.status_code, "bad_request"),
                error.reason,
                request_id(request),
            )
        except Exception as error:
            rid = request_id(request)
            if not database_unavailable(error):
                log.exception("GraphQL request %s failed", rid)
                response = _error_response(500, "internal_error", _internal_error_message(request, rid), rid)
            else:  # the database restarts or is away (web.unavailable): 503, try again shortly
                log.warning("database unavailable, GraphQL request %s: %s", rid, type(error).__name__)
                response = _error_response(
                    503,
                    "database_unavailable",
                    unavailable_message(request_locale(request)),
                    rid,
                    retry_after_headers(),
                    retryAfter=RETRY_AFTER_SECONDS,
                )
        await response(scope, receive, send)


def _internal_error_message(connection: HTTPConnection, rid: str) -> str:
    return translate(
        N_("Something went wrong on our side. The error was logged as request {request_id}."),
        request_locale(connection),
        request_id=rid,
    )


def make_graphql_app(db: Database, settings: Settings) -> ASGIApp:
    schema = _schema(
        settings.graphql_max_depth,
        settings.graphql_max_tokens,
        settings.graphql_max_aliases,
        settings.graphql_max_cost,
        settings.graphql_list_estimate,
    )
    budget = RateBudget(settings.graphql_rate_budget, settings.graphql_rate_window_seconds)
    return PermitwatchGraphQL(schema, db, budget)


def rate_subject(request: HTTPConnection, actor: Actor) -> str:
    """Whose budget a request spends: its bearer token's, its session user's, else its address's."""
    token_id = getattr(request.state, "api_token_id", None)
    if token_id is not None:
        return f"token:{token_id}"
    if actor.user_id is not None:
        return f"user:{actor.user_id}"
    return f"address:{request.client.host if request.client else 'unknown'}"
