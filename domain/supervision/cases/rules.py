"""What a case, its decision and its documents must hold, as pure functions of values."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from domain.bounds import day_in_range, out_of_range, too_long
from domain.errors import N_, FieldError
from domain.supervision.cases.models import CLASSIFICATIONS, DOCUMENT_KINDS

FACTS_MAX = 5000
BASIS_MAX = 500
REASON_MAX = 1000
NUMBER_MAX = 64
# The Regulations on permit management (2021) cap a single fine at 1 million yuan, but a penalty counted
# per day (按日连续处罚, Environmental Protection Law art. 59) runs higher; 100 million yuan is far above
# any decided case and catches a mistyped amount.
MAX_PENALTY_YUAN = Decimal("100000000")
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_NAME_MAX = 200
DOCUMENT_TYPES = {
    "pdf": (b"%PDF-", "application/pdf"),
    "jpg": (b"\xff\xd8\xff", "image/jpeg"),
    "jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
}
# Measures a decision may order besides a fine (行政处罚与责令措施).
MEASURES = {
    "warning": N_("Warning"),
    "order_correction": N_("Order to correct within a time limit"),
    "restrict_production": N_("Restrict production"),
    "suspend_production": N_("Suspend production for rectification"),
    "confiscate_gains": N_("Confiscate illegal gains"),
    "revoke_permit": N_("Revoke the permit"),
    "refer_police": N_("Refer to the public security organs"),
}
CLASSIFICATION_LABELS = {
    "without_permit": N_("Discharging without a permit"),
    "against_permit": N_("Discharging against the permit"),
    "other": N_("Other violation"),
}
DOCUMENT_LABELS = {
    "record": N_("Inspection or inquiry record"),
    "notice": N_("Notice of proposed penalty"),
    "decision": N_("Penalty decision"),
    "evidence": N_("Evidence (photos, records)"),
    "other": N_("Other document"),
}


@dataclass(frozen=True)
class CaseInput:
    """A case as the brigade opens it (立案): from a lead, or on its own finding."""

    facts: str
    legal_basis: str
    classification: str
    opened_on: date | None
    lead_id: int | None = None  # the unit, permit and region then come from the lead
    credit_code: str = ""
    unit_name: str = ""
    permit_number: str = ""
    outlet_code: str = ""


@dataclass(frozen=True)
class DecisionInput:
    """The decision (处罚决定): what was decided, the fine in yuan and the measures ordered."""

    decision: str
    decided_on: date | None
    penalty_yuan: Decimal | None = None
    measures: tuple[str, ...] = ()
    case_number: str = ""
    legal_basis: str = ""  # when the decision cites another article than the case was opened on


@dataclass(frozen=True)
class DocumentInput:
    kind: str
    file_name: str
    content: bytes


def _text(field_name: str, value: str, limit: int, *, required: bool = True) -> FieldError | None:
    if required and not value.strip():
        return FieldError(field_name, "required", N_("This field is required."))
    if "\x00" in value:
        return FieldError(field_name, "invalid", N_("The text holds a character that cannot be stored."))
    return too_long(field_name, value.strip(), limit)


def _day(
    field_name: str, value: date | None, today: date, not_before: date | None = None
) -> FieldError | None:
    if value is None:
        return FieldError(field_name, "required", N_("This field is required."))
    if not day_in_range(value):
        return out_of_range(field_name)
    if value > today:
        return FieldError(field_name, "future", N_("The date cannot be in the future."))
    if not_before is not None and value < not_before:
        return FieldError(
            field_name,
            "before_start",
            N_("The date cannot be before {day}."),
            {"day": not_before.isoformat()},
        )
    return None


def case_errors(data: CaseInput, *, today: date) -> list[FieldError]:
    errors = [
        _text("facts", data.facts, FACTS_MAX),
        _text("legal_basis", data.legal_basis, BASIS_MAX),
        _text("unit_name", data.unit_name, 200, required=False),
        _text("outlet_code", data.outlet_code, 16, required=False),
        _day("opened_on", data.opened_on, today),
    ]
    if data.classification not in CLASSIFICATIONS:
        errors.append(FieldError("classification", "unknown", N_("Choose what kind of violation this is.")))
    return [e for e in errors if e is not None]


def penalty_cents(value: Decimal | None) -> int | None:
    return None if value is None else int((value * 100).to_integral_value())


def penalty_error(value: Decimal | None) -> FieldError | None:
    """A fine is a positive amount of yuan with at most two decimals, at most ``MAX_PENALTY_YUAN``."""
    if value is None:
        return None
    try:
        if (
            not value.is_finite()
            or value <= 0
            or value > MAX_PENALTY_YUAN
            or value != value.quantize(Decimal("0.01"))
        ):
            raise InvalidOperation
    except InvalidOperation:
        return FieldError(
            "penalty_yuan",
            "penalty_range",
            N_("Enter a fine in yuan above 0 and at most {max} (two decimals at most)."),
            {"max": f"{MAX_PENALTY_YUAN:,.0f}"},
        )
    return None


def decision_errors(data: DecisionInput, *, today: date, opened_on: date) -> list[FieldError]:
    errors = [
        _text("decision", data.decision, FACTS_MAX),
        _text("case_number", data.case_number, NUMBER_MAX, required=False),
        _text("legal_basis", data.legal_basis, BASIS_MAX, required=False),
        _day("decided_on", data.decided_on, today, opened_on),
        penalty_error(data.penalty_yuan),
    ]
    unknown = [m for m in data.measures if m not in MEASURES]
    if unknown:
        errors.append(FieldError("measures", "unknown", N_("Choose measures from the list.")))
    elif len(set(data.measures)) != len(data.measures):
        errors.append(FieldError("measures", "duplicate", N_("Name each measure once.")))
    return [e for e in errors if e is not None]


def close_errors(closed_on: date | None, *, today: date, decided_on: date) -> list[FieldError]:
    error = _day("closed_on", closed_on, today, decided_on)
    return [error] if error else []


def reason_errors(reason: str) -> list[FieldError]:
    error = _text("reason", reason, REASON_MAX)
    return [error] if error else []


def _extension(file_name: str) -> str:
    return file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""


def media_type(file_name: str) -> str:
    return DOCUMENT_TYPES.get(_extension(file_name), (b"", "application/octet-stream"))[1]


def document_errors(data: DocumentInput) -> list[FieldError]:
    """A document is a PDF, JPG or PNG of at most 10 MB that is what its name says, of a known kind."""
    errors: list[FieldError] = []
    if data.kind not in DOCUMENT_KINDS:
        errors.append(FieldError("kind", "unknown", N_("Choose what kind of document this is.")))
    name_error = _text("file_name", data.file_name, DOCUMENT_NAME_MAX)
    if name_error:
        errors.append(FieldError("file", name_error.code, name_error.message, name_error.params))
    if not data.content:
        errors.append(FieldError("file", "required", N_("Choose a file.")))
    elif len(data.content) > MAX_DOCUMENT_BYTES:
        errors.append(FieldError("file", "too_large", N_("The file is larger than {size} MB."), {"size": 10}))
    else:
        kind = DOCUMENT_TYPES.get(_extension(data.file_name))
        if kind is None or not data.content.startswith(kind[0]):
            errors.append(FieldError("file", "file_type", N_("Upload a PDF, JPG or PNG file.")))
    return errors


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# Administrative penalties among the measures (行政处罚法 art. 9); an order to correct or a referral is not.
PENALTY_MEASURES = frozenset(
    {"warning", "restrict_production", "suspend_production", "confiscate_gains", "revoke_permit"}
)


def has_penalty(penalty_cents: int | None, measures: list[str]) -> bool:
    """A decision that imposed a penalty: a fine or a penalty measure (M48 §39: such decisions are public)."""
    return bool(penalty_cents) or any(m in PENALTY_MEASURES for m in measures)


STATUS_LABELS = {
    "open": N_("Open (under investigation)"),
    "decided": N_("Decided, not yet closed"),
    "closed": N_("Closed case"),
}
VIEW_LABELS = {
    "active": N_("Open and decided"),
    "open": N_("Under investigation"),
    "decided": N_("Decided, not yet closed"),
    "closed": N_("Closed case"),
    "all": N_("All"),
}
STEP_LABELS = {
    "open": N_("Case opened"),
    "decide": N_("Decision taken"),
    "close": N_("Case closed"),
    "document": N_("Document attached"),
}
