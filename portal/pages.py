"""Home page, health check and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from domain.db import ping
from domain.i18n import SUPPORTED_LOCALES
from domain.overview import home_overview
from portal.ledgers.common import helpers as ledger_helpers
from portal.reports import schedule_labels
from portal.responses import actor_of, db_of, render
from web.request_context import LOCALE_COOKIE


def safe_next(value: str | None, default: str = "/") -> str:
    """Only local paths: a login or language link must never send people to another site."""
    if not value:
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return default
    return value


async def home(request: Request) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        overview = await home_overview(session, actor)
    names = {**schedule_labels(request), "pollutant_name": ledger_helpers(request)["pollutant_name"]}
    return render(request, "home.html", {"overview": overview, **names})


async def healthz(request: Request) -> Response:
    """Readiness: the primary answers. With a read replica, also its state and lag (this process's last
    check); a replica out of use does not make the node unready, its reads go to the primary."""
    db = db_of(request)
    try:
        async with db.read() as session:
            await ping(session)
    except Exception:  # noqa: BLE001 - health checks report, they do not raise
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    body: dict[str, object] = {"status": "ok", "database": "ok"}
    if db.replica is not None:
        await db.replica.in_use()
        body["replica"] = db.replica.state.as_dict()
    return JSONResponse(body)


async def livez(request: Request) -> Response:
    """The process answers (liveness, for a supervisor or load balancer): no database, no work."""
    return JSONResponse({"status": "ok"})


async def set_language(request: Request) -> Response:
    code = request.path_params["code"]
    response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    if code in SUPPORTED_LOCALES:
        response.set_cookie(LOCALE_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response


async def favicon(request: Request) -> Response:
    return RedirectResponse("/static/favicon.svg", status_code=301)


routes = [
    Route("/favicon.ico", favicon, name="favicon"),
    Route("/", home, name="home"),
    Route("/healthz", healthz, name="healthz"),
    Route("/livez", livez, name="livez"),
    Route("/lang/{code}", set_language, name="set_language"),
]
