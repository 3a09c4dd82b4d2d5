"""Pure rules of the discharge registration (排污登记) of units below the permit thresholds.

Sources (see docs/sites-and-registrations.md): Regulation art. 24 (the registration form states basic
information, where pollutants go, the emission standards followed and the control measures; a change
is filed within 20 days of it); the registration guidance (固定污染源排污登记工作指南（试行）, 2020)
for the form's content, its five-year validity, renewal and cancellation; Order 32 keeps them. The
number (credit code + site + W) follows the national platform's practice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from enum import StrEnum

from domain.enterprises.rules import (
    PHONE,
    CleanSite,
    SiteInput,
    clean_site_input,
    credit_code_error,
    normalize_credit_code,
    text_field_errors,
)
from domain.errors import N_, FieldError
from domain.permits.rules import add_years

VALIDITY_YEARS = 5  # registration guidance: a registration is valid five years, then renewed
RENEWAL_WINDOW_DAYS = 90  # local practice: renewal is open in the last three months and after expiry
CHANGE_WINDOW_DAYS = 20  # Regulation art. 24: a change is filed within 20 days of it
MAX_OUTLETS = 100
REGISTRATION_NUMBER = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{18}\d{3}W$")
OUTLET_CODE = re.compile(r"^(DA\d{3}|DW\d{3}|MF\d{3,4})$")
EXPIRED = "expired"


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"  # 已登记
    CANCELLED = "cancelled"  # 已注销


class RevisionKind(StrEnum):
    REGISTERED = "registered"
    CHANGED = "changed"
    RENEWED = "renewed"
    CANCELLED = "cancelled"


DISPLAY_STATUSES = (RegistrationStatus.REGISTERED.value, EXPIRED, RegistrationStatus.CANCELLED.value)


def registration_number(credit_code: str, site_sequence: int) -> str:
    return f"{credit_code}{site_sequence:03d}W"


def display_status(status: str, valid_until: date, today: date) -> str:
    if status == RegistrationStatus.REGISTERED and valid_until < today:
        return EXPIRED
    return status


def validity_from(start: date) -> tuple[date, date]:
    """Five years from ``start``, the last valid day inclusive."""
    return start, add_years(start, VALIDITY_YEARS) - timedelta(days=1)


def renewal_opens(valid_until: date) -> date:
    return valid_until - timedelta(days=RENEWAL_WINDOW_DAYS)


def renewed_validity(valid_until: date, today: date) -> tuple[date, date]:
    """A renewal in time continues the validity without a gap; after expiry it starts today."""
    return validity_from(max(valid_until + timedelta(days=1), today))


def change_due(changed_on: date) -> date:
    return changed_on + timedelta(days=CHANGE_WINDOW_DAYS)


def change_is_late(changed_on: date, filed_on: date) -> bool:
    return filed_on > change_due(changed_on)


# ---------------------------------------------------------------------------
# The form
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OutletEntry:
    """An outlet (DA… air, DW… water) or fugitive source (MF…) and the pollutants it discharges."""

    code: str
    pollutants: tuple[str, ...]

    @property
    def medium(self) -> str:
        return {"DA": "air", "DW": "water"}.get(self.code[:2], "fugitive")

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "medium": self.medium, "pollutants": list(self.pollutants)}


_POLLUTANT_SEPARATORS = re.compile(r"[、,，;；/]+")


def parse_outlet_lines(text: str) -> list[OutletEntry]:
    """The form's outlets box, one outlet a line: ``DA001: 颗粒物、二氧化硫`` (checked by the clean step)."""
    entries = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        code, rest = _split_code(line)
        pollutants = tuple(p.strip() for p in _POLLUTANT_SEPARATORS.split(rest) if p.strip())
        entries.append(OutletEntry(code.strip().upper(), pollutants))
    return entries


def _split_code(line: str) -> tuple[str, str]:
    match = re.match(r"^([^:：\s]*)[:：\s]*(.*)$", line)
    assert match is not None
    return match.group(1), match.group(2)


def outlet_lines(outlets: list[dict[str, object]]) -> str:
    """Back to the form's box: one outlet a line."""
    return "\n".join(f"{o['code']}: {'、'.join(str(p) for p in o['pollutants'])}" for o in outlets)  # type: ignore[attr-defined]


@dataclass
class RegistrationInput:
    """The registration form: texts as typed, coordinates read as numbers, outlets split into entries."""

    unit_name: str = ""
    credit_code: str = ""
    legal_representative: str = ""
    registered_address: str = ""
    site: str = ""  # an existing site's sequence (001 ...); empty: the site at this address, or a new one
    site_address: str = ""
    region_code: str = ""
    industry_code: str = ""
    longitude: float | None = None
    latitude: float | None = None
    production_process: str = ""
    outlets: list[OutletEntry] = field(default_factory=list)
    discharge_destination: str = ""
    control_facilities: str = ""
    emission_standards: str = ""
    contact_person: str = ""
    contact_phone: str = ""

    def texts(self) -> dict[str, str]:
        return {f.name: (getattr(self, f.name) or "").strip() for f in fields(self) if f.name not in NOT_TEXT}


NOT_TEXT = ("outlets", "longitude", "latitude")


# Fields of the registration itself (the unit's identity and the site are kept on their own records).
CONTENT_FIELDS = (
    "production_process",
    "discharge_destination",
    "control_facilities",
    "emission_standards",
    "contact_person",
    "contact_phone",
)
# What a change may alter: the registration's content and its site's address and industry.
CHANGEABLE_FIELDS = ("site_address", "industry_code", *CONTENT_FIELDS, "outlets")
# Personal data: never on a public page or in an anonymous query.
PERSONAL_FIELDS = frozenset({"contact_person", "contact_phone"})

# The site's fields (address, region, industry, coordinates) are checked as a site's.
REQUIRED = (
    "unit_name",
    "credit_code",
    "legal_representative",
    "production_process",
    "discharge_destination",
    "control_facilities",
    "emission_standards",
    "contact_person",
    "contact_phone",
)
MAX_LENGTHS = {
    "unit_name": 200,
    "legal_representative": 50,
    "registered_address": 300,
    "production_process": 1000,
    "discharge_destination": 300,
    "control_facilities": 500,
    "emission_standards": 300,
    "contact_person": 50,
}


def outlet_errors(outlets: list[OutletEntry]) -> list[FieldError]:
    """Every outlet line's problem, naming the line (1 = the first)."""
    if not outlets:
        return [
            FieldError(
                "outlets",
                "required",
                N_("Name at least one outlet or fugitive source and its pollutants, e.g. DA001: 颗粒物."),
            )
        ]
    if len(outlets) > MAX_OUTLETS:
        return [FieldError("outlets", "too_many", N_("At most {limit} outlets."), {"limit": MAX_OUTLETS})]
    errors: list[FieldError] = []
    seen: set[str] = set()
    for line, entry in enumerate(outlets, start=1):
        if not OUTLET_CODE.match(entry.code):
            errors.append(
                FieldError(
                    "outlets",
                    "outlet_code",
                    N_(
                        "Line {line}: '{code}' is not an outlet code (DA001 air, DW001 water, MF0001 fugitive)."  # noqa: E501
                    ),
                    {"line": line, "code": entry.code},
                )
            )
        elif entry.code in seen:
            errors.append(
                FieldError(
                    "outlets",
                    "duplicate",
                    N_("Line {line}: outlet {code} is listed twice."),
                    {"line": line, "code": entry.code},
                )
            )
        seen.add(entry.code)
        if not entry.pollutants:
            errors.append(
                FieldError(
                    "outlets",
                    "pollutants_required",
                    N_("Line {line}: name the pollutants outlet {code} discharges."),
                    {"line": line, "code": entry.code},
                )
            )
        elif any(len(p) > 30 for p in entry.pollutants) or len(entry.pollutants) > 30:
            errors.append(
                FieldError(
                    "outlets",
                    "too_long",
                    N_("Line {line}: at most 30 pollutants of 30 characters each."),
                    {"line": line},
                )
            )
    return errors


SITE_FIELD_NAMES = {"address": "site_address"}


def clean_registration_input(
    data: RegistrationInput,
) -> tuple[dict[str, str], CleanSite | None, list[FieldError]]:
    """Trim and check the whole form (outlet codes upper-cased, pollutants trimmed: ``data.outlets`` is
    replaced by its clean form); every problem names its field. Nothing is guessed."""
    data.outlets = [
        OutletEntry(entry.code.strip().upper(), tuple(p.strip() for p in entry.pollutants if p.strip()))
        for entry in data.outlets
    ]
    values = data.texts()
    values["credit_code"] = normalize_credit_code(values["credit_code"])
    values["registered_address"] = values["registered_address"] or values["site_address"]
    errors = text_field_errors(values, REQUIRED, MAX_LENGTHS)
    site, site_errors = clean_site_input(
        SiteInput(
            name=values["unit_name"][:200],
            address=values["site_address"],
            region_code=values["region_code"],
            industry_code=values["industry_code"],
            longitude=data.longitude,
            latitude=data.latitude,
        )
    )
    errors.extend(
        FieldError(SITE_FIELD_NAMES.get(e.field or "", e.field), e.code, e.message, e.params)
        for e in site_errors
        if e.field != "name"
    )
    missing = {e.field for e in errors if e.code == "required"}
    if "credit_code" not in missing:
        problem = credit_code_error(values["credit_code"])
        if problem:
            errors.append(problem)
    if "contact_phone" not in missing and not PHONE.match(values["contact_phone"]):
        errors.append(
            FieldError(
                "contact_phone",
                "phone_format",
                N_("A phone number has 5 to 20 digits, spaces, +, - or brackets."),
            )
        )
    errors.extend(outlet_errors(data.outlets))
    return values, site, errors
