"""What the regulators' filtered lists share (issue 17): reading the URL's filters, showing a bad one
beside the form with the list without it, the order's choices in the reader's language, the download."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from domain.access import Actor
from domain.errors import N_, FieldError, ValidationFailed
from domain.i18n import translations_for
from domain.permits import list_filters
from domain.permits.list_filters import ListFilter
from web.request_context import request_locale

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) <= 100_000 else 1


async def filtered(
    request: Request, read: Callable[[ListFilter], Awaitable[Any]]
) -> tuple[Any, ListFilter, list[FieldError]]:
    """The list under the URL's filters; when one is bad, its error and the list without it."""
    filters = list_filters.from_params(request.query_params)
    try:
        return await read(filters), filters, []
    except ValidationFailed as failure:
        filters = list_filters.without_errors(filters, failure.errors)
        return await read(filters), filters, failure.errors


def choices(request: Request, table: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    gettext = translations_for(request_locale(request)).gettext
    return [(value, gettext(title)) for value, title in table]


def download(body: bytes, filename: str) -> Response:
    return Response(
        body,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


OVERDUE_SORTS = (
    ("", N_("Permit number")),
    ("-days", N_("Longest overdue first")),
    ("unit", N_("Unit name")),
)


def overdue_filters(
    request: Request, actor: Actor, filters: ListFilter, *, kind: str, period: str
) -> dict[str, Any]:
    """What the dashboard's overdue list needs for its filter form, its links and its export."""
    query = filters.query()
    keep = {"kind": kind, "period": period}
    return {
        "filters": filters,
        "overdue_query": urlencode({**keep, **query}),
        "overdue_keep": keep,
        "overdue_hidden": query,
        "districts": list_filters.districts_within(actor.region_code),
        "industries": list_filters.industries(),
        "sorts": choices(request, OVERDUE_SORTS),
    }
