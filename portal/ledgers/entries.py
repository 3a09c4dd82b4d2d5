"""The ledger's other entries: a month of them, one added, one entry with its history, revised, voided."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from domain.clock import CHINA
from domain.errors import N_, Conflict, FieldError, ValidationFailed
from domain.ledgers.models import ENTRY_KINDS
from domain.ledgers.queries.records import entries_page, entry_detail
from domain.ledgers.service import entries
from portal.ledgers.common import PAGE_SIZE, form_status, helpers, integer, last_page, page_number
from portal.ledgers.forms import REASON, EntryForm, month_start
from portal.responses import actor_of, db_of, is_htmx, redirect, render
from portal.templating import field_errors


def _kind(raw: str | None) -> str:
    return raw if raw in ENTRY_KINDS else ""


def _month(raw: str | None) -> str:
    return month_start(raw).strftime("%Y-%m")


async def _entries_response(
    request: Request,
    *,
    kind: str,
    month: str,
    typed: EntryForm | None = None,
    errors: dict[str, list[FieldError]] | None = None,
    message: str = "",
    status_code: int = 200,
) -> Response:
    actor = await actor_of(request)
    number = page_number(request.query_params.get("page"))
    async with db_of(request).read() as session:
        result = await entries_page(
            session,
            actor,
            permit_number=request.path_params["number"],
            kind=kind,
            month_start=month_start(month),
            first=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
        )
    form_kind = kind or (typed.kind if typed else "production_facility")
    return render(
        request,
        "ledgers/entries.html",
        {
            "ctx": result.context,
            "tab": "entries",
            "result": result,
            "page": result.page,
            "kind": kind,
            "form_kind": form_kind,
            "month": month,
            "page_number": number,
            "last_page": last_page(result.page.total),
            "typed": typed or EntryForm(kind=form_kind),
            "errors": errors or {},
            "message": message,
            **helpers(request),
        },
        fragment="ledgers/_entries_panel.html",
        status_code=status_code,
    )


async def entries_list(request: Request) -> Response:
    params = request.query_params
    return await _entries_response(
        request,
        kind=_kind(params.get("kind")),
        month=_month(params.get("month")),
        message=N_("Saved.") if params.get("saved") else "",
    )


async def add_entry(request: Request) -> Response:
    actor = await actor_of(request)
    number = request.path_params["number"]
    form = await request.form()
    kind = str(form.get("kind", ""))
    typed = EntryForm.of(kind, form)
    data, problems = typed.parsed()
    list_kind, month = _kind(str(form.get("list_kind", ""))), _month(str(form.get("month", "")))
    try:
        async with db_of(request).transaction() as session:
            entry = await entries.record_entry(
                session, actor, permit_number=number, data=data, input_errors=problems
            )
            started = entry.period_start
    except ValidationFailed as error:
        return await _entries_response(
            request,
            kind=list_kind,
            month=month,
            typed=typed,
            errors=field_errors(error.errors),
            status_code=form_status(request),
        )
    month = started.astimezone(CHINA).strftime("%Y-%m")
    query = urlencode({"kind": list_kind, "month": month, "saved": "1"})
    if not is_htmx(request):
        return redirect(f"/ledger/{number}/entries?{query}")
    response = await _entries_response(
        request, kind=list_kind, month=month, typed=EntryForm(kind=kind), message=N_("Saved.")
    )
    response.headers["HX-Push-Url"] = (
        f"/ledger/{number}/entries?{urlencode({'kind': list_kind, 'month': month})}"
    )
    return response


async def _entry_page(
    request: Request, template: str, extra: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        detail = await entry_detail(
            session,
            actor,
            permit_number=request.path_params["number"],
            entry_id=request.path_params["entry_id"],
        )
    context = {
        "ctx": detail.context,
        "tab": "entries",
        "detail": detail,
        "entry": detail.entry,
        "errors": {},
        "void_errors": {},
        "reason": "",
        "note": "",
        **helpers(request),
        **(extra or {}),
    }
    if "typed" not in context:
        context["typed"] = EntryForm.from_entry(detail.entry)
    if "expected_revision" not in context:
        context["expected_revision"] = detail.entry.revision
    return render(request, template, context, status_code=status_code)


async def entry_page(request: Request) -> Response:
    flag = request.query_params.get("done")
    message = {"revised": N_("Saved. The previous revision stays in the history."), "voided": N_("Voided.")}
    return await _entry_page(request, "ledgers/entry.html", {"message": message.get(flag or "", "")})


async def revise_form(request: Request) -> Response:
    return await _entry_page(request, "ledgers/revise.html")


async def revise(request: Request) -> Response:
    actor = await actor_of(request)
    number, entry_id = request.path_params["number"], request.path_params["entry_id"]
    form = await request.form()
    kind = str(form.get("kind", ""))
    typed = EntryForm.of(kind, form)
    data, problems = typed.parsed()
    note = str(form.get("note", ""))[:REASON]
    expected = integer(form.get("expected_revision", ""))
    try:
        async with db_of(request).transaction() as session:
            await entries.revise_entry(
                session,
                actor,
                entry_id=entry_id,
                data=data,
                note=note,
                expected_revision=expected,
                permit_number=number,
                input_errors=problems,
            )
    except (ValidationFailed, Conflict) as error:
        return await _entry_page(
            request,
            "ledgers/revise.html",
            {
                "typed": typed,
                "note": note,
                "errors": field_errors(error.errors),
                # A stale form keeps the revision it was opened on: saving again must be a deliberate reload.
                "expected_revision": expected,
            },
            status_code=409 if isinstance(error, Conflict) else form_status(request),
        )
    return redirect(f"/ledger/{number}/entries/{entry_id}?done=revised")


async def void_entry(request: Request) -> Response:
    actor = await actor_of(request)
    number, entry_id = request.path_params["number"], request.path_params["entry_id"]
    form = await request.form()
    reason = str(form.get("reason", ""))[:REASON]
    try:
        async with db_of(request).transaction() as session:
            await entries.void_entry(session, actor, entry_id=entry_id, reason=reason, permit_number=number)
    except (ValidationFailed, Conflict) as error:
        return await _entry_page(
            request,
            "ledgers/entry.html",
            {"void_errors": field_errors(error.errors), "reason": reason},
            status_code=form_status(request),
        )
    return redirect(f"/ledger/{number}/entries/{entry_id}?done=voided")
