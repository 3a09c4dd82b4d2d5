"""Monitoring readings of a ledger: the table with its filters, a reading typed in, voided, corrected."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import Response

from domain.errors import N_, Conflict, FieldError, ValidationFailed
from domain.ledgers.queries.records import reading_in_ledger, readings_page
from domain.ledgers.service import readings
from portal.ledgers.common import PAGE_SIZE, form_status, helpers, last_page, page_number
from portal.ledgers.forms import REASON, ReadingFilterForm, ReadingForm, as_batch, of_form
from portal.responses import actor_of, db_of, is_htmx, redirect, render
from portal.templating import field_errors


def _query_of(filters: ReadingFilterForm, page: int = 1) -> str:
    values = {
        "outlet": filters.outlet,
        "pollutant": filters.pollutant,
        "from": filters.start,
        "to": filters.end,
        "void": "1" if filters.include_void else "",
        "page": str(page) if page > 1 else "",
    }
    return urlencode({k: v for k, v in values.items() if v})


def _back_params(request: Request, form: Mapping[str, Any]) -> dict[str, str]:
    """The table's filters when a row form was posted: htmx's current URL, else the form's ``back``."""
    current = request.headers.get("hx-current-url")
    query = urlsplit(current).query if current and is_htmx(request) else str(form.get("back", ""))
    return dict(parse_qsl(query[:2000]))


async def _readings_response(
    request: Request,
    params: Mapping[str, str],
    *,
    typed: ReadingForm | None = None,
    errors: dict[str, list[FieldError]] | None = None,
    row_errors: dict[int, dict[str, list[FieldError]]] | None = None,
    row_reasons: dict[int, str] | None = None,
    message: str = "",
    fragment: str = "ledgers/_readings_table.html",
    status_code: int = 200,
) -> Response:
    actor = await actor_of(request)
    typed_filters = ReadingFilterForm.of(params)
    filters, filter_errors = typed_filters.parsed()
    number = page_number(params.get("page"))
    async with db_of(request).read() as session:
        result = await readings_page(
            session,
            actor,
            permit_number=request.path_params["number"],
            filters=filters,
            first=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
        )
    context = {
        "ctx": result.context,
        "tab": "readings",
        "result": result,
        "page": result.page,
        "filters": typed_filters,
        "filter_errors": field_errors(filter_errors),
        "query": _query_of(typed_filters),
        "page_number": number,
        "last_page": last_page(result.page.total),
        "typed": typed or ReadingForm(method="automatic"),
        "errors": errors or {},
        "row_errors": row_errors or {},
        "row_reasons": row_reasons or {},
        "message": message,
        "back": _query_of(typed_filters, number),
        **helpers(request),
    }
    return render(request, "ledgers/readings.html", context, fragment=fragment, status_code=status_code)


async def readings_table(request: Request) -> Response:
    message = N_("Saved.") if request.query_params.get("saved") else ""
    return await _readings_response(request, request.query_params, message=message)


async def add_reading(request: Request) -> Response:
    """One reading typed into the ledger; every problem of the form is named at once, nothing half-written."""
    actor = await actor_of(request)
    number = request.path_params["number"]
    form = await request.form()
    typed = ReadingForm.of(form)
    reading, problems = typed.parsed()
    params = _back_params(request, form)
    try:
        async with db_of(request).transaction() as session:
            result = await readings.record_readings(
                session, actor, permit_number=number, readings=[reading], input_errors=as_batch(problems)
            )
    except ValidationFailed as error:
        return await _readings_response(
            request,
            params,
            typed=typed,
            errors=field_errors(of_form(error.errors)),
            fragment="ledgers/_readings_panel.html",
            status_code=form_status(request),
        )
    if not is_htmx(request):
        query = urlencode({**params, "saved": "1"})
        return redirect(f"/ledger/{number}/readings?{query}")
    message = (
        N_("Saved. The value is above the permitted limit: an exceedance was opened on the ledger home.")
        if result.exceedances_opened
        else N_("Saved.")
    )
    # Keep where the officer is: the next reading is usually the same outlet, pollutant and method.
    following = ReadingForm(
        outlet=typed.outlet, pollutant=typed.pollutant, method=typed.method, unit=typed.unit
    )
    return await _readings_response(
        request, params, typed=following, message=message, fragment="ledgers/_readings_panel.html"
    )


async def void_reading(request: Request) -> Response:
    actor = await actor_of(request)
    number = request.path_params["number"]
    reading_id = request.path_params["reading_id"]
    form = await request.form()
    reason = str(form.get("reason", ""))[:REASON]
    params = _back_params(request, form)
    try:
        async with db_of(request).transaction() as session:
            await readings.void_reading(
                session, actor, reading_id=reading_id, reason=reason, permit_number=number
            )
    except (ValidationFailed, Conflict) as error:
        return await _readings_response(
            request,
            params,
            row_errors={reading_id: field_errors(error.errors)},
            row_reasons={reading_id: reason},
            fragment="ledgers/_readings_panel.html",
            status_code=form_status(request),
        )
    if not is_htmx(request):
        return redirect(f"/ledger/{number}/readings?{urlencode({**params, 'saved': '1'})}")
    return await _readings_response(
        request,
        params,
        message=N_("The reading was voided; it stays listed under “show void”."),
        fragment="ledgers/_readings_panel.html",
    )


async def _correct_page(
    request: Request,
    typed: ReadingForm | None = None,
    errors: dict[str, list[FieldError]] | None = None,
    reason: str = "",
    back: str = "",
    status_code: int = 200,
) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        ledger, reading = await reading_in_ledger(
            session,
            actor,
            permit_number=request.path_params["number"],
            reading_id=request.path_params["reading_id"],
        )
    return render(
        request,
        "ledgers/correct.html",
        {
            "ctx": ledger,
            "tab": "readings",
            "reading": reading,
            "typed": typed or ReadingForm.from_reading(reading),
            "errors": errors or {},
            "reason": reason,
            "back": back or request.query_params.get("back", ""),
            **helpers(request),
        },
        status_code=status_code,
    )


async def correct_form(request: Request) -> Response:
    return await _correct_page(request)


async def correct(request: Request) -> Response:
    """Void the reading with the reason and record the corrected one in its place (both stay readable)."""
    actor = await actor_of(request)
    number = request.path_params["number"]
    form = await request.form()
    typed = ReadingForm.of(form)
    corrected, problems = typed.parsed()
    reason = str(form.get("reason", ""))[:REASON]
    back = str(form.get("back", ""))[:2000]
    try:
        async with db_of(request).transaction() as session:
            await readings.correct_reading(
                session,
                actor,
                reading_id=request.path_params["reading_id"],
                corrected=corrected,
                reason=reason,
                permit_number=number,
                input_errors=problems,
            )
    except (ValidationFailed, Conflict) as error:
        return await _correct_page(
            request, typed, field_errors(error.errors), reason, back, status_code=form_status(request)
        )
    query = urlencode({**dict(parse_qsl(back)), "saved": "1"})
    return redirect(f"/ledger/{number}/readings?{query}")
