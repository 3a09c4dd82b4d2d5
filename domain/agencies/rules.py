"""The rules of agencies as pure functions of values: what a registration, an authorisation and a credit
event must hold (every field error at once), the credit formula, what an authorisation grants on a day.

The credit formula is the product's own and deliberately plain: every agency starts at 100 points; each
event adds or removes the points listed in ``CREDIT_POINTS``; the level follows the thresholds in
``LEVELS`` (A ≥ 90, B ≥ 75, C ≥ 60, D below). Every point is an event the agency can see, with its source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from domain import regions, scoring
from domain.access import Target
from domain.agencies.models import SERVICE_SCOPES, Agency, AgencyAuthorisation
from domain.bounds import too_long
from domain.enterprises.rules import PHONE, credit_code_error, normalize_credit_code
from domain.errors import N_, FieldError

# ---------------------------------------------------------------------------
# Credit
# ---------------------------------------------------------------------------

BASE_SCORE = 100.0
CREDIT_POINTS: dict[str, float] = {
    "finding_error": -2.0,  # per rule error in a filing the agency made
    "finding_warning": -0.5,  # per rule warning
    "feedback_form": -3.0,  # a regulator returned a report the agency filed
    "late_filing": -2.0,  # the agency's first filing of a report came after its due date
    "falsified_data": -30.0,  # found by enforcement: disclosed publicly, suspension proposed
    "clean_filing_accepted": 1.0,  # accepted without any rule finding
    "training_passed": 2.0,
    "assessment_passed": 3.0,
}
SERIOUS_KINDS = frozenset({"falsified_data"})
MANUAL_KINDS = ("falsified_data", "training_passed", "assessment_passed")
LEVELS = (("A", 90.0), ("B", 75.0), ("C", 60.0))
PUBLIC_STATUSES = ("approved", "suspended")  # an agency the public may look up, with its credit
RANKED_STATUSES = ("approved", "suspended")  # agencies that act, or acted, for units
NOTE_LIMIT = 1000  # a credit event's note (CreditEvent.note)
SOURCE_LIMIT = 64  # a certificate or inspection number (CreditEvent.source_id)


def level_of(score: float) -> str:
    return scoring.level_of(score, LEVELS, "D")


def formula() -> list[tuple[str, float]]:
    """The points of every kind of event, gains first: what the credit page explains."""
    return sorted(CREDIT_POINTS.items(), key=lambda item: (-item[1], item[0]))


def level_thresholds() -> list[tuple[str, float | None]]:
    """(level, lowest score) pairs, the last level having no floor."""
    return [*LEVELS, ("D", None)]


def lowers_score(kind: str) -> bool:
    """An event a regulator records that lowers the score, and so must name its evidence."""
    return kind in MANUAL_KINDS and CREDIT_POINTS[kind] < 0


def credit_event_errors(kind: str, note: str, source_id: str) -> list[FieldError]:
    """What is wrong with a credit event a regulator records (the evidence is checked against records)."""
    errors: list[FieldError] = []
    if kind not in MANUAL_KINDS:
        errors.append(
            FieldError(
                "kind", "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(MANUAL_KINDS)}
            )
        )
    if not note:
        errors.append(FieldError("note", "required", N_("This field is required.")))
    errors += [
        e for e in (too_long("note", note, NOTE_LIMIT), too_long("source_id", source_id, SOURCE_LIMIT)) if e
    ]
    return errors


def agency_tag(agency: Agency) -> str:
    """How filings record the agency as on-behalf-of."""
    return f"agency:{agency.credit_code}"


def agency_target(agency: Agency) -> Target:
    """What access rules see of an agency: itself, and the region it registered in (the jurisdiction of the
    regulators who review it and record its credit)."""
    return Target(agency_id=agency.id, region_code=agency.region_code)


# ---------------------------------------------------------------------------
# Registration and review
# ---------------------------------------------------------------------------


@dataclass
class StaffInput:
    username: str
    password: str
    display_name: str = ""
    email: str | None = None


@dataclass
class QualificationInput:
    name: str = ""
    number: str = ""
    valid_until: date | None = None


@dataclass
class AgencyInput:
    name: str = ""
    credit_code: str = ""
    address: str = ""
    region_code: str = ""
    contact_person: str = ""
    contact_phone: str = ""
    service_types: list[str] | None = None
    qualifications: list[QualificationInput] = field(default_factory=list)


TEXT_LIMITS = (("name", 200), ("address", 300), ("contact_person", 50))
QUALIFICATION_NAME_LIMIT = 200
QUALIFICATION_NUMBER_LIMIT = 64
# A public registration's login names: what the registrant asked for, and a random suffix.
REQUESTED_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,26}$")
USERNAME_SUFFIX_CHARS = "abcdefghjkmnpqrstuvwxyz23456789"


def agency_errors(data: AgencyInput) -> list[FieldError]:
    """Every problem of an agency's registration (staff aside), its texts trimmed and code normalised."""
    errors: list[FieldError] = []
    data.credit_code = normalize_credit_code(data.credit_code or "")
    for name, limit in TEXT_LIMITS:
        value = (getattr(data, name) or "").strip()
        setattr(data, name, value)
        if not value:
            errors.append(FieldError(name, "required", N_("This field is required.")))
        elif problem := too_long(name, value, limit):
            errors.append(problem)
    problem = (
        credit_code_error(data.credit_code)
        if data.credit_code
        else FieldError("credit_code", "required", N_("This field is required."))
    )
    if problem:
        errors.append(problem)
    if not regions.is_valid_region_code(data.region_code or ""):
        errors.append(
            FieldError(
                "region_code",
                "region_code_format",
                N_("A region code (GB/T 2260) is six digits, e.g. 310107."),
            )
        )
    if not PHONE.match(data.contact_phone or ""):
        errors.append(
            FieldError(
                "contact_phone",
                "phone_format",
                N_("A phone number has 5 to 20 digits, spaces, +, - or brackets."),
            )
        )
    services = data.service_types or []
    if not services or any(s not in SERVICE_SCOPES for s in services):
        errors.append(
            FieldError(
                "service_types",
                "choice",
                N_("Choose one of: {choices}."),
                {"choices": ", ".join(SERVICE_SCOPES)},
            )
        )
    for index, item in enumerate(data.qualifications):
        item.name, item.number = (item.name or "").strip(), (item.number or "").strip()
        at = f"qualifications[{index}]"
        if not item.name:
            errors.append(FieldError(f"{at}.name", "required", N_("This field is required.")))
        errors += [
            e
            for e in (
                too_long(f"{at}.name", item.name, QUALIFICATION_NAME_LIMIT),
                too_long(f"{at}.number", item.number, QUALIFICATION_NUMBER_LIMIT),
            )
            if e
        ]
        if item.valid_until is None:
            errors.append(FieldError(f"{at}.valid_until", "required", N_("This field is required.")))
    return errors


def stored_qualifications(data: AgencyInput) -> list[dict[str, str]]:
    """The qualifications as the agency row keeps them (JSON)."""
    return [
        {"name": q.name, "number": q.number, "valid_until": q.valid_until.isoformat()}
        for q in data.qualifications
        if q.valid_until is not None
    ]


def requested_username_error(username: str, field: str) -> FieldError | None:
    """A login name asked for in a public registration (a suffix is added to make it unique)."""
    if REQUESTED_USERNAME.match(username):
        return None
    return FieldError(
        field,
        "username_format",
        N_(
            "3 to 27 characters: lower-case letters, digits, '.', '_' or '-', starting with a "
            "letter or digit (a short suffix is added to make the login unique)."
        ),
    )


DECISIONS = {  # decision: the statuses it may follow, the status it gives
    "approve": (("pending", "suspended", "rejected"), "approved"),
    "reject": (("pending",), "rejected"),
    "suspend": (("approved",), "suspended"),
}
REASON_LIMIT = 1000  # Agency.status_reason


def review_errors(decision: str, reason: str) -> list[FieldError]:
    """A decision is one of approve, reject, suspend; rejecting and suspending say why (told the agency)."""
    if decision not in DECISIONS:
        return [
            FieldError(
                "decision",
                "choice",
                N_("Choose one of: {choices}."),
                {"choices": ", ".join(DECISIONS)},
            )
        ]
    if decision in ("reject", "suspend") and not reason:
        return [FieldError("reason", "required", N_("This field is required."))]
    problem = too_long("reason", reason, REASON_LIMIT)
    return [problem] if problem else []


@dataclass(frozen=True)
class QualificationRow:
    name: str
    number: str
    valid_until: date | None
    expired: bool


def qualification_rows(agency: Agency, on: date) -> list[QualificationRow]:
    rows = []
    for item in agency.qualifications or []:
        try:
            until: date | None = date.fromisoformat(str(item.get("valid_until", "")))
        except ValueError:
            until = None
        rows.append(
            QualificationRow(
                name=str(item.get("name", "")),
                number=str(item.get("number", "")),
                valid_until=until,
                expired=until is not None and until < on,
            )
        )
    return rows


# ---------------------------------------------------------------------------
# Authorisations
# ---------------------------------------------------------------------------


@dataclass
class AuthorisationInput:
    agency_credit_code: str
    scopes: list[str]
    valid_from: date | None
    valid_until: date | None
    contract_number: str
    contract_file_name: str = ""
    contract_file: bytes | None = None


MAX_CONTRACT_BYTES = 10 * 1024 * 1024
CONTRACT_NUMBER_LIMIT = 64  # AgencyAuthorisation.contract_number
CONTRACT_FILE_NAME_LIMIT = 200  # AgencyAuthorisation.contract_file_name
REVOKE_REASON_LIMIT = 500  # AgencyAuthorisation.revoke_reason
CONTRACT_TYPES = {
    "pdf": (b"%PDF", "application/pdf"),
    "jpg": (b"\xff\xd8\xff", "image/jpeg"),
    "jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
}


def _extension(file_name: str) -> str:
    return file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""


def contract_media_type(file_name: str) -> str:
    return CONTRACT_TYPES.get(_extension(file_name), (b"", "application/octet-stream"))[1]


def contract_file_error(file_name: str, content: bytes | None) -> FieldError | None:
    """A contract scan is a PDF, JPG or PNG file of at most 10 MB, and is what its name says."""
    if content is None:
        return None
    if len(content) > MAX_CONTRACT_BYTES:
        return FieldError(
            "contract_file", "too_large", N_("The file is larger than {size} MB."), {"size": 10}
        )
    kind = CONTRACT_TYPES.get(_extension(file_name))
    if kind is None or not content.startswith(kind[0]):
        return FieldError("contract_file", "file_type", N_("Upload the contract as a PDF, JPG or PNG file."))
    return too_long("contract_file", file_name, CONTRACT_FILE_NAME_LIMIT)


def authorisation_errors(data: AuthorisationInput) -> list[FieldError]:
    """What an authorisation must hold whatever the agency: known scopes, a window, a contract (and, when
    a scan is attached, a PDF, JPG or PNG of at most 10 MB). The contract number is trimmed."""
    errors: list[FieldError] = []
    if not data.scopes or any(s not in SERVICE_SCOPES for s in data.scopes):
        errors.append(
            FieldError(
                "scopes", "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(SERVICE_SCOPES)}
            )
        )
    if data.valid_from is None:
        errors.append(FieldError("valid_from", "required", N_("This field is required.")))
    if data.valid_until is None:
        errors.append(FieldError("valid_until", "required", N_("This field is required.")))
    if data.valid_from and data.valid_until and data.valid_until < data.valid_from:
        errors.append(FieldError("valid_until", "end_before_start", N_("The end is not after the start.")))
    data.contract_number = (data.contract_number or "").strip()
    if not data.contract_number:
        errors.append(FieldError("contract_number", "required", N_("This field is required.")))
    elif problem := too_long("contract_number", data.contract_number, CONTRACT_NUMBER_LIMIT):
        errors.append(problem)
    if problem := contract_file_error(data.contract_file_name or "", data.contract_file):
        errors.append(problem)
    return errors


def authorisation_state(authorisation: AgencyAuthorisation, agency: Agency, on: date) -> str:
    """What an authorisation grants today: an agency that is not approved (suspended) acts for no one, so
    its unrevoked, unexpired authorisations read as suspended, never in force."""
    if authorisation.revoked_at is not None:
        return "revoked"
    if authorisation.valid_until < on:
        return "expired"
    if agency.status != "approved":
        return "suspended"
    if authorisation.valid_from > on:
        return "not_started"
    return "in_force"
