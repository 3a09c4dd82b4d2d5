"""Import of permits issued on the national platform: upload JSON or XLSX, see every problem or the result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from domain.errors import N_, ValidationFailed
from domain.permits.files import layout
from domain.permits.files.layout import FileProblem, PermitFileRejected
from domain.permits.files.reading import open_permit_file_off_loop
from domain.permits.service.imports import import_permit_records, require_may_import
from portal.responses import actor_of, db_of, is_htmx, render
from portal.templating import STATIC_DIR

FORMAT_README = STATIC_DIR / "examples" / "README.md"
# The multipart envelope (boundary, headers, the CSRF field) around a file of the largest size.
ENVELOPE_BYTES = 64 * 1024


def _context(**values: Any) -> dict[str, Any]:
    return {
        "problems": [],
        "total_problems": 0,
        "imported": None,
        "filename": "",
        "max_megabytes": layout.MAX_FILE_BYTES // (1024 * 1024),
        **values,
    }


def _problem(code: str, message: str, **params: Any) -> FileProblem:
    return FileProblem("", None, "", "file", code, message, params)


def _refused(
    request: Request, problems: list[FileProblem], *, total: int, filename: str, status: int
) -> Response:
    # htmx swaps only successful responses; it gets 200 and the same page with the problems.
    return render(
        request,
        "permits/import.html",
        _context(problems=problems, total_problems=total, filename=filename),
        status_code=200 if is_htmx(request) else status,
    )


async def import_form(request: Request) -> Response:
    require_may_import(await actor_of(request))
    return render(request, "permits/import.html", _context())


async def import_upload(request: Request) -> Response:
    actor = await actor_of(request)
    # Who may not import learns nothing more, and sends no file to be read.
    require_may_import(actor)
    too_large = _problem(
        "too_large", N_("The file is larger than {limit} MB."), limit=layout.MAX_FILE_BYTES // (1024 * 1024)
    )
    try:
        declared = int(request.headers.get("content-length", "0"))
    except ValueError:
        declared = 0
    if declared > layout.MAX_FILE_BYTES + ENVELOPE_BYTES:
        return _refused(request, [too_large], total=1, filename="", status=413)
    form = await request.form(max_files=1, max_fields=5)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        problem = _problem("required", N_("Choose a .json or .xlsx file to upload."))
        return _refused(request, [problem], total=1, filename="", status=400)
    filename = Path(upload.filename).name
    data = await upload.read(layout.MAX_FILE_BYTES + 1)
    await form.close()
    if len(data) > layout.MAX_FILE_BYTES:
        return _refused(request, [too_large], total=1, filename=filename, status=413)
    try:
        # Read off the event loop and before the write transaction opens: parsing takes seconds.
        permit_file = await open_permit_file_off_loop(filename, data)
        async with db_of(request).transaction() as session:
            imported = await import_permit_records(session, actor, permit_file=permit_file)
            numbers = [permit.number for permit in imported]
    except PermitFileRejected as error:
        return _refused(request, error.problems, total=error.total, filename=filename, status=400)
    except ValidationFailed as error:
        problems = [_problem(e.code, e.message, **e.params) for e in error.errors]
        return _refused(request, problems, total=len(problems), filename=filename, status=400)
    return render(request, "permits/import.html", _context(imported=numbers, filename=filename))


async def import_format(_request: Request) -> Response:
    """The format description, readable in any browser (Markdown served as plain text)."""
    text = FORMAT_README.read_text(encoding="utf-8")
    return PlainTextResponse(text, media_type="text/plain; charset=utf-8")


routes = [
    Route("/permits/import", import_form, methods=["GET"], name="permit_import"),
    Route("/permits/import", import_upload, methods=["POST"], name="permit_import_upload"),
    Route("/permits/import/format", import_format, methods=["GET"], name="permit_import_format"),
]
