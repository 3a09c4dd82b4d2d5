"""Import of a unit's history from the national platform: upload a JSON Lines file, see what was written or
every problem by line and field (nothing written then). The format: docs/integrators.md."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import N_, Conflict, ValidationFailed
from domain.history import reading
from domain.history.models import DEFAULT_SOURCE
from domain.history.service import HistoryRejected, import_history
from domain.permits.service.imports import RowError, require_may_import
from portal.responses import actor_of, db_of, is_htmx, render

# The multipart envelope (boundary, headers, the CSRF and source fields) around a file of the largest size.
ENVELOPE_BYTES = 64 * 1024
TEMPLATE = "permits/import_history.html"


def _context(**values: Any) -> dict[str, Any]:
    return {
        "problems": [],
        "total_problems": 0,
        "result": None,
        "filename": "",
        "source": DEFAULT_SOURCE,
        "max_megabytes": reading.MAX_FILE_BYTES // (1024 * 1024),
        **values,
    }


def _refused(
    request: Request, problems: list[RowError], *, total: int, status: int, **values: Any
) -> Response:
    # htmx swaps only successful responses; it gets 200 and the same page with the problems.
    return render(
        request,
        TEMPLATE,
        _context(problems=problems, total_problems=total, **values),
        status_code=200 if is_htmx(request) else status,
    )


async def history_form(request: Request) -> Response:
    require_may_import(await actor_of(request))
    return render(request, TEMPLATE, _context())


async def history_upload(request: Request) -> Response:
    actor = await actor_of(request)
    require_may_import(actor)  # who may not import sends no file to be read
    limit = reading.MAX_FILE_BYTES // (1024 * 1024)
    too_large = RowError(0, "file", "too_large", N_("The file is larger than {limit} MB."), {"limit": limit})
    try:
        declared = int(request.headers.get("content-length", "0"))
    except ValueError:
        declared = 0
    if declared > reading.MAX_FILE_BYTES + ENVELOPE_BYTES:
        return _refused(request, [too_large], total=1, status=413)
    form = await request.form(max_files=1, max_fields=5)
    upload, source = form.get("file"), str(form.get("source") or "")
    if not isinstance(upload, UploadFile) or not upload.filename:
        problem = RowError(0, "file", "required", N_("Choose a .jsonl file to upload."), {})
        return _refused(request, [problem], total=1, status=400, source=source)
    filename = Path(upload.filename).name
    data = await upload.read(reading.MAX_FILE_BYTES + 1)
    await form.close()
    if len(data) > reading.MAX_FILE_BYTES:
        return _refused(request, [too_large], total=1, status=413, filename=filename, source=source)
    try:
        async with db_of(request).transaction() as session:
            result = await import_history(session, actor, file_name=filename, data=data, source=source)
    except HistoryRejected as error:
        return _refused(request, error.rows, total=error.total, status=400, filename=filename, source=source)
    except (ValidationFailed, Conflict) as error:  # the source, or an import of the same file at that moment
        problems = [RowError(0, e.field or "file", e.code, e.message, e.params) for e in error.errors]
        status = 409 if isinstance(error, Conflict) else 400
        return _refused(
            request, problems, total=len(problems), status=status, filename=filename, source=source
        )
    return render(request, TEMPLATE, _context(result=result, filename=filename, source=source))


routes = [
    Route("/permits/import-history", history_form, methods=["GET"], name="history_import"),
    Route("/permits/import-history", history_upload, methods=["POST"], name="history_import_upload"),
]
