"""The portal face as the application mounts it (server.app): its routes, its static files, and how it
answers errors (an HTML error page in the reader's language, only the request id for a 500)."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ExceptionHandler, Receive, Scope, Send

from domain.db import DatabaseError, database_unavailable
from domain.errors import N_, DomainError, NotAuthenticated, NotFound, PermissionDenied, StorageFull
from domain.i18n import translate
from portal import (
    accounts,
    agencies,
    api_guide,
    audit_rules,
    enterprises,
    history_import,
    holidays,
    ledgers,
    notifications,
    pages,
    permit_import,
    permits,
    public,
    public_data,
    registrations,
    report_exchange,
    report_files,
    reports,
    review_lists,
    statistics,
    webhooks,
)
from portal.responses import error_page
from portal.supervision import cases as supervision_cases
from portal.supervision import credit as supervision_credit
from portal.supervision import grading as supervision_grading
from portal.supervision import inspections
from portal.supervision import linkage as supervision_linkage
from portal.supervision import problems as supervision_problems
from portal.supervision import quality as supervision_quality
from portal.supervision import standing as supervision_standing
from portal.templating import STATIC_DIR
from web.body_limit import readable_size
from web.request_context import request_id, request_locale
from web.unavailable import retry_after_headers

log = logging.getLogger("permitwatch")


def routes() -> list[BaseRoute]:
    """Every page of the portal, then its static files under /static."""
    return [
        *pages.routes,
        *accounts.routes,
        *webhooks.routes,
        *enterprises.routes,
        *notifications.routes,
        *permits.routes,
        *ledgers.routes,
        *agencies.routes,
        *report_exchange.routes,
        *report_files.routes,
        *review_lists.routes,
        *reports.routes,
        *permit_import.routes,
        *history_import.routes,
        *public.routes,
        *public_data.routes,
        *api_guide.routes,
        *registrations.routes,
        *audit_rules.routes,
        *holidays.routes,
        *inspections.routes,
        *supervision_problems.routes,
        *supervision_standing.routes,
        *supervision_quality.routes,
        *supervision_grading.routes,
        *supervision_credit.routes,
        *statistics.routes,
        *supervision_linkage.routes,
        *supervision_cases.routes,
        Mount("/static", app=StaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]


async def csrf_failure(scope: Scope, receive: Receive, send: Send) -> None:
    """The answer to a form post without its session's CSRF token (web.csrf.CSRFMiddleware)."""
    request = Request(scope, receive)
    response = error_page(request, 403, "csrf")
    await response(scope, receive, send)


def body_too_large(request: Request, limit: int) -> Response:
    """The 413 page of a request whose body passed its limit (web.body_limit)."""
    detail = translate(
        N_("This address accepts at most {limit}."), request_locale(request), limit=readable_size(limit)
    )
    return error_page(request, 413, message=detail)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_page(request, exc.status_code)


async def _domain_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, NotAuthenticated):
        return error_page(request, 401)
    if isinstance(exc, PermissionDenied):
        return error_page(request, 403)
    if isinstance(exc, NotFound):
        return error_page(request, 404)
    if not isinstance(exc, DomainError):
        return error_page(request, 400)
    if isinstance(exc, StorageFull):
        return error_page(request, 507, message=translate(exc.message, request_locale(request)))
    # The message with its values filled in (a bound, a field's limit), in the reader's language.
    return error_page(request, 400, message=translate(exc.message, request_locale(request), **exc.params))


async def _database_error(request: Request, exc: Exception) -> Response:
    """A database error raised by a page: the database away is a 503 answered here, so it does not reach
    the server's last handler (which answers and then re-raises, and the server logs a traceback for what
    is not a bug); any other database error is one, and goes on to it (a 500)."""
    if database_unavailable(exc):
        return _unavailable(request, exc)
    raise exc


def _unavailable(request: Request, exc: Exception) -> Response:
    # Not a bug of the page: the database is restarting or away (web.unavailable). Logged in one line.
    log.warning("database unavailable, request %s: %s", request_id(request), exc.__class__.__name__)
    response = error_page(request, 503)
    response.headers.update(retry_after_headers())
    return response


async def _server_error(request: Request, exc: Exception) -> Response:
    if database_unavailable(exc):  # wrapped in another error (its cause): still not a bug of the page
        return _unavailable(request, exc)
    log.exception("unhandled error, request %s", request_id(request), exc_info=exc)
    return error_page(request, 500)


def exception_handlers() -> dict[type[Exception], ExceptionHandler]:
    """Errors a page raises, answered as pages: HTTP errors, domain errors by kind, anything else a 500."""
    return {
        HTTPException: _http_error,
        DomainError: _domain_error,
        DatabaseError: _database_error,
        Exception: _server_error,
    }
