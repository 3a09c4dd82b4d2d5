"""The ledger's charts (concentration against the limit, completeness per month) and the warnings
list (超量预警: the exceedances a reader may see, open first)."""

from __future__ import annotations

import calendar
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from domain.enterprises.rules import industry_name
from domain.errors import N_
from domain.i18n import translations_for
from domain.ledgers.queries.charts import charts_page
from domain.ledgers.queries.exceedances import warnings, warnings_for_export
from domain.permits import list_filters
from domain.permits.list_filters import ListFilter
from domain.permits.reference import pollutant_name
from domain.regions import region_name
from domain.spreadsheets import Sheet, write_xlsx
from portal.ledgers.common import EXCEEDANCE_KINDS, PAGE_SIZE, helpers, last_page, page_number
from portal.ledgers.forms import ChartsForm
from portal.list_pages import choices, download, filtered
from portal.responses import actor_of, db_of, render
from portal.templating import field_errors, local_time
from web.request_context import request_locale


def _month_name(month: int, locale: str) -> str:
    return calendar.month_abbr[month] if locale == "en" else f"{month}月"


async def charts(request: Request) -> Response:
    actor = await actor_of(request)
    typed = ChartsForm.of(request.query_params)
    async with db_of(request).read() as session:
        result = await charts_page(
            session,
            actor,
            permit_number=request.path_params["number"],
            outlet=typed.outlet,
            pollutant=typed.pollutant,
            first_day=typed.first_day,
            last_day=typed.last_day,
            year=typed.year,
        )
    locale = request_locale(request)
    gettext = translations_for(locale).gettext
    series = result.series
    chart_data = {
        "concentration": series.as_json() if series else None,
        "completeness": {
            "labels": [_month_name(m.month, locale) for m in result.months],
            "values": [None if m.ratio is None else round(m.ratio * 100, 1) for m in result.months],
        },
        "text": {
            "value": gettext("Daily maximum") if series and series.daily_max else gettext("Concentration"),
            "limit": gettext("Permitted concentration"),
            "completeness": gettext("Completeness (%)"),
        },
    }
    return render(
        request,
        "ledgers/charts.html",
        {
            "ctx": result.context,
            "tab": "charts",
            "result": result,
            "series": series,
            "chart_data": chart_data,
            "errors": field_errors([*typed.errors, *result.errors]),
            "from_text": result.start.strftime("%Y-%m-%d"),
            "to_text": result.end.strftime("%Y-%m-%d"),
            **helpers(request),
        },
    )


WARNING_SORTS = (
    ("", N_("Awaiting explanation first, newest first")),
    ("-started", N_("Newest first")),
    ("started", N_("Oldest first")),
    ("-excess", N_("Highest over the limit first")),
    ("unit", N_("Unit name")),
)


async def exceedance_list(request: Request) -> Response:
    """超量预警: filtered by district, industry, status, the month it started and a search, in a chosen
    order; the filters stay in the URL (tabs, pages, export)."""
    actor = await actor_of(request)
    number = page_number(request.query_params.get("page"))

    async def read(filters: ListFilter) -> Any:
        async with db_of(request).read() as session:
            return await warnings(
                session, actor, filters=filters, first=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
            )

    page, filters, errors = await filtered(request, read)
    query = filters.query()
    return render(
        request,
        "ledgers/exceedances.html",
        {
            "page": page,
            "status": filters.state,
            "filters": filters,
            "query": urlencode(query),
            "tab_query": urlencode({k: v for k, v in query.items() if k != "state"}),
            "errors": field_errors(errors),
            "districts": list_filters.districts_within(actor.region_code),
            "industries": list_filters.industries(),
            "sorts": choices(request, WARNING_SORTS),
            "page_number": number,
            "last_page": last_page(page.total),
            **helpers(request),
        },
        fragment="ledgers/_exceedance_rows.html",
        status_code=400 if errors else 200,
    )


async def exceedance_export(request: Request) -> Response:
    """The warnings as filtered, as an XLSX workbook with headings in the reader's language."""
    actor = await actor_of(request)
    locale = request_locale(request)
    gettext = translations_for(locale).gettext

    async def read(filters: ListFilter) -> Any:
        async with db_of(request).read() as session:
            return await warnings_for_export(session, actor, filters=filters)

    page, _filters, _errors = await filtered(request, read)
    header = [
        gettext(N_("Unit")),
        gettext(N_("Permit number")),
        gettext(N_("District")),
        gettext(N_("Industry")),
        gettext(N_("Outlet")),
        gettext(N_("Pollutant")),
        gettext(N_("Kind")),
        gettext(N_("Started at")),
        gettext(N_("Ended at")),
        gettext(N_("Highest value")),
        gettext(N_("Permitted value")),
        gettext(N_("Unit of measure")),
        gettext(N_("Status")),
        gettext(N_("Cause")),
        gettext(N_("Measures")),
    ]
    rows = [
        [
            w.enterprise_name,
            w.permit_number,
            region_name(w.region_code, locale),
            industry_name(w.industry_code, locale),
            w.exceedance.outlet_code,
            pollutant_name(w.exceedance.pollutant, locale),
            gettext(EXCEEDANCE_KINDS.get(w.exceedance.kind, w.exceedance.kind)),
            local_time(w.exceedance.started_at),
            local_time(w.exceedance.ended_at),
            w.exceedance.max_value,
            w.exceedance.limit_value,
            w.exceedance.unit.replace("m3", "m³"),
            gettext(N_("Awaiting explanation") if w.exceedance.status == "open" else N_("Explained")),
            w.exceedance.cause or "",
            w.exceedance.measures or "",
        ]
        for w in page
    ]
    title = gettext(N_("Exceedance warnings"))
    return download(write_xlsx([Sheet(title[:31], header, rows)]), "warnings.xlsx")
