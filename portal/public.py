"""Public disclosure pages (信息公开, M48 §32, §39): the permit register as anyone reads it, no login.

Every page here is the same for every anonymous visitor, so it is rendered without the
session (no CSRF token or cookie is minted for it) and may be kept by shared caches for a
minute. Each page answers conditional requests from validators computed from the data it
shows (see ``conditional``), so an unchanged page costs two aggregate queries and a 304.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import quote

import segno
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.clock import today
from domain.disclosure.queries import register as public_register
from domain.disclosure.queries.permit_page import public_outlet, public_permit
from domain.disclosure.queries.permits import (
    CATEGORIES,
    PUBLIC_STATUSES,
    Freshness,
    adjacent_months,
    combine_freshness,
    parse_month,
    permit_freshness,
    register_freshness,
)
from domain.disclosure.queries.register import (
    COUNT_BOUND,
    ExpiredList,
    PublicPermitFilter,
    expired_not_renewed,
    latest_expired_month,
    search_permits,
)
from domain.enterprises.rules import INDUSTRY_NAMES, category_label, industry_name
from domain.errors import N_, ValidationFailed
from domain.i18n import translations_for
from domain.pagination import Page
from domain.permits.reference import REPORT_KIND_LABELS, UNIT_LABELS, label, pollutant_name
from domain.regions import known_regions_within, region_name
from domain.registrations import queries as registrations
from domain.registrations.rules import DISPLAY_STATUSES as REGISTRATION_STATUSES
from domain.spreadsheets import csv_row
from portal.registration_labels import registration_labels
from portal.responses import actor_of, db_of, is_htmx, render
from portal.templating import field_errors
from web.request_context import request_locale

PAGE_SIZE = 20
MAX_AGE_SECONDS = 60
VARY = "Accept-Language, Cookie, HX-Request"

try:
    RELEASE = version("permitwatch")
except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
    RELEASE = "dev"

STATUS_LABELS = {
    "issued": N_("In force"),
    "registered": N_("Registration in force"),
    "expired": N_("Expired"),
    "revoked": N_("Revoked by the authority"),
    "cancelled": N_("Cancelled"),
}
ANNOUNCEMENT_LABELS = {
    "granted": N_("Permit granted"),
    "refused": N_("Permit refused"),
    "not_accepted": N_("Application not accepted"),
    "issued": N_("Permit issued"),
    "renewed": N_("Permit renewed"),
    "changed": N_("Permit changed"),
    "replaced": N_("Permit replaced"),
    "revoked": N_("Permit revoked"),
    "cancelled": N_("Permit cancelled"),
}
GROUND_LABELS = {
    "expired_not_renewed": N_("Validity expired and not renewed (M48 §50 (1))"),
    "unit_terminated": N_("The unit was terminated (M48 §50 (2))"),
    "other": N_("Other lawful grounds (M48 §50 (3))"),
}
SECTION_LABELS = {
    "production_facilities": N_("Production facilities"),
    "products": N_("Products"),
    "control_facilities": N_("Pollution control facilities"),
}
CATEGORY_CHOICES = CATEGORIES


# ---------------------------------------------------------------------------
# HTTP caching: validators from the data, conditional requests, who may share the copy
# ---------------------------------------------------------------------------


def etag_for(request: Request, freshness: Freshness, variant: Iterable[object] = ()) -> str:
    """A weak validator: the data's freshness plus everything else the bytes depend on.

    Weak because the same page may be sent gzipped or not; it still names the exact data.
    """
    actor = getattr(request.state, "actor", None)
    parts = [
        RELEASE,
        freshness.fingerprint,
        request.url.path,
        request.url.query,
        request_locale(request),
        "htmx" if is_htmx(request) else "page",
        str(actor.user_id if actor is not None else None),
        *(str(item) for item in variant),
    ]
    return 'W/"' + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32] + '"'


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def is_fresh(request: Request, etag: str, changed_at: datetime | None) -> bool:
    """Whether the client's copy is current (RFC 9110 §13.1: If-None-Match wins over If-Modified-Since)."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = [tag for tag in if_none_match.split(",") if tag.strip()]
        return any(tag.strip() == "*" or _opaque(tag) == _opaque(etag) for tag in tags)
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since and changed_at is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            return False
        return changed_at.replace(microsecond=0) <= since
    return False


async def conditional(
    request: Request,
    freshness: Freshness,
    build: Callable[[], Awaitable[Response]],
    *,
    variant: Iterable[object] = (),
    max_age: int = MAX_AGE_SECONDS,
) -> Response:
    """Answer 304 when the client's copy is current, else build the response; both carry the validators.

    A shared cache may keep the copy only when nothing in it is personal: an anonymous visitor
    with no session (the session middleware would otherwise attach a cookie to the response).
    """
    actor = await actor_of(request)
    shared = not actor.is_authenticated and not request.scope.get("session")
    etag = etag_for(request, freshness, variant)
    headers = {
        "ETag": etag,
        "Cache-Control": f"{'public' if shared else 'private'}, max-age={max_age}",
        "Vary": VARY,
    }
    if freshness.changed_at is not None:
        headers["Last-Modified"] = format_datetime(freshness.changed_at.replace(microsecond=0), usegmt=True)
    if request.method in ("GET", "HEAD") and is_fresh(request, etag, freshness.changed_at):
        return Response(status_code=304, headers=headers)
    response = await build()
    if response.status_code == 200:
        response.headers.update(headers)
    return response


@asynccontextmanager
async def public_read(request: Request) -> AsyncIterator[AsyncSession]:
    """The read of a public page: from the read replica for an anonymous visitor (it shows what anyone
    may see, at most DATABASE_REPLICA_MAX_LAG_SECONDS old); a logged-in user reads from the primary,
    so what they just wrote shows at once (docs/operations.md, "Read replica")."""
    actor = await actor_of(request)
    async with db_of(request).read(replica=not actor.is_authenticated) as session:
        yield session


def _shared_view(request: Request) -> Request:
    """The request as the templates of a page that is the same for every visitor see it.

    An anonymous visitor's page is rendered without the session, so rendering it neither
    mints a CSRF token nor sets a cookie: the bytes can be shared. A logged-in user's page
    shows their name in the header and is rendered as usual (and cached privately).
    """
    actor = getattr(request.state, "actor", None)
    if actor is not None and actor.is_authenticated:
        return request
    scope = dict(request.scope)
    scope["session"] = None
    return Request(scope, request.receive)


def _page(request: Request, name: str, context: dict[str, Any], **kwargs: Any) -> Response:
    return render(_shared_view(request), name, {**_labels(request), **context}, **kwargs)


def shared_page(request: Request, name: str, context: dict[str, Any], **kwargs: Any) -> Response:
    """A public page rendered the same for every anonymous visitor (no session, no cookie)."""
    return _page(request, name, context, **kwargs)


# ---------------------------------------------------------------------------
# Labels and addresses
# ---------------------------------------------------------------------------


def _labels(request: Request) -> dict[str, Any]:
    locale = request_locale(request)

    def unit_label(unit: str) -> str:
        if locale == "en" and unit == "dimensionless":
            return "dimensionless"
        return UNIT_LABELS.get(unit, unit)

    return {
        "status_labels": STATUS_LABELS,
        "announcement_labels": ANNOUNCEMENT_LABELS,
        "ground_labels": GROUND_LABELS,
        "report_kind_labels": REPORT_KIND_LABELS,
        "section_labels": SECTION_LABELS,
        "ref_label": lambda value: label(value, locale) if value else "",
        "pollutant": lambda code: pollutant_name(code, locale),
        "unit_label": unit_label,
        "outlet_path": outlet_path,
        "industry_label": lambda code: f"{code} {industry_name(code, locale)}",
        **registration_labels(),
    }


def outlet_path(number: str, code: str) -> str:
    return f"/public/outlets/{quote(number, safe='')}/{quote(code, safe='')}"


def outlet_url(request: Request, number: str, code: str) -> str:
    """The absolute address an outlet's QR code encodes (the configured public base URL)."""
    return request.app.state.settings.base_url.rstrip("/") + outlet_path(number, code)


def outlet_qr_svg(url: str) -> bytes:
    """A QR code for an outlet's sign, as SVG (scales to any print size; white quiet zone)."""
    code = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", border=4, dark="#000", light="#fff", xmldecl=False, omitsize=True)
    # Scaled to any size, anti-aliasing would draw hairlines between the modules' rows.
    return buffer.getvalue().replace(b"<svg ", b'<svg shape-rendering="crispEdges" ', 1)


def _page_number(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), 100_000))
    except ValueError:
        return 1


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------


async def index(request: Request) -> Response:
    """The public home page: every public list, with the register's counts."""
    async with public_read(request) as session:
        freshness = await register_freshness(session)

        async def build() -> Response:
            figures = await public_register.permit_statistics(session)
            return _page(request, "public/index.html", {"figures": figures})

        return await conditional(request, freshness, build)


def _search_choices() -> dict[str, Any]:
    return {
        "industries": sorted(INDUSTRY_NAMES),
        "regions": known_regions_within(None),
        "categories": CATEGORY_CHOICES,
        "statuses": PUBLIC_STATUSES,
    }


async def _search_page(
    request: Request,
    search: Callable[[Any, int], Awaitable[Page[Any]]],
    template: str,
    fragment: str,
    context: dict[str, Any],
) -> Response:
    """A public search page: the register's freshness, one page of results, filter errors by field."""
    page_number = _page_number(request.query_params.get("page"))
    async with public_read(request) as session:
        freshness = await register_freshness(session)

        async def build() -> Response:
            errors: dict[str, Any] = {}
            try:
                page = await search(session, (page_number - 1) * PAGE_SIZE)
            except ValidationFailed as error:
                errors = field_errors(error.errors)
                page = Page(items=[], offset=0, total=0)
            return _page(
                request,
                template,
                {
                    "page": page,
                    "page_number": page_number,
                    "last_page": max(1, -(-page.total // PAGE_SIZE)),
                    "errors": errors,
                    **context,
                },
                fragment=fragment,
                status_code=400 if errors else 200,
            )

        return await conditional(request, freshness, build)


async def permit_search(request: Request) -> Response:
    """Permits and registrations (shown as 登记) of the public register."""
    params = request.query_params
    filters = PublicPermitFilter(
        query=params.get("q", "")[:100],
        status=params.get("status", "")[:16],
        category=params.get("category", "")[:16],
        industry_code=params.get("industry", "")[:4],
        region_code=params.get("region", "")[:6],
    )
    return await _search_page(
        request,
        lambda session, offset: search_permits(session, filters=filters, first=PAGE_SIZE, offset=offset),
        "public/search.html",
        "public/_results.html",
        {"filters": filters, "count_bound": COUNT_BOUND, **_search_choices()},
    )


async def permit_page(request: Request) -> Response:
    number = request.path_params["number"]
    async with public_read(request) as session:
        freshness = await permit_freshness(session, number=number)

        async def build() -> Response:
            permit = await public_permit(session, number=number)
            return _page(request, "public/permit.html", {"permit": permit})

        return await conditional(request, freshness, build)


async def outlet_page(request: Request) -> Response:
    number, code = request.path_params["number"], request.path_params["code"]
    async with public_read(request) as session:
        freshness = await permit_freshness(session, number=number)

        async def build() -> Response:
            outlet = await public_outlet(session, number=number, code=code)
            return _page(request, "public/outlet.html", {"item": outlet})

        return await conditional(request, freshness, build)


async def outlet_sign(request: Request) -> Response:
    """The printable sign hung at the outlet (排污口标志牌), its QR code large."""
    number, code = request.path_params["number"], request.path_params["code"]
    async with public_read(request) as session:
        freshness = await permit_freshness(session, number=number)

        async def build() -> Response:
            outlet = await public_outlet(session, number=number, code=code)
            url = outlet_url(request, outlet.permit_number, outlet.outlet.code)
            return _page(request, "public/sign.html", {"item": outlet, "url": url})

        return await conditional(request, freshness, build, variant=[request.app.state.settings.base_url])


async def outlet_qr(request: Request) -> Response:
    number, code = request.path_params["number"], request.path_params["code"]
    base_url = request.app.state.settings.base_url
    async with public_read(request) as session:
        freshness = await permit_freshness(session, number=number)

        async def build() -> Response:
            outlet = await public_outlet(session, number=number, code=code)
            svg = outlet_qr_svg(outlet_url(request, outlet.permit_number, outlet.outlet.code))
            return Response(svg, media_type="image/svg+xml")

        return await conditional(request, freshness, build, variant=[base_url, "qr"])


async def _latest_month(session: Any, on: date) -> date:
    """The month the expired list opens on: the latest that has entries, else the current one."""
    return await latest_expired_month(session) or on.replace(day=1)


async def expired_list(request: Request) -> Response:
    on = today()
    raw = request.query_params.get("month", "")[:7]
    async with public_read(request) as session:
        freshness = await register_freshness(session)
        errors: dict[str, Any] = {}
        try:
            month = parse_month(raw, on) if raw else await _latest_month(session, on)
        except ValidationFailed as error:
            errors, month = field_errors(error.errors), on.replace(day=1)

        async def build() -> Response:
            listing = await expired_not_renewed(session, month=month)
            previous, following = adjacent_months(month, on)
            return _page(
                request,
                "public/expired.html",
                {
                    "listing": listing if not errors else ExpiredList(month=month, rows=[]),
                    "month_value": raw if errors else month.strftime("%Y-%m"),
                    "max_month": on.strftime("%Y-%m"),
                    "previous_month": previous.strftime("%Y-%m"),
                    "next_month": following.strftime("%Y-%m") if following else None,
                    "errors": errors,
                },
                status_code=400 if errors else 200,
            )

        return await conditional(request, freshness, build, variant=[month.isoformat(), raw, bool(errors)])


async def expired_csv(request: Request) -> Response:
    on = today()
    locale = request_locale(request)
    gettext = translations_for(locale).gettext
    async with public_read(request) as session:
        freshness = await register_freshness(session)
        raw = request.query_params.get("month", "")[:7]
        month = parse_month(raw, on) if raw else await _latest_month(session, on)

        async def build() -> Response:
            listing = await expired_not_renewed(session, month=month)
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow(
                [
                    gettext(N_("Permit number")),
                    gettext(N_("Unit name")),
                    gettext(N_("Unified social credit code")),
                    gettext(N_("Region")),
                    gettext(N_("Industry")),
                    gettext(N_("Management category")),
                    gettext(N_("Last valid day")),
                    gettext(N_("Status")),
                    gettext(N_("Issuing authority")),
                ]
            )
            for row in listing.rows:
                writer.writerow(
                    csv_row(
                        [
                            row.number,
                            row.unit_name,
                            row.credit_code,
                            region_name(row.region_code, locale),
                            f"{row.industry_code} {industry_name(row.industry_code, locale)}",
                            category_label(row.category, locale),
                            row.valid_until.isoformat() if row.valid_until else "",
                            gettext(STATUS_LABELS.get(row.status, row.status)),
                            row.issuing_authority,
                        ]
                    )
                )
            name = f"expired-not-renewed-{month.strftime('%Y-%m')}.csv"
            # A byte-order mark: spreadsheet programs in China otherwise read UTF-8 as GBK.
            return Response(
                ("\ufeff" + buffer.getvalue()).encode("utf-8"),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )

        return await conditional(request, freshness, build, variant=[month.isoformat(), "csv"])


async def statistics(request: Request) -> Response:
    locale = request_locale(request)
    gettext = translations_for(locale).gettext
    async with public_read(request) as session:
        freshness = await register_freshness(session)

        async def build() -> Response:
            figures = await public_register.permit_statistics(session)
            # The charts get the same labels as the tables beside them, already translated.
            charts = {
                "status": [[gettext(STATUS_LABELS.get(k, k)), n] for k, n in figures.by_status],
                "status_keys": [k for k, _ in figures.by_status],
                "category": [[category_label(k, locale), n] for k, n in figures.by_category],
                "industry": [[f"{k} {industry_name(k, locale)}", n] for k, n in figures.by_industry],
                "region": [[region_name(k, locale), n] for k, n in figures.by_region],
            }
            return _page(request, "public/statistics.html", {"figures": figures, "charts": charts})

        return await conditional(request, freshness, build)


async def registration_search(request: Request) -> Response:
    """排污登记 register: registration-only units as anyone reads them."""
    params = request.query_params
    filters = registrations.RegistrationFilter(
        query=params.get("q", "")[:100],
        status=params.get("status", "")[:16],
        industry_code=params.get("industry", "")[:4],
        region_code=params.get("region", "")[:6],
    )
    return await _search_page(
        request,
        lambda session, offset: registrations.search_registrations(
            session, filters=filters, first=PAGE_SIZE, offset=offset
        ),
        "public/registrations.html",
        "public/_registration_results.html",
        {"filters": filters, **_search_choices(), "statuses": REGISTRATION_STATUSES},
    )


async def registration_page(request: Request) -> Response:
    number = request.path_params["number"]
    async with public_read(request) as session:
        registration = await registrations.public_registration(session, number=number)
        freshness = combine_freshness(1, registration.changed_at)

        async def build() -> Response:
            return _page(request, "public/registration.html", {"registration": registration})

        return await conditional(request, freshness, build, variant=[today().isoformat()])


routes = [
    Route("/public", index, methods=["GET"], name="public_index"),
    Route("/public/permits", permit_search, methods=["GET"], name="public_permits"),
    Route("/public/permits/{number}", permit_page, methods=["GET"], name="public_permit"),
    Route("/public/outlets/{number}/{code}", outlet_page, methods=["GET"], name="public_outlet"),
    Route("/public/outlets/{number}/{code}/qr.svg", outlet_qr, methods=["GET"], name="public_outlet_qr"),
    Route("/public/outlets/{number}/{code}/sign", outlet_sign, methods=["GET"], name="public_outlet_sign"),
    Route("/public/expired", expired_list, methods=["GET"], name="public_expired"),
    Route("/public/expired.csv", expired_csv, methods=["GET"], name="public_expired_csv"),
    Route("/public/statistics", statistics, methods=["GET"], name="public_statistics"),
    Route("/public/registrations", registration_search, methods=["GET"], name="public_registrations"),
    Route("/public/registrations/{number}", registration_page, methods=["GET"], name="public_registration"),
]
