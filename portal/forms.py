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

from domain.errors import N_, FieldError


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
