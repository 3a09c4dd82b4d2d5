"""Pure rules of the permit register (docs/domain-rules.md): statuses, validity, deadlines, numbers, and
the checks of what applicants and the authority write (every problem at once; a text over its limit is
refused, never cut). The permit copy's content is checked in ``content``.

No session, no I/O: every function takes values and returns values, so each rule is
unit-tested without a database.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from enum import StrEnum

from domain.enterprises.rules import CREDIT_CODE_LENGTH
from domain.errors import N_, FieldError
from domain.permits import law
from domain.permits.law import LegalDeadline


class PermitStatus(StrEnum):
    APPLIED = "applied"  # 已申请
    ACCEPTED = "accepted"  # 已受理
    NOT_ACCEPTED = "not_accepted"  # 不予受理
    GRANTED = "granted"  # 准予许可
    REFUSED = "refused"  # 不予许可
    ISSUED = "issued"  # 已核发 (in force; "expired" is derived from the dates)
    REVOKED = "revoked"  # 已撤销
    CANCELLED = "cancelled"  # 已注销


# Statuses shown to people: the stored ones plus the derived "expired".
EXPIRED = "expired"
DISPLAY_STATUSES = (*[s.value for s in PermitStatus], EXPIRED)


class ApplicationKind(StrEnum):
    FIRST = "first"  # 首次申请
    RENEWAL = "renewal"  # 延续 (M48 §46-48)
    CHANGE_BASIC = "change_basic"  # 变更正本基本信息 (M48 §43 ¶1 (1))
    CHANGE_ITEMS = "change_items"  # 变更许可事项 (M48 §43 ¶1 (2)-(8))
    CHANGE_RESTART = "change_restart"  # 变更, validity restarts (M48 §43 ¶2, §45 ¶2)
    REPLACEMENT = "replacement"  # 遗失补办 / 损毁补领 (M48 §51)


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"
    GRANTED = "granted"
    REFUSED = "refused"
    COMPLETED = "completed"  # issued


class CancellationReason(StrEnum):
    EXPIRED_NOT_RENEWED = "expired_not_renewed"  # M48 §50 (1)
    UNIT_TERMINATED = "unit_terminated"  # M48 §50 (2)
    OTHER = "other"  # M48 §50 (3)


CHANGE_KINDS = frozenset(
    {ApplicationKind.CHANGE_BASIC, ApplicationKind.CHANGE_ITEMS, ApplicationKind.CHANGE_RESTART}
)

# The figures (validity, time limits) depend on the rule set in force on the day of the act they
# govern: see ``domain.permits.law`` and docs/domain-rules.md.


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without it
        return day.replace(year=day.year + years, month=3, day=1)


def validity_end(decision_date: date, years: int, cut_to: date | None = None) -> date:
    """Last valid day (inclusive): decided 2024-03-01 for 5 years is valid to 2029-02-28."""
    end = add_years(decision_date, years) - timedelta(days=1)
    return min(end, cut_to) if cut_to else end


def term_years(decision_date: date, renewed: bool) -> int:
    """M48 §21: 3 years first, 5 renewed; Reg art. 14: 5 years for every permit decided from 2021-03-01."""
    return law.term_years(decision_date, renewed)[0]


def display_status(status: str, valid_until: date | None, today: date) -> str:
    if status == PermitStatus.ISSUED and valid_until is not None and valid_until < today:
        return EXPIRED
    return status


def renewal_deadline(valid_until: date, decided: date | None) -> LegalDeadline:
    """The last day to apply for renewal, by the rule set of the decision (M48 §46 or Reg art. 14)."""
    return law.renewal_deadline(valid_until, decided)


def effective_acceptance_date(received: date, acceptance_deadline: date, today: date) -> date:
    """M48 §27, Reg art. 9 (4): an authority that lets the acceptance period pass without telling the unit
    what is missing is deemed to have accepted on receipt (of the complete materials)."""
    return received if today > acceptance_deadline else today


def normal_number(value: str | None) -> str:
    """A permit number (or an outlet code) as stored: no surrounding spaces, capital letters."""
    return (value or "").strip().upper()


PERMIT_NUMBER = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{18}\d{3}[A-Z]$")


def permit_number_error(
    number: str, credit_code: str, field_name: str = "number", site_sequence: int | None = None
) -> FieldError | None:
    """National permit numbers: the unit's credit code, its site's three-digit sequence (Reg art. 6 ¶2) and a
    letter (M48 §32)."""
    if not PERMIT_NUMBER.match(number):
        return FieldError(
            field_name,
            "permit_number_format",
            N_(
                "A permit number has 22 characters: the unit's 18-character credit code, "
                "three digits and a letter, e.g. {example}."
            ),
            {"example": f"{credit_code or '91350100M000100Y43'}001P"},
        )
    if number[:CREDIT_CODE_LENGTH] != credit_code:
        return FieldError(
            field_name,
            "permit_number_unit",
            N_("The permit number must begin with the unit's credit code {code}."),
            {"code": credit_code},
        )
    if (
        site_sequence is not None
        and number[CREDIT_CODE_LENGTH : CREDIT_CODE_LENGTH + 3] != f"{site_sequence:03d}"
    ):
        return FieldError(
            field_name,
            "permit_number_site",
            N_("Digits 19 to 21 of the permit number are the production site's sequence, here {site}."),
            {"site": f"{site_sequence:03d}"},
        )
    return None


def site_permit_number(credit_code: str, site_sequence: int) -> str:
    """The number a site's permit gets: credit code, the site's three digits, and P (Reg art. 6 ¶2)."""
    return f"{credit_code}{site_sequence:03d}P"


# ---------------------------------------------------------------------------
# What the applicant and the authority write: checked whole, every problem at once
# ---------------------------------------------------------------------------

# Longest free texts (characters). A longer text is refused with a field error, never cut.
TEXT_LIMIT = 1000  # reasons, descriptions, notes, the list of missing materials
EXTENSION_REASON_LIMIT = 500
CUT_REASON_LIMIT = 300
AUTHORITY_LIMIT = 100
CATEGORIES = ("key", "simplified")
# A cancellation's announcement reads "<ground>: <note>" within TEXT_LIMIT.
CANCELLATION_NOTE_LIMIT = TEXT_LIMIT - max(len(reason.value) for reason in CancellationReason) - 2


def text_error(
    value: str | None, name: str, *, limit: int = TEXT_LIMIT, required: bool = True
) -> FieldError | None:
    """A free text as stored (surrounding spaces dropped): required or not, and at most ``limit`` long."""
    text = (value or "").strip()
    if not text:
        return FieldError(name, "required", N_("This field is required.")) if required else None
    if len(text) > limit:
        return FieldError(
            name,
            "too_long",
            N_("At most {limit} characters (got {length})."),
            {"limit": limit, "length": len(text)},
        )
    return None


def category_error(category: str) -> FieldError | None:
    if category.strip() not in CATEGORIES:
        return FieldError("category", "choice", N_("Choose key management or simplified management."))
    return None


def change_kind_error(kind: str) -> FieldError | None:
    """A change application names one of the three kinds of change (M48 §43)."""
    if kind in {k.value for k in CHANGE_KINDS}:
        return None
    return FieldError(
        "kind",
        "choice",
        N_("Choose one of: {choices}."),
        {"choices": ", ".join(sorted(k.value for k in CHANGE_KINDS))},
    )


def application_errors(
    kind: ApplicationKind,
    *,
    received: date,
    category: str,
    change_description: str,
    issuing_authority: str = "",
    event_date: date | None = None,
) -> list[FieldError]:
    """Every problem of an application's own fields (its content is checked by ``content``): a first
    application names its issuing authority, a change says what changes, a change of basic information
    and a replacement give the day it happened, which cannot be in the future; texts within their limits.
    """
    found: list[FieldError | None] = [category_error(category)]
    if kind == ApplicationKind.FIRST:
        found.append(text_error(issuing_authority, "issuing_authority", limit=AUTHORITY_LIMIT))
    found.append(text_error(change_description, "change_description", required=kind in CHANGE_KINDS))
    if kind in (ApplicationKind.CHANGE_BASIC, ApplicationKind.REPLACEMENT):
        if event_date is None:
            message = (
                N_("Give the day the name, address, legal representative or principal person changed.")
                if kind == ApplicationKind.CHANGE_BASIC
                else N_("This field is required.")
            )
            found.append(FieldError("event_date", "required", message))
        elif event_date > received:
            found.append(FieldError("event_date", "future", N_("This date is in the future.")))
    return [error for error in found if error is not None]
