"""Files on reports: the draft's files (add, remove), the download of any report file to whoever may see
it. The reply to a feedback form takes its files in ``portal.reports.respond`` (``forms.read_uploads``).

Uploads are multipart forms, within the portal's upload body limit (settings ``MAX_UPLOAD_BODY_BYTES``,
48 MB: ``attached.UPLOAD_MAX_FILES`` files of at most 10 MB); every other form keeps the small one."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import Conflict, FieldError, ValidationFailed
from domain.reports import attached
from domain.reports.queries import attachments, editor
from domain.reports.service import attachments as attaching
from portal.forms import read_uploads
from portal.reports import _editor_context, _path
from portal.responses import actor_of, db_of, file_download, redirect, render
from portal.templating import field_errors


def _editor_url(permit_number: str, kind: str, period: str) -> str:
    return f"/reports/{permit_number}/{kind}/{period}"


async def add(request: Request) -> Response:
    """Attach files to the draft; the editor again with every problem of every file, or with the list."""
    actor = await actor_of(request)
    permit_number, kind, period = _path(request)
    async with request.form(max_files=attached.UPLOAD_MAX_FILES + 1) as form:
        files = await read_uploads(form, "attachments", attached.POLICY.max_file_bytes)
    errors: list[FieldError] = []
    status = 400
    try:
        async with db_of(request).transaction() as session:
            await attaching.attach_to_draft(
                session, actor, permit_number=permit_number, kind=kind, period=period, files=files
            )
    except (ValidationFailed, Conflict) as error:
        errors, status = error.errors, 409 if isinstance(error, Conflict) else 400
    if not errors:
        return redirect(f"{_editor_url(permit_number, kind, period)}?attached=1#attachments")
    async with db_of(request).read() as session:
        page = await editor.editor_page(session, actor, permit_number=permit_number, kind=kind, period=period)
    context = _editor_context(request, page)
    return render(
        request, "reports/editor.html", {**context, "file_errors": field_errors(errors)}, status_code=status
    )


async def remove(request: Request) -> Response:
    actor = await actor_of(request)
    permit_number, kind, period = _path(request)
    await request.form()  # the CSRF token was checked by the middleware
    try:
        async with db_of(request).transaction() as session:
            await attaching.remove_from_draft(
                session, actor, attachment_id=request.path_params["attachment_id"]
            )
    except Conflict:
        pass  # already off the draft (a second click): the editor shows the list as it is
    return redirect(f"{_editor_url(permit_number, kind, period)}?detached=1#attachments")


async def download(request: Request) -> Response:
    """A report's file as the person sent it, to whoever may see it (otherwise 404)."""
    actor = await actor_of(request)
    async with db_of(request).read() as session:
        found = await attachments.attachment(
            session, actor, attachment_id=request.path_params["attachment_id"]
        )
    return file_download(
        attachments.content(found),
        file_name=found.file_name,
        media_type=found.media_type,
        sha256=found.sha256,
        fallback=f"attachment-{found.id}.{found.file_name.rsplit('.', 1)[-1]}",
    )


routes = [
    Route("/reports/files/{attachment_id:int}", download, methods=["GET"], name="report_file"),
    Route(
        "/reports/{permit_number}/{kind}/{period}/attachments", add, methods=["POST"], name="report_attach"
    ),
    Route(
        "/reports/{permit_number}/{kind}/{period}/attachments/{attachment_id:int}/remove",
        remove,
        methods=["POST"],
        name="report_detach",
    ),
]
