"""Ledger pages (环境管理台账): home, readings, other entries, import, export, charts, warnings.

Every endpoint parses its input, calls one use case of ``domain.ledgers.views`` and renders.
Forms work without JavaScript; htmx swaps only the part that changed. Times are shown and
typed in China time; the domain receives aware datetimes.
"""

from __future__ import annotations

import calendar
import csv
import io
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.bounds import OutOfRange, in_range, out_of_range
from domain.clock import CHINA
from domain.errors import N_, Conflict, FieldError, ValidationFailed
from domain.i18n import translations_for
from domain.ledgers import files, views
from domain.ledgers import shutdowns as shutdown_cases
from domain.ledgers.models import ENTRY_KINDS
from domain.ledgers.service import ENTRY_FIELDS, MAX_BATCH
from domain.ledgers.shutdowns import ShutdownInput
from domain.permits.reference import UNIT_LABELS, label, pollutant_name
from domain.spreadsheets import append_row, csv_row
from portal.context import request_locale
from portal.responses import actor_of, db_of, is_htmx, redirect, render
from portal.templating import field_errors

PAGE_SIZE = 50
MAX_UPLOAD_BYTES = 40 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Words for what the domain stores as codes.
FIELD_LABELS = {
    "status": N_("Operating status"),
    "hours": N_("Operating hours"),
    "load_percent": N_("Load (%)"),
    "output": N_("Output"),
    "fuel": N_("Fuel and raw materials used"),
    "abnormal_cause": N_("Cause of any abnormality"),
    "abnormal_measures": N_("Measures taken for it"),
    "reagent": N_("Reagent"),
    "reagent_amount": N_("Reagent amount"),
    "description": N_("Description"),
    "cause": N_("Cause"),
    "measures": N_("Measures taken"),
    "estimate_outlet": N_("Estimate: outlet"),
    "estimate_pollutant": N_("Estimate: pollutant"),
    "estimate_quantity_kg": N_("Estimate: quantity (kg)"),
    "estimate_basis": N_("Estimate: basis (factor or material balance)"),
    "subject": N_("Facility, outlet or source"),
    "period_start": N_("Period start"),
    "period_end": N_("Period end"),
}
LONG_FIELDS = frozenset({"abnormal_cause", "abnormal_measures", "description", "cause", "measures"})
NUMERIC_FIELDS = frozenset({"hours", "load_percent", "reagent_amount", "estimate_quantity_kg"})
METHOD_WORDS = {
    "automatic": N_("Automatic monitoring"),
    "manual": N_("Manual monitoring"),
    "factor": N_("Emission factor / material balance"),
    "missing": N_("No figure yet"),
}
EXCEEDANCE_KINDS = {
    "concentration": N_("Concentration above the permitted limit"),
    "annual_quantity": N_("Annual quantity above the permitted one"),
}


def _number(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def _helpers(request: Request) -> dict[str, Any]:
    locale = request_locale(request)
    gettext = translations_for(locale).gettext
    return {
        "label": lambda value: label(value, locale) if value else "",
        "pollutant_name": lambda code: pollutant_name(code, locale),
        "unit_label": lambda unit: gettext("dimensionless") if unit == "dimensionless" else unit,
        "num": _number,
        "ledger_field": lambda name: gettext(FIELD_LABELS[name]) if name in FIELD_LABELS else name,
        "method_words": lambda method: gettext(METHOD_WORDS.get(method, method)),
        "exceedance_kind": lambda kind: gettext(EXCEEDANCE_KINDS.get(kind, kind)),
        "china": CHINA,
        "kind_fields": ENTRY_FIELDS,
        "estimate_fields": views.ESTIMATE_FIELDS,
        "long_fields": LONG_FIELDS,
        "numeric_fields": NUMERIC_FIELDS,
        "entry_kinds": ENTRY_KINDS,
        "quantity_units": views.QUANTITY_UNITS,
        "UNIT_LABELS": UNIT_LABELS,
    }


def _page(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 1), 100_000))
    except ValueError:
        return 1


def _int(raw: object) -> int | None:
    try:
        return int(str(raw))
    except ValueError:
        return None


def _status(request: Request, ok: bool = False) -> int:
    """htmx swaps 2xx answers only: a form with errors comes back as 200 to htmx, 400 to a plain post."""
    return 200 if ok or is_htmx(request) else 400


# ---------------------------------------------------------------------------
# /ledger and the ledger home
# ---------------------------------------------------------------------------


async def ledger_index(request: Request) -> Response:
    actor = await actor_of(request)
    number = request.query_params.get("number", "").strip().upper()
    if number:
        return redirect(f"/ledger/{number}")
    async with db_of(request).read() as session:
        permits = await views.my_ledgers(session, actor)
    if actor.is_enterprise_user and len(permits) == 1 and request.query_params.get("all") is None:
        return redirect(f"/ledger/{permits[0].number}")
    return render(request, "ledgers/index.html", {"permits": permits, **_helpers(request)})


async def _home(request: Request, extra: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        home = await views.ledger_home(session, actor, permit_number=request.path_params["number"])
    context = {
        "home": home,
        "ctx": home.context,
        "tab": "home",
        "explain_errors": {},
        "explain_input": {},
        **_helpers(request),
        **(extra or {}),
    }
    return render(request, "ledgers/home.html", context, status_code=status_code)


async def home(request: Request) -> Response:
    return await _home(
        request,
        {"explained": request.query_params.get("explained"), "done": request.query_params.get("done")},
    )


def _day(form: FormData, name: str, problems: list[FieldError]) -> date | None:
    raw = str(form.get(name, ""))[:20].strip()
    if not raw:
        return None
    try:
        return in_range(date.fromisoformat(raw))
    except OutOfRange:
        problems.append(out_of_range(name))
    except ValueError:
        problems.append(FieldError(name, "date", N_("Expected a date (YYYY-MM-DD).")))
    return None


async def record_shutdown(request: Request) -> Response:
    """停产: the unit records a shutdown (first day, last day or still stopped, reason)."""
    actor = await actor_of(request)
    number = request.path_params["number"]
    form = await request.form()
    typed = {key: str(form.get(key, ""))[:600] for key in ("starts_on", "ends_on", "reason")}
    problems: list[FieldError] = []
    data = ShutdownInput(_day(form, "starts_on", problems), _day(form, "ends_on", problems), typed["reason"])
    try:
        if problems:
            raise ValidationFailed(problems)
        async with db_of(request).transaction() as session:
            await shutdown_cases.record_shutdown(session, actor, permit_number=number, data=data)
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
    ends_on = _day(form, "ends_on", problems)
    try:
        if problems:
            raise ValidationFailed(problems)
        async with db_of(request).transaction() as session:
            await shutdown_cases.end_shutdown(session, actor, shutdown_id=shutdown_id, ends_on=ends_on)
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
    cause, measures = str(form.get("cause", ""))[:2100], str(form.get("measures", ""))[:2100]
    errors: dict[str, list[FieldError]] = {}
    try:
        async with db_of(request).transaction() as session:
            await views.explain_exceedance(
                session,
                actor,
                permit_number=number,
                exceedance_id=exceedance_id,
                cause=cause,
                measures=measures,
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
        ledger, exceedance = await views.exceedance_in_ledger(
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
            **_helpers(request),
        },
    )


# ---------------------------------------------------------------------------
# Readings
# ---------------------------------------------------------------------------


def _filters(params: Mapping[str, str]) -> views.ReadingFilters:
    return views.ReadingFilters(
        outlet=params.get("outlet", "")[:8].strip().upper(),
        pollutant=params.get("pollutant", "")[:16].strip().upper(),
        start=params.get("from", "")[:10],
        end=params.get("to", "")[:10],
        include_void=params.get("void") in ("1", "on", "true"),
    )


def _query_of(filters: views.ReadingFilters, page: int = 1) -> str:
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
    typed: views.ReadingForm | None = None,
    errors: dict[str, list[FieldError]] | None = None,
    row_errors: dict[int, dict[str, list[FieldError]]] | None = None,
    row_reasons: dict[int, str] | None = None,
    message: str = "",
    fragment: str = "ledgers/_readings_table.html",
    status_code: int = 200,
) -> Response:
    actor = await actor_of(request)
    filters = _filters(params)
    page_number = _page(params.get("page"))
    async with db_of(request).read() as session:
        result = await views.readings_page(
            session,
            actor,
            permit_number=request.path_params["number"],
            filters=filters,
            first=PAGE_SIZE,
            offset=(page_number - 1) * PAGE_SIZE,
        )
    last_page = max(1, -(-result.page.total // PAGE_SIZE))
    context = {
        "ctx": result.context,
        "tab": "readings",
        "result": result,
        "page": result.page,
        "filters": filters,
        "filter_errors": field_errors(result.filter_errors),
        "query": _query_of(filters),
        "page_number": page_number,
        "last_page": last_page,
        "typed": typed or views.ReadingForm(method="automatic"),
        "errors": errors or {},
        "row_errors": row_errors or {},
        "row_reasons": row_reasons or {},
        "message": message,
        "back": _query_of(filters, page_number),
        **_helpers(request),
    }
    return render(request, "ledgers/readings.html", context, fragment=fragment, status_code=status_code)


async def readings(request: Request) -> Response:
    saved = request.query_params.get("saved")
    message = ""
    if saved:
        message = N_("Saved.")
    return await _readings_response(request, request.query_params, message=message)


async def add_reading(request: Request) -> Response:
    actor = await actor_of(request)
    number = request.path_params["number"]
    form = await request.form()
    typed = views.ReadingForm.of(dict(form))
    params = _back_params(request, form)
    try:
        async with db_of(request).transaction() as session:
            result = await views.record_reading(session, actor, permit_number=number, form=typed)
    except ValidationFailed as error:
        return await _readings_response(
            request,
            params,
            typed=typed,
            errors=field_errors(error.errors),
            fragment="ledgers/_readings_panel.html",
            status_code=_status(request),
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
    following = views.ReadingForm(
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
    reason = str(form.get("reason", ""))[:600]
    params = _back_params(request, form)
    try:
        async with db_of(request).transaction() as session:
            await views.void_reading(
                session, actor, permit_number=number, reading_id=reading_id, reason=reason
            )
    except (ValidationFailed, Conflict) as error:
        return await _readings_response(
            request,
            params,
            row_errors={reading_id: field_errors(error.errors)},
            row_reasons={reading_id: reason},
            fragment="ledgers/_readings_panel.html",
            status_code=_status(request),
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
    typed: views.ReadingForm | None = None,
    errors: dict[str, list[FieldError]] | None = None,
    reason: str = "",
    back: str = "",
    status_code: int = 200,
) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        ledger, reading = await views.reading_in_ledger(
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
            "typed": typed or views.ReadingForm.from_reading(reading),
            "errors": errors or {},
            "reason": reason,
            "back": back or request.query_params.get("back", ""),
            **_helpers(request),
        },
        status_code=status_code,
    )


async def correct_form(request: Request) -> Response:
    return await _correct_page(request)


async def correct(request: Request) -> Response:
    actor = await actor_of(request)
    number = request.path_params["number"]
    form = await request.form()
    typed = views.ReadingForm.of(dict(form))
    reason = str(form.get("reason", ""))[:600]
    back = str(form.get("back", ""))[:2000]
    try:
        async with db_of(request).transaction() as session:
            await views.correct_reading(
                session,
                actor,
                permit_number=number,
                reading_id=request.path_params["reading_id"],
                form=typed,
                reason=reason,
            )
    except (ValidationFailed, Conflict) as error:
        return await _correct_page(
            request, typed, field_errors(error.errors), reason, back, status_code=_status(request)
        )
    query = urlencode({**dict(parse_qsl(back)), "saved": "1"})
    return redirect(f"/ledger/{number}/readings?{query}")


# ---------------------------------------------------------------------------
# Other entries
# ---------------------------------------------------------------------------


def _kind(raw: str | None) -> str:
    return raw if raw in ENTRY_KINDS else ""


def _month(raw: str | None) -> str:
    start, _end = views.month_bounds(raw or "")
    return start.strftime("%Y-%m")


async def _entries_response(
    request: Request,
    *,
    kind: str,
    month: str,
    typed: views.EntryForm | None = None,
    errors: dict[str, list[FieldError]] | None = None,
    message: str = "",
    status_code: int = 200,
) -> Response:
    actor = await actor_of(request)
    page_number = _page(request.query_params.get("page"))
    async with db_of(request).read() as session:
        result = await views.entries_page(
            session,
            actor,
            permit_number=request.path_params["number"],
            kind=kind,
            month=month,
            first=PAGE_SIZE,
            offset=(page_number - 1) * PAGE_SIZE,
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
            "page_number": page_number,
            "last_page": max(1, -(-result.page.total // PAGE_SIZE)),
            "typed": typed or views.EntryForm(kind=form_kind),
            "errors": errors or {},
            "message": message,
            **_helpers(request),
        },
        fragment="ledgers/_entries_panel.html",
        status_code=status_code,
    )


async def entries(request: Request) -> Response:
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
    typed = views.EntryForm.of(kind, dict(form))
    list_kind, month = _kind(str(form.get("list_kind", ""))), _month(str(form.get("month", "")))
    try:
        async with db_of(request).transaction() as session:
            entry = await views.record_entry(session, actor, permit_number=number, form=typed)
            started = entry.period_start
    except ValidationFailed as error:
        return await _entries_response(
            request,
            kind=list_kind,
            month=month,
            typed=typed,
            errors=field_errors(error.errors),
            status_code=_status(request),
        )
    month = started.astimezone(CHINA).strftime("%Y-%m")
    query = urlencode({"kind": list_kind, "month": month, "saved": "1"})
    if not is_htmx(request):
        return redirect(f"/ledger/{number}/entries?{query}")
    response = await _entries_response(
        request, kind=list_kind, month=month, typed=views.EntryForm(kind=kind), message=N_("Saved.")
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
        detail = await views.entry_detail(
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
        **_helpers(request),
        **(extra or {}),
    }
    if "typed" not in context:
        context["typed"] = views.EntryForm.from_entry(detail.entry)
    if "expected_revision" not in context:
        context["expected_revision"] = detail.entry.revision
    return render(request, template, context, status_code=status_code)


async def entry_detail(request: Request) -> Response:
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
    typed = views.EntryForm.of(kind, dict(form))
    note = str(form.get("note", ""))[:600]
    expected = _int(form.get("expected_revision", ""))
    try:
        async with db_of(request).transaction() as session:
            await views.revise_entry(
                session,
                actor,
                permit_number=number,
                entry_id=entry_id,
                form=typed,
                note=note,
                expected_revision=expected,
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
            status_code=409 if isinstance(error, Conflict) else _status(request),
        )
    return redirect(f"/ledger/{number}/entries/{entry_id}?done=revised")


async def void_entry(request: Request) -> Response:
    actor = await actor_of(request)
    number, entry_id = request.path_params["number"], request.path_params["entry_id"]
    form = await request.form()
    reason = str(form.get("reason", ""))[:600]
    try:
        async with db_of(request).transaction() as session:
            await views.void_entry(session, actor, permit_number=number, entry_id=entry_id, reason=reason)
    except (ValidationFailed, Conflict) as error:
        return await _entry_page(
            request,
            "ledgers/entry.html",
            {"void_errors": field_errors(error.errors), "reason": reason},
            status_code=_status(request),
        )
    return redirect(f"/ledger/{number}/entries/{entry_id}?done=voided")


# ---------------------------------------------------------------------------
# Import, template, export
# ---------------------------------------------------------------------------


def _row_errors(errors: list[FieldError], locale: str) -> tuple[list[dict[str, Any]], list[FieldError]]:
    """Split ``row N: column`` errors into table rows (row, column, error); the rest are about the file."""
    rows: list[dict[str, Any]] = []
    general: list[FieldError] = []
    for error in errors:
        name = error.field or ""
        if name.startswith("row ") and ": " in name:
            row, column = name[4:].split(": ", 1)
            column = {"flow": "flow_m3", "quantity": "quantity_kg", "outlet_code": "outlet"}.get(
                column, column
            )
            names = files.COLUMNS.get(column)
            title = (names[0] if locale == "en" else names[1]) if names else column
            rows.append({"row": _int(row) or 0, "column": title, "error": error})
        else:
            general.append(error)
    rows.sort(key=lambda item: item["row"])
    return rows, general


async def _import_page(
    request: Request, extra: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        ledger = await views.ledger_context(session, actor, permit_number=request.path_params["number"])
    context = {
        "ctx": ledger,
        "tab": "import",
        "row_errors": [],
        "file_errors": [],
        "result": None,
        "filename": "",
        "max_rows": MAX_BATCH,
        **_helpers(request),
        **(extra or {}),
    }
    return render(
        request,
        "ledgers/import.html",
        context,
        fragment="ledgers/_import_result.html",
        status_code=status_code,
    )


async def import_form(request: Request) -> Response:
    return await _import_page(request)


async def import_file(request: Request) -> Response:
    actor = await actor_of(request)
    number = request.path_params["number"]
    form = await request.form(max_files=1)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        error = FieldError("file", "required", N_("Choose a .csv or .xlsx file."))
        return await _import_page(request, {"file_errors": [error]}, status_code=_status(request))
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    filename = upload.filename
    await form.close()
    if len(data) > MAX_UPLOAD_BYTES:
        error = FieldError("file", "too_large", N_("The file is larger than {size} MB."), {"size": 40})
        return await _import_page(
            request, {"file_errors": [error], "filename": filename}, status_code=_status(request)
        )
    try:
        # Read (and refused if need be) before the write transaction opens: parsing takes seconds.
        async with db_of(request).read() as session:
            batch = await views.read_import_file(
                session, actor, permit_number=number, filename=filename, data=data
            )
        async with db_of(request).transaction() as session:
            result = await views.import_readings(session, actor, permit_number=number, batch=batch)
    except ValidationFailed as failure:
        rows, general = _row_errors(failure.errors, request_locale(request))
        return await _import_page(
            request,
            {"row_errors": rows, "file_errors": general, "filename": filename},
            status_code=_status(request),
        )
    return await _import_page(request, {"result": result, "filename": filename})


async def _template(request: Request) -> views.ImportTemplate:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        return await views.import_template(session, actor, permit_number=request.path_params["number"])


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


async def template_csv(request: Request) -> Response:
    template = await _template(request)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(csv_row(template.header))
    writer.writerows(csv_row(row) for row in template.rows)
    # The byte order mark lets Excel open the Chinese header as UTF-8; the importer skips it.
    body = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    return _download(body, "text/csv; charset=utf-8", f"ledger-{request.path_params['number']}-template.csv")


async def template_xlsx(request: Request) -> Response:
    from openpyxl import Workbook

    template = await _template(request)
    gettext = translations_for(request_locale(request)).gettext
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(gettext("Readings"))
    append_row(sheet, template.header)
    for row in template.rows:
        append_row(sheet, row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _download(buffer.getvalue(), XLSX, f"ledger-{request.path_params['number']}-template.xlsx")


def _local(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if not isinstance(moment, datetime):
        moment = datetime.fromisoformat(str(moment))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


async def export_xlsx(request: Request) -> Response:
    from openpyxl import Workbook

    actor = await actor_of(request)
    params = request.query_params
    start, end = views.export_window(params.get("from", ""), params.get("to", ""))
    async with db_of(request).read() as session:
        data = await views.export_period(
            session, actor, permit_number=request.path_params["number"], start=start, end=end
        )
    locale = request_locale(request)
    _ = translations_for(locale).gettext
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Monitoring readings"))
    append_row(
        sheet,
        [
            _("Measured at"),
            _("Until"),
            _("Outlet"),
            _("Pollutant"),
            _("Monitoring method"),
            _("Concentration"),
            _("Unit of measure"),
            _("Permitted concentration"),
            _("Flow (m³)"),
            _("Quantity (kg)"),
            _("Source"),
            _("Entered at"),
            _("Entered by"),
            _("Status"),
            _("Void reason"),
            _("Replaces reading"),
            _("Reading no."),
        ],
    )
    for row in data.readings:
        limit = data.context.limit(row.outlet_code, row.pollutant)
        append_row(
            sheet,
            [
                _local(row.measured_at),
                _local(row.period_end),
                row.outlet_code,
                row.pollutant,
                label(row.method, locale),
                row.concentration,
                row.unit,
                limit.concentration_limit if limit else None,
                row.flow_m3,
                row.quantity_kg,
                row.source,
                _local(row.entered_at),
                row.entered_by or "",
                _("Void") if row.voided_at else _("Valid"),
                row.void_reason or "",
                row.replaces_id,
                row.id,
            ],
        )
    names = [name for kind in ENTRY_KINDS for name, _required in ENTRY_FIELDS[kind]]
    names = list(dict.fromkeys(names))
    titles = {name: _(text) for name, text in FIELD_LABELS.items()}
    sheet = workbook.create_sheet(_("Ledger entries"))
    append_row(
        sheet,
        [
            _("Kind"),
            *[titles[name] for name in ("subject", "period_start", "period_end", *names)],
            _("Estimate (kg)"),
            _("Revision"),
            _("Recorded by"),
            _("Recorded at"),
            _("Status"),
            _("Void reason"),
            _("Entry no."),
        ],
    )
    for entry in data.entries:
        estimate = entry.data.get("estimate") if isinstance(entry.data, dict) else None
        append_row(
            sheet,
            [
                label(entry.kind, locale),
                entry.subject,
                _local(entry.period_start),
                _local(entry.period_end),
                *[entry.data.get(name, "") for name in names],
                (
                    f"{estimate.get('outlet')} {estimate.get('pollutant')} {estimate.get('quantity_kg')}"
                    if isinstance(estimate, dict)
                    else ""
                ),
                entry.revision,
                entry.created_by or "",
                _local(entry.created_at),
                _("Void") if entry.voided_at else _("Valid"),
                entry.void_reason,
                entry.id,
            ],
        )
    sheet = workbook.create_sheet(_("Exceedances"))
    append_row(
        sheet,
        [
            _("Outlet"),
            _("Pollutant"),
            _("Kind"),
            _("Started"),
            _("Ended"),
            _("Highest value"),
            _("Permitted value"),
            _("Unit of measure"),
            _("Readings"),
            _("Status"),
            _("Cause"),
            _("Measures taken"),
        ],
    )
    for e in data.exceedances:
        append_row(
            sheet,
            [
                e.outlet_code,
                e.pollutant,
                _(EXCEEDANCE_KINDS.get(e.kind, e.kind)),
                _local(e.started_at),
                _local(e.ended_at),
                e.max_value,
                e.limit_value,
                e.unit,
                e.reading_count,
                _("Awaiting explanation") if e.status == "open" else _("Explained"),
                e.cause,
                e.measures,
            ],
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    last_day = (end - timedelta(days=1)).strftime("%Y%m%d")
    filename = f"ledger-{data.context.number}-{start.strftime('%Y%m%d')}-{last_day}.xlsx"
    return _download(buffer.getvalue(), XLSX, filename)


# ---------------------------------------------------------------------------
# Charts and the warnings list
# ---------------------------------------------------------------------------


def _month_name(month: int, locale: str) -> str:
    return calendar.month_abbr[month] if locale == "en" else f"{month}月"


async def charts(request: Request) -> Response:
    actor = await actor_of(request)
    params = request.query_params
    outlet, _sep, pollutant = params.get("series", "").partition(":")
    async with db_of(request).read() as session:
        result = await views.charts_page(
            session,
            actor,
            permit_number=request.path_params["number"],
            outlet=outlet[:8],
            pollutant=pollutant[:16],
            start=params.get("from", "")[:10],
            end=params.get("to", "")[:10],
            year=params.get("year", "")[:4],
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
            "errors": field_errors(result.errors),
            "from_text": result.start.strftime("%Y-%m-%d"),
            "to_text": result.end.strftime("%Y-%m-%d"),
            **_helpers(request),
        },
    )


async def exceedance_list(request: Request) -> Response:
    actor = await actor_of(request)
    status = request.query_params.get("status", "")
    status = status if status in ("open", "explained") else ""
    page_number = _page(request.query_params.get("page"))
    async with db_of(request).read() as session:
        page = await views.warnings(
            session, actor, status=status, first=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE
        )
    return render(
        request,
        "ledgers/exceedances.html",
        {
            "page": page,
            "status": status,
            "page_number": page_number,
            "last_page": max(1, -(-page.total // PAGE_SIZE)),
            **_helpers(request),
        },
        fragment="ledgers/_exceedance_rows.html",
    )


routes = [
    Route("/ledger", ledger_index, methods=["GET"], name="ledger_index"),
    Route("/exceedances", exceedance_list, methods=["GET"], name="exceedance_list"),
    Route("/ledger/{number}", home, methods=["GET"], name="ledger_home"),
    Route(
        "/ledger/{number}/exceedances/{exceedance_id:int}/explain",
        explain,
        methods=["POST"],
        name="ledger_explain",
    ),
    Route("/ledger/{number}/shutdowns", record_shutdown, methods=["POST"], name="ledger_record_shutdown"),
    Route(
        "/ledger/{number}/shutdowns/{shutdown_id:int}/end",
        end_shutdown,
        methods=["POST"],
        name="ledger_end_shutdown",
    ),
    Route("/ledger/{number}/readings", readings, methods=["GET"], name="ledger_readings"),
    Route("/ledger/{number}/readings", add_reading, methods=["POST"], name="ledger_add_reading"),
    Route(
        "/ledger/{number}/readings/{reading_id:int}/correct",
        correct_form,
        methods=["GET"],
        name="ledger_correct_form",
    ),
    Route(
        "/ledger/{number}/readings/{reading_id:int}/correct", correct, methods=["POST"], name="ledger_correct"
    ),
    Route(
        "/ledger/{number}/readings/{reading_id:int}/void",
        void_reading,
        methods=["POST"],
        name="ledger_void_reading",
    ),
    Route("/ledger/{number}/entries", entries, methods=["GET"], name="ledger_entries"),
    Route("/ledger/{number}/entries", add_entry, methods=["POST"], name="ledger_add_entry"),
    Route("/ledger/{number}/entries/{entry_id:int}", entry_detail, methods=["GET"], name="ledger_entry"),
    Route(
        "/ledger/{number}/entries/{entry_id:int}/revise",
        revise_form,
        methods=["GET"],
        name="ledger_revise_form",
    ),
    Route("/ledger/{number}/entries/{entry_id:int}/revise", revise, methods=["POST"], name="ledger_revise"),
    Route(
        "/ledger/{number}/entries/{entry_id:int}/void", void_entry, methods=["POST"], name="ledger_void_entry"
    ),
    Route("/ledger/{number}/import", import_form, methods=["GET"], name="ledger_import_form"),
    Route("/ledger/{number}/import", import_file, methods=["POST"], name="ledger_import"),
    Route("/ledger/{number}/template.csv", template_csv, methods=["GET"], name="ledger_template_csv"),
    Route("/ledger/{number}/template.xlsx", template_xlsx, methods=["GET"], name="ledger_template_xlsx"),
    Route("/ledger/{number}/export.xlsx", export_xlsx, methods=["GET"], name="ledger_export"),
    Route("/ledger/{number}/charts", charts, methods=["GET"], name="ledger_charts"),
]
