"""/ledger (the permits whose ledger a user keeps) and the ledger home: completeness, exceedances and
their explanation, emissions, shutdowns (停产) and the restart."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from domain.errors import Conflict, FieldError, ValidationFailed
from domain.ledgers.queries.ledger import ledger_home, my_ledgers
from domain.ledgers.queries.records import exceedance_in_ledger
from domain.ledgers.service import exceedances, shutdowns
from portal.ledgers.common import helpers
from portal.ledgers.forms import LONG, REASON, day, shutdown_input
from portal.responses import actor_of, db_of, is_htmx, redirect, render
from portal.templating import field_errors


async def ledger_index(request: Request) -> Response:
    actor = await actor_of(request)
    number = request.query_params.get("number", "").strip().upper()
    if number:
        return redirect(f"/ledger/{number}")
    async with db_of(request).read() as session:
        permits = await my_ledgers(session, actor)
    if actor.is_enterprise_user and len(permits) == 1 and request.query_params.get("all") is None:
        return redirect(f"/ledger/{permits[0].number}")
    return render(request, "ledgers/index.html", {"permits": permits, **helpers(request)})


async def _home(request: Request, extra: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        home = await ledger_home(session, actor, permit_number=request.path_params["number"])
    context = {
        "home": home,
        "ctx": home.context,
        "tab": "home",
        "explain_errors": {},
        "explain_input": {},
        **helpers(request),
        **(extra or {}),
    }
    return render(request, "ledgers/home.html", context, status_code=status_code)


async def home(request: Request) -> Response:
    return await _home(
        request,
        {"explained": request.query_params.get("explained"), "done": request.query_params.get("done")},
    )


async def record_shutdown(request: Request) -> Response:
    """停产: the unit records a shutdown (first day, last day or still stopped, reason)."""
    actor = await actor_of(request)
    number = request.path_params["number"]
    form = await request.form()
    typed = {key: str(form.get(key, ""))[:REASON] for key in ("starts_on", "ends_on", "reason")}
    data, problems = shutdown_input(form)
    try:
        async with db_of(request).transaction() as session:
            await shutdowns.record_shutdown(
                session, actor, permit_number=number, data=data, input_errors=problems
            )
    except (ValidationFailed, Conflict) as error:
        return await _home(
            request,
            {"shutdown_errors": field_errors(error.errors), "shutdown_input": typed},
            status_code=409 if isinstance(error, Conflict) else 400,
        )
    return redirect(f"/ledger/{number}?done=shutdown#shutdowns")


async def end_shutdown(request: Request) -> Response:
    """The restart after an open shutdown: its last day."""
    actor = await actor_of(request)
    number, shutdown_id = request.path_params["number"], request.path_params["shutdown_id"]
    form = await request.form()
    problems: list[FieldError] = []
    ends_on = day(str(form.get("ends_on", "")), "ends_on", problems)
    try:
        async with db_of(request).transaction() as session:
            await shutdowns.end_shutdown(
                session,
                actor,
                shutdown_id=shutdown_id,
                ends_on=ends_on,
                permit_number=number,
                input_errors=problems,
            )
    except (ValidationFailed, Conflict) as error:
        return await _home(
            request,
            {"end_errors": {shutdown_id: field_errors(error.errors)}},
            status_code=409 if isinstance(error, Conflict) else 400,
        )
    return redirect(f"/ledger/{number}?done=restart#shutdowns")


async def explain(request: Request) -> Response:
    actor = await actor_of(request)
    number = request.path_params["number"]
    exceedance_id = request.path_params["exceedance_id"]
    form = await request.form()
    cause, measures = str(form.get("cause", ""))[:LONG], str(form.get("measures", ""))[:LONG]
    errors: dict[str, list[FieldError]] = {}
    try:
        async with db_of(request).transaction() as session:
            await exceedances.explain_exceedance(
                session,
                actor,
                exceedance_id=exceedance_id,
                cause=cause,
                measures=measures,
                permit_number=number,
            )
    except ValidationFailed as error:
        errors = field_errors(error.errors)
    if not is_htmx(request):
        if not errors:
            return redirect(f"/ledger/{number}?explained={exceedance_id}#exceedances")
        return await _home(
            request,
            {
                "explain_errors": {exceedance_id: errors},
                "explain_input": {exceedance_id: {"cause": cause, "measures": measures}},
            },
            status_code=400,
        )
    async with db_of(request).read() as session:
        ledger, exceedance = await exceedance_in_ledger(
            session, actor, permit_number=number, exceedance_id=exceedance_id
        )
    return render(
        request,
        "ledgers/_exceedance.html",
        {
            "ctx": ledger,
            "e": exceedance,
            "errors": errors,
            "typed": {"cause": cause, "measures": measures},
            "just_explained": not errors,
            **helpers(request),
        },
    )
