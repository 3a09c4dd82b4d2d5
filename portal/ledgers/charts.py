"""The ledger's charts (concentration against the limit, completeness per month) and the warnings
list (超量预警: the exceedances a reader may see, open first)."""

from __future__ import annotations

import calendar

from starlette.requests import Request
from starlette.responses import Response

from domain.i18n import translations_for
from domain.ledgers.queries.charts import charts_page
from domain.ledgers.queries.exceedances import STATUSES, warnings
from portal.ledgers.common import PAGE_SIZE, helpers, last_page, page_number
from portal.ledgers.forms import ChartsForm
from portal.responses import actor_of, db_of, render
from portal.templating import field_errors
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


async def exceedance_list(request: Request) -> Response:
    actor = await actor_of(request)
    status = request.query_params.get("status", "")
    status = status if status in STATUSES else ""
    number = page_number(request.query_params.get("page"))
    async with db_of(request).read() as session:
        page = await warnings(session, actor, status=status, first=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    return render(
        request,
        "ledgers/exceedances.html",
        {
            "page": page,
            "status": status,
            "page_number": number,
            "last_page": last_page(page.total),
            **helpers(request),
        },
        fragment="ledgers/_exceedance_rows.html",
    )
