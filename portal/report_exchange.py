"""The export of filed execution reports for the national platform (/reports/exchange): a form naming a unit
or a jurisdiction, and the JSON document (``permitwatch-reports/1``, docs/integrators.md) it downloads."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import ValidationFailed
from domain.permits.reference import REPORT_KIND_LABELS
from domain.reports.checks import KINDS
from domain.reports.queries.exchange import export_reports, require_reader
from portal.responses import actor_of, db_of, render
from portal.templating import field_errors


def _values(request: Request) -> dict[str, str]:
    params = request.query_params
    return {
        "enterprise": params.get("enterprise", "")[:40],
        "region": params.get("region", "")[:12],
        "kind": params.get("kind", "")[:16],
        "year": params.get("year", "")[:8],
    }


def _form(request: Request, values: dict[str, str], errors: dict[str, Any], status: int = 200) -> Response:
    return render(
        request,
        "reports/exchange.html",
        {"values": values, "errors": errors, "kinds": KINDS, "report_kind_labels": REPORT_KIND_LABELS},
        status_code=status,
    )


async def exchange_page(request: Request) -> Response:
    """The form: which unit's or jurisdiction's filed reports to download."""
    actor = await actor_of(request)
    require_reader(actor)
    return _form(request, _values(request), {})


async def exchange_download(request: Request) -> Response:
    """The document, as a file; bad filters go back to the form beside their field, nothing downloaded."""
    actor = await actor_of(request)
    values = _values(request)
    async with db_of(request).read() as session:
        try:
            document = await export_reports(
                session,
                actor,
                credit_code=values["enterprise"],
                region_code=values["region"],
                kind=values["kind"],
                year=values["year"],
            )
        except ValidationFailed as error:
            return _form(request, values, field_errors(error.errors), status=400)
    scope = document["scope"]
    name = "-".join(
        part
        for part in ("reports", scope["credit_code"] or scope["region_code"], scope["kind"], scope["year"])
        if part
    )
    return Response(
        json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8"),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.json"',
            "Cache-Control": "private, no-store",
        },
    )


routes = [
    Route("/reports/exchange", exchange_page, methods=["GET"], name="report_exchange"),
    Route("/reports/exchange.json", exchange_download, methods=["GET"], name="report_exchange_download"),
]
