"""The ASGI application: the portal's pages and static files and the GraphQL API, built by a factory.

This is where the faces meet: the portal (``portal.routes``) and the API (``graphql_schema.app``) are
mounted side by side behind the middleware both share (``web``). ``server.app:app`` builds the real
application on its first event, so importing this module reads no settings and opens no database.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.calendar import service as calendar_service
from domain.db import Database, database_unavailable
from domain.settings import Settings, get_settings
from graphql_schema.app import body_too_large_response, graphiql_page, make_graphql_app
from portal import routes as portal
from portal.input_guard import InputGuardMiddleware
from portal.templating import make_templates
from web.body_limit import BodyLimitMiddleware, BodyLimits
from web.csrf import CSRFMiddleware
from web.request_context import RequestContextMiddleware
from web.security_headers import security_headers

SESSION_COOKIE = "pw_session"
GRAPHQL_PATH = "/graphql"


class HolidayScheduleMiddleware:
    """Every process counts working days with the holiday schedules loaded into the database
    (``domain.calendar.service``), looking again at most once a minute."""

    def __init__(self, app: ASGIApp, db: Database) -> None:
        self.app = app
        self.db = db

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and calendar_service.needs_refresh():
            try:
                async with self.db.read() as session:
                    await calendar_service.refresh(session)
            except Exception as error:
                # The database is away: keep counting with the schedules held, and let the request
                # run: /livez answers, anything that needs the database answers 503 (web.unavailable).
                if not database_unavailable(error):
                    raise
        await self.app(scope, receive, send)


# What an API call without cookies passes through on its way to the GraphQL endpoint (Application.api_stack).
API_MIDDLEWARE = (HolidayScheduleMiddleware, RequestContextMiddleware, BodyLimitMiddleware, GZipMiddleware)


class Application(Starlette):
    """The application. Its security headers wrap the whole stack, so error pages get them too."""

    def build_middleware_stack(self) -> ASGIApp:
        settings: Settings = self.state.settings
        whole = super().build_middleware_stack()
        api = self.api_stack(self.state.graphql_app)

        async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
            if is_plain_api_call(scope):
                scope["session"] = {}  # what the session middleware finds without a cookie
                await api(scope, receive, send)
            else:
                await whole(scope, receive, send)

        return security_headers(
            dispatch,
            https=settings.secure_cookies,
            graphql_path=GRAPHQL_PATH,
            graphiql_page=graphiql_page(),
        )

    def api_stack(self, graphql_app: ASGIApp) -> ASGIApp:
        """The stack an API call without cookies runs through: the same error handling and the middleware
        that acts on it (the holiday schedules, the request id and locale, the body limit, gzip), straight
        to the GraphQL endpoint.

        Issue 19: the filing peak paid for the rest of the stack on every request, for nothing (a third of
        the middleware's CPU around a trivial endpoint, 15 µs a call). The session middleware finds no
        session without a cookie (dispatch sets the empty one it would); CSRF and the input guard exempt
        /graphql (is_plain_api_call takes no query string: the input guard's one check left); the exception
        middleware's handlers answer pages, and the endpoint answers every error itself; the router's first
        route is this endpoint. A request with a cookie (a portal session may authenticate it:
        web.auth.authenticate) takes the whole stack, as before.
        """
        error_handler = None
        for key, value in self.exception_handlers.items():
            if key in (500, Exception):
                error_handler = value
        app = graphql_app
        for cls, args, kwargs in reversed([m for m in self.user_middleware if m.cls in API_MIDDLEWARE]):
            app = cls(app, *args, **kwargs)
        return ServerErrorMiddleware(app, handler=error_handler, debug=self.debug)


def is_plain_api_call(scope: Scope) -> bool:
    """A POST to the GraphQL endpoint without cookies or query string (Application.api_stack)."""
    if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != GRAPHQL_PATH:
        return False
    if scope.get("query_string"):
        return False
    return not any(name == b"cookie" for name, _value in scope["headers"])


def create_app(settings: Settings | None = None, database: Database | None = None) -> Starlette:
    settings = settings or get_settings()
    db = database or Database.from_settings(settings)
    templates = make_templates()

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await db.dispose()

    graphql_app = make_graphql_app(db, settings)
    routes = [
        # First: the router tries routes in order, and the portal has a few hundred (0.1 ms per request).
        Route(GRAPHQL_PATH, endpoint=graphql_app, methods=["GET", "POST"], name="graphql"),
        *portal.routes(),
    ]

    async def body_too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        request = Request(scope, receive)
        if scope["path"].startswith(GRAPHQL_PATH):
            response = body_too_large_response(request, limit)
        else:
            response = portal.body_too_large(request, limit)
        await response(scope, receive, send)

    body_limits = BodyLimits(
        graphql=settings.max_graphql_body_bytes,
        form=settings.max_form_body_bytes,
        upload=settings.max_upload_body_bytes,
        graphql_prefix=GRAPHQL_PATH,
    )
    middleware = [
        Middleware(HolidayScheduleMiddleware, db=db),
        Middleware(RequestContextMiddleware, default_locale=settings.default_locale),
        Middleware(BodyLimitMiddleware, limits=body_limits, on_refused=body_too_large),
        Middleware(GZipMiddleware, minimum_size=1024),
        Middleware(
            SessionMiddleware,
            secret_key=settings.resolved_secret_key(),
            session_cookie=SESSION_COOKIE,
            max_age=settings.session_max_age_seconds,
            same_site="lax",
            https_only=settings.secure_cookies,
        ),
        Middleware(CSRFMiddleware, exempt_prefixes=(GRAPHQL_PATH,), on_failure=portal.csrf_failure),
        Middleware(InputGuardMiddleware, exempt_prefixes=(GRAPHQL_PATH,)),
    ]

    app = Application(
        routes=routes,
        middleware=middleware,
        exception_handlers=portal.exception_handlers(),
        lifespan=lifespan,
    )
    app.state.db = db
    app.state.settings = settings
    app.state.graphql_app = graphql_app
    app.state.templates = templates
    return app


class _LazyApp:
    """Build the application when the server first calls it (after settings are in place)."""

    def __init__(self) -> None:
        self._app: Starlette | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            self._app = create_app()
            # What the process has built to serve (the schema, the mapped tables, the templates, the
            # permits' terms kept later are not among them) lives as long as the process: frozen, the
            # garbage collector's full passes no longer walk it each time the requests' own objects set
            # one off (issue 19; the province generator measured a sixth of a filing's CPU in them).
            gc.collect()
            gc.freeze()
        await self._app(scope, receive, send)


app = _LazyApp()
