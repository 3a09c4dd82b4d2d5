"""The administrator's page for a year's published holiday schedule (``domain.calendar.service``)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.calendar.queries import loaded_years
from domain.calendar.rules import published_years
from domain.calendar.schedule import MAX_FILE_CHARS
from domain.errors import N_, FieldError, ValidationFailed
from domain.permits.service.deadlines import load_schedule
from portal.responses import actor_of, db_of, redirect, render
from portal.templating import field_errors

EXAMPLE = """# 国务院办公厅关于2027年部分节假日安排的通知
2027-01-01 off 元旦
2027-02-06..2027-02-12 off 春节
2027-02-14 work 春节调休上班
"""


async def _page(request: Request, *, text: str = "", errors: list[FieldError] | None = None) -> Response:
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        years = await loaded_years(session, actor)
    context: dict[str, Any] = {
        "years": years,
        "counting_years": published_years(),
        "text": text,
        "example": EXAMPLE,
        "errors": field_errors(errors or []),
        "loaded": request.query_params.get("loaded", ""),
    }
    return render(request, "calendar/holidays.html", context, status_code=400 if errors else 200)


async def holidays_page(request: Request) -> Response:
    return await _page(request)


async def holidays_load(request: Request) -> Response:
    actor = await actor_of(request)
    form = await request.form()
    upload = form.get("file")
    text = str(form.get("text") or "")
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(MAX_FILE_CHARS * 4 + 1)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return await _page(
                request, errors=[FieldError("file", "encoding", N_("The file must be UTF-8 text."))]
            )
    try:
        async with db_of(request).transaction() as session:
            result = await load_schedule(session, actor, text=text)
    except ValidationFailed as error:
        return await _page(request, text=text, errors=error.errors)
    return redirect(f"/admin/holidays?loaded={result.year}")


routes = [
    Route("/admin/holidays", holidays_page, methods=["GET"], name="admin_holidays"),
    Route("/admin/holidays", holidays_load, methods=["POST"], name="admin_holidays_load"),
]
