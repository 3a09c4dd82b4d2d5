"""The ASGI application: portal pages, static files and the GraphQL API, built by a factory.

``portal.app:app`` builds the real application on its first event, so importing
this module reads no settings and opens no database.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.calendar import service as calendar_service
from domain.db import Database
from domain.errors import N_, DomainError, NotAuthenticated, NotFound, PermissionDenied
from domain.i18n import translate
from domain.settings import Settings, get_settings
from portal import (
    accounts,
    agencies,
    audit_rules,
    enterprises,
    holidays,
    ledgers,
    notifications,
    pages,
    permit_import,
    permits,
    public,
    registrations,
    reports,
)
from portal.body_limit import BodyLimitMiddleware, BodyLimits, readable_size
from portal.context import RequestContextMiddleware, request_id, request_locale
from portal.csrf import CSRFMiddleware
from portal.input_guard import InputGuardMiddleware
from portal.responses import error_page
from portal.security_headers import security_headers
from portal.templating import STATIC_DIR, make_templates

log = logging.getLogger("permitwatch")
SESSION_COOKIE = "pw_session"
GRAPHQL_PATH = "/graphql"


class Portal(Starlette):
    """The application. Its security headers wrap the whole stack, so error pages get them too."""

    def build_middleware_stack(self) -> ASGIApp:
        settings: Settings = self.state.settings
        return security_headers(
            super().build_middleware_stack(), https=settings.secure_cookies, graphql_path=GRAPHQL_PATH
        )


def create_app(settings: Settings | None = None, database: Database | None = None) -> Starlette:
    settings = settings or get_settings()
    db = database or Database(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )
    templates = make_templates()

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await db.dispose()

    from graphql_schema.app import body_too_large_response, make_graphql_app

    graphql_app = make_graphql_app(db, settings)

    routes = [
        *pages.routes,
        *accounts.routes,
        *enterprises.routes,
        *notifications.routes,
        *permits.routes,
        *ledgers.routes,
        *agencies.routes,
        *reports.routes,
        *permit_import.routes,
        *public.routes,
        *registrations.routes,
        *audit_rules.routes,
        *holidays.routes,
        Route(GRAPHQL_PATH, endpoint=graphql_app, methods=["GET", "POST"], name="graphql"),
        Mount("/static", app=StaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]

    async def csrf_failure(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = error_page(request, 403, "csrf")
        await response(scope, receive, send)

    async def body_too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        request = Request(scope, receive)
        if scope["path"].startswith(GRAPHQL_PATH):
            response = body_too_large_response(request, limit)
        else:
            detail = translate(
                N_("This address accepts at most {limit}."),
                request_locale(request),
                limit=readable_size(limit),
            )
            response = error_page(request, 413, message=detail)
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
        Middleware(CSRFMiddleware, exempt_prefixes=(GRAPHQL_PATH,), on_failure=csrf_failure),
        Middleware(InputGuardMiddleware, exempt_prefixes=(GRAPHQL_PATH,)),
    ]

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error_page(request, exc.status_code)

    async def domain_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, NotAuthenticated):
            return error_page(request, 401)
        if isinstance(exc, PermissionDenied):
            return error_page(request, 403)
        if isinstance(exc, NotFound):
            return error_page(request, 404)
        return error_page(request, 400, message=exc.message if isinstance(exc, DomainError) else None)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error, request %s", request_id(request), exc_info=exc)
        return error_page(request, 500)

    app = Portal(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: http_error, DomainError: domain_error, Exception: server_error},
        lifespan=lifespan,
    )
    app.state.db = db
    app.state.settings = settings
    app.state.templates = templates
    return app


class HolidayScheduleMiddleware:
    """Every process counts working days with the holiday schedules loaded into the database
    (``domain.calendar.service``), looking again at most once a minute."""

    def __init__(self, app: ASGIApp, db: Database) -> None:
        self.app = app
        self.db = db

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and calendar_service.needs_refresh():
            async with self.db.read() as session:
                await calendar_service.refresh(session)
        await self.app(scope, receive, send)


class _LazyApp:
    """Build the application when the server first calls it (after settings are in place)."""

    def __init__(self) -> None:
        self._app: Starlette | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._app is None:
            self._app = create_app()
        await self._app(scope, receive, send)


app = _LazyApp()
