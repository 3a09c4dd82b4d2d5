"""Files in and out of a ledger: a CSV or XLSX of readings imported, the import template, a period's
export. The columns are chosen and put into words here; ``domain/spreadsheets.py`` writes them (what
people typed stays text)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from domain.clock import CHINA
from domain.errors import N_, FieldError, ValidationFailed
from domain.i18n import translations_for
from domain.ledgers.entry_rules import ENTRY_FIELDS
from domain.ledgers.files import COLUMNS
from domain.ledgers.models import ENTRY_KINDS
from domain.ledgers.queries.exports import ExportData, ImportTemplate, export_period, import_template
from domain.ledgers.queries.ledger import ledger_context
from domain.ledgers.service import readings
from domain.permits.reference import label
from domain.spreadsheets import Sheet, write_csv, write_xlsx
from portal.ledgers.common import EXCEEDANCE_KINDS, FIELD_LABELS, form_status, helpers, integer
from portal.ledgers.forms import export_window
from portal.responses import actor_of, db_of, render
from web.request_context import request_locale

MAX_UPLOAD_BYTES = 40 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
            names = COLUMNS.get(column)
            title = (names[0] if locale == "en" else names[1]) if names else column
            rows.append({"row": integer(row) or 0, "column": title, "error": error})
        else:
            general.append(error)
    rows.sort(key=lambda item: item["row"])
    return rows, general


async def _import_page(
    request: Request, extra: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        ledger = await ledger_context(session, actor, permit_number=request.path_params["number"])
    context = {
        "ctx": ledger,
        "tab": "import",
        "row_errors": [],
        "file_errors": [],
        "result": None,
        "filename": "",
        "max_rows": readings.MAX_BATCH,
        **helpers(request),
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
        return await _import_page(request, {"file_errors": [error]}, status_code=form_status(request))
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    filename = upload.filename
    await form.close()
    if len(data) > MAX_UPLOAD_BYTES:
        error = FieldError("file", "too_large", N_("The file is larger than {size} MB."), {"size": 40})
        return await _import_page(
            request, {"file_errors": [error], "filename": filename}, status_code=form_status(request)
        )
    try:
        # Read (and refused if need be) before the write transaction opens: parsing takes seconds.
        async with db_of(request).read() as session:
            batch = await readings.read_import_file(
                session, actor, permit_number=number, filename=filename, data=data
            )
        async with db_of(request).transaction() as session:
            result = await readings.import_readings(session, actor, permit_number=number, batch=batch)
    except ValidationFailed as failure:
        rows, general = _row_errors(failure.errors, request_locale(request))
        return await _import_page(
            request,
            {"row_errors": rows, "file_errors": general, "filename": filename},
            status_code=form_status(request),
        )
    return await _import_page(request, {"result": result, "filename": filename})


async def _template(request: Request) -> ImportTemplate:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        return await import_template(session, actor, permit_number=request.path_params["number"])


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


async def template_csv(request: Request) -> Response:
    template = await _template(request)
    body = write_csv(template.header, template.rows)
    return _download(body, "text/csv; charset=utf-8", f"ledger-{request.path_params['number']}-template.csv")


async def template_xlsx(request: Request) -> Response:
    template = await _template(request)
    gettext = translations_for(request_locale(request)).gettext
    body = write_xlsx([Sheet(gettext("Readings"), template.header, template.rows)])
    return _download(body, XLSX, f"ledger-{request.path_params['number']}-template.xlsx")


def _local(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if not isinstance(moment, datetime):
        moment = datetime.fromisoformat(str(moment))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def export_sheets(data: ExportData, locale: str) -> list[Sheet]:
    """A period's readings, entries and exceedances as three sheets, in the reader's language."""
    _ = translations_for(locale).gettext

    def reading_rows() -> Iterator[list[object]]:
        for row in data.readings:
            limit = data.context.limit(row.outlet_code, row.pollutant)
            yield [
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
            ]

    names = list(dict.fromkeys(name for kind in ENTRY_KINDS for name, _required in ENTRY_FIELDS[kind]))
    titles = {name: _(text) for name, text in FIELD_LABELS.items()}

    def entry_rows() -> Iterator[list[object]]:
        for entry in data.entries:
            estimate = entry.data.get("estimate") if isinstance(entry.data, dict) else None
            yield [
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
            ]

    exceedance_rows = (
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
        ]
        for e in data.exceedances
    )
    return [
        Sheet(
            _("Monitoring readings"),
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
            reading_rows(),
        ),
        Sheet(
            _("Ledger entries"),
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
            entry_rows(),
        ),
        Sheet(
            _("Exceedances"),
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
            exceedance_rows,
        ),
    ]


async def export_xlsx(request: Request) -> Response:
    actor = await actor_of(request)
    params = request.query_params
    start, end = export_window(params.get("from", ""), params.get("to", ""))
    async with db_of(request).read() as session:
        data = await export_period(
            session, actor, permit_number=request.path_params["number"], start=start, end=end
        )
    body = write_xlsx(export_sheets(data, request_locale(request)))
    last_day = (end - timedelta(days=1)).strftime("%Y%m%d")
    filename = f"ledger-{data.context.number}-{start.strftime('%Y%m%d')}-{last_day}.xlsx"
    return _download(body, XLSX, filename)
