"""Reading forms into a use case's typed input. The portal parses (a date typed as ``31/12/2030``); the use
case decides (a date that is required, a window that ends before it starts). What the form could not be
read as is reported with what the use case refuses, all at once (``domain.errors.reporting``)::

    problems: list[FieldError] = []
    data = Input(valid_from=parse_day(form_text, "valid_from", problems), ...)
    async with db.transaction() as session, reporting(problems):
        await service.use_case(session, actor, data=data)
"""

from __future__ import annotations

from datetime import date

from starlette.datastructures import FormData, UploadFile

from domain.errors import N_, FieldError
from domain.uploads import Upload


def parse_day(text: str, field: str, problems: list[FieldError]) -> date | None:
    """A date typed as YYYY-MM-DD; blank is None. Whether it is required, and the range of days it may
    fall in, the use case decides (as for the API, whose dates arrive parsed)."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(FieldError(field, "date", N_("Expected a date as YYYY-MM-DD.")))
    return None


def parse_number(text: str, field: str, problems: list[FieldError], *, example: float) -> float | None:
    """A decimal number as typed; blank is None. Its range the use case decides."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        problems.append(
            FieldError(field, "number", N_("Enter a number, e.g. {example}."), {"example": example})
        )
    return None


async def read_uploads(form: FormData, name: str, max_bytes: int) -> list[Upload]:
    """The files of a multipart form's file input (an input left empty sends nothing). Each is read one
    byte past ``max_bytes``, so a larger one is refused by its size without being read whole."""
    files: list[Upload] = []
    for upload in form.getlist(name):
        if isinstance(upload, UploadFile) and upload.filename:
            files.append(Upload(upload.filename, await upload.read(max_bytes + 1)))
    return files
