"""Pure rules of the ledger's other entries (facility operation, abnormal events, other records):
what each kind holds (M48 §35) and every problem of an entry at once. No I/O."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.errors import N_, FieldError
from domain.ledgers.models import ENTRY_KINDS
from domain.ledgers.rules import FUTURE_TOLERANCE, aware, text_errors


@dataclass
class EntryInput:
    kind: str
    subject: str
    period_start: datetime | None
    period_end: datetime | None = None
    data: dict[str, Any] = field(default_factory=dict)


ENTRY_FIELDS: dict[str, tuple[tuple[str, bool], ...]] = {
    # (field, required) per kind; the ledger keeps what M48 §35 lists for each.
    "production_facility": (
        ("status", True),
        ("hours", False),
        ("load_percent", False),
        ("output", False),
        ("fuel", False),
        ("abnormal_cause", False),
        ("abnormal_measures", False),
    ),
    "control_facility": (
        ("status", True),
        ("hours", False),
        ("reagent", False),
        ("reagent_amount", False),
        ("abnormal_cause", False),
        ("abnormal_measures", False),
    ),
    "abnormal": (("description", True), ("cause", True), ("measures", True)),
    "other": (("description", True),),
}
NUMERIC_FIELDS = frozenset({"hours", "load_percent", "reagent_amount"})
SUBJECT_MAX = 100  # the column's length
TEXT_MAX = 2000
ESTIMATE_BASIS_MAX = 500


def entry_errors(data: EntryInput, now: datetime) -> tuple[dict[str, Any], list[FieldError]]:
    """The entry's data as stored (numbers as numbers, texts trimmed) and every problem of the entry."""
    errors: list[FieldError] = []
    if data.kind not in ENTRY_KINDS:
        errors.append(
            FieldError("kind", "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(ENTRY_KINDS)})
        )
        return {}, errors
    errors += text_errors("subject", data.subject, limit=SUBJECT_MAX)
    if data.period_start is None:
        errors.append(FieldError("period_start", "required", N_("This field is required.")))
    elif aware(data.period_start) > now + FUTURE_TOLERANCE:
        errors.append(FieldError("period_start", "future", N_("This time is in the future.")))
    if (
        data.period_end is not None
        and data.period_start is not None
        and aware(data.period_end) < aware(data.period_start)
    ):
        errors.append(FieldError("period_end", "end_before_start", N_("The end is not after the start.")))
    if (
        data.kind == "abnormal"
        and data.period_end is not None
        and aware(data.period_end) > now + FUTURE_TOLERANCE
    ):
        errors.append(FieldError("period_end", "future", N_("This time is in the future.")))
    cleaned: dict[str, Any] = {}
    for name, required in ENTRY_FIELDS[data.kind]:
        value = data.data.get(name)
        if value in (None, ""):
            if required:
                errors.append(FieldError(f"data.{name}", "required", N_("This field is required.")))
            continue
        if name in NUMERIC_FIELDS:
            try:
                number = float(value)
            except (TypeError, ValueError):
                number = math.nan
            if not math.isfinite(number):  # "nan" and "inf" read as floats but are no figures
                errors.append(FieldError(f"data.{name}", "type", N_("Expected a number.")))
                continue
            if number < 0 or (name == "hours" and number > 24 * 366):
                errors.append(FieldError(f"data.{name}", "range", N_("This value is not possible.")))
                continue
            cleaned[name] = number
        else:
            problems = text_errors(f"data.{name}", str(value), limit=TEXT_MAX, required=required)
            errors += problems
            if not problems:
                cleaned[name] = str(value).strip()
    if data.kind == "other" and data.data.get("estimate") is not None:
        estimate, problems = _estimate(data.data["estimate"])
        errors += problems
        if estimate is not None:
            cleaned["estimate"] = estimate
    return cleaned, errors


def _estimate(value: Any) -> tuple[dict[str, Any] | None, list[FieldError]]:
    """A quantity the unit estimated from emission factors or material balance: outlet, pollutant, kg."""
    malformed = FieldError(
        "data.estimate",
        "estimate",
        N_("An estimate needs an outlet, a pollutant and a quantity in kg (not negative)."),
    )
    try:
        quantity = float(value["quantity_kg"])
        outlet = str(value["outlet"]).strip().upper()
        pollutant = str(value["pollutant"]).strip().upper()
        basis = str(value.get("basis", "")).strip()
    except (KeyError, TypeError, ValueError, AttributeError):
        return None, [malformed]
    # Codes as long as the columns of readings hold them; longer ones are no codes at all.
    if not (math.isfinite(quantity) and quantity >= 0 and 0 < len(outlet) <= 8 and 0 < len(pollutant) <= 16):
        return None, [malformed]
    problems = text_errors("data.estimate", basis, limit=ESTIMATE_BASIS_MAX, required=False)
    if problems:
        return None, problems
    return {"outlet": outlet, "pollutant": pollutant, "quantity_kg": quantity, "basis": basis}, []
