"""The monthly dispatch summary (调度) a section head prints for the bureau's meeting (PT §3)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import ValidationFailed
from domain.permits.labels import EVENT_LABELS
from domain.statistics import dispatch
from portal.responses import actor_of, db_of, render
from portal.templating import field_errors


async def dispatch_page(request: Request) -> Response:
    actor = await actor_of(request)
    months = dispatch.months_back(12)
    raw = request.query_params.get("month", "")
    errors = []
    try:
        month = dispatch.month_of(raw) if raw else months[1]  # the month that has just ended
    except ValidationFailed as failure:
        errors, month = failure.errors, months[1]
    async with db_of(request).read() as session:
        summary = await dispatch.dispatch_summary(session, actor, month=month)
    return render(
        request,
        "statistics/dispatch.html",
        {
            "summary": summary,
            "months": months,
            "kinds": dispatch.PERMIT_EVENT_KINDS,
            "event_labels": EVENT_LABELS,
            "errors": field_errors(errors),
        },
        status_code=400 if errors else 200,
    )


routes = [Route("/statistics/dispatch", dispatch_page, methods=["GET"], name="dispatch_summary")]
