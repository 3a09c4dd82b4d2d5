"""The public disclosure of the permit register (信息公开, M48 §32, §39; AP (4), (7)): reads for anyone.

What anyone may read without logging in is decided here, once:

- a permit that was issued at least once: it has a number and a first version of its
  content. Applications that never led to a permit are not disclosed;
- its original (正本) as issued: the unit's basic information at the decision, the number,
  category, issuing authority and validity;
- the permitted items of its copy (副本) and its commitment, without the sections the unit
  marked as commercial secret (M48 §26): ``PermitContent.public_dict()`` decides;
- its public announcements (M48 §32, §45, §48-51), never who in the authority made them;
- never the unit's staff data (technical lead, telephone).

Each read comes with a freshness function: when the data it shows last changed, which the
web layer turns into ``ETag`` / ``Last-Modified`` so that unchanged pages are not rebuilt.
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.bounds import OutOfRange, in_range, out_of_range
from domain.clock import china_midnight, today
from domain.enterprises.models import PERSONAL_FIELDS, Enterprise
from domain.enterprises.public_register import PublicRegisterEntry
from domain.errors import N_, FieldError, NotFound, ValidationFailed
from domain.permits import register_entry
from domain.permits.models import Permit, PermitEvent
from domain.permits.rules import EXPIRED, CancellationReason, PermitStatus, normal_number
from domain.registrations import rules as registration_rules
from domain.supervision.cases.queries import cases_changed_at
from domain.supervision.grading.models import GradeDecision
from domain.supervision.inspections.models import InspectionRecord
from domain.supervision.standing.models import PositiveListEntry

# Statuses a disclosed permit can be in, as the public reads them ("expired" is derived from the dates).
PUBLIC_STATUSES = (
    PermitStatus.ISSUED.value,
    EXPIRED,
    PermitStatus.REVOKED.value,
    PermitStatus.CANCELLED.value,
)


# Registration-only units (排污登记) are found by the same search, shown as registrations.
CATEGORIES = ("key", "simplified", "registration")


# How the search's status filter reads for a registration; a registration is never revoked.
REGISTRATION_STATUS_FOR = {
    PermitStatus.ISSUED.value: registration_rules.RegistrationStatus.REGISTERED.value,
    EXPIRED: registration_rules.EXPIRED,
    PermitStatus.CANCELLED.value: registration_rules.RegistrationStatus.CANCELLED.value,
}


# The original's (正本) basic information, as the permit shows it. Staff data is never part of it.
ORIGINAL_FIELDS = (
    "name",
    "credit_code",
    "registered_address",
    "operating_address",
    "legal_representative",
    "industry_code",
)


# The import writes this note on the "issued" event: a message id, translated when shown.
assert not PERSONAL_FIELDS & set(ORIGINAL_FIELDS)

# The import writes this note on the "issued" event: a message id, translated when shown.
IMPORT_NOTE = N_("Imported from the national platform")


def expiry_transition(last_valid_day: date) -> datetime:
    """When a permit's shown status turned to "expired": the China midnight after its last valid day."""
    return china_midnight(last_valid_day + timedelta(days=1))


def month_bounds(month: date) -> tuple[date, date]:
    """First and last day of the month a date falls in."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def adjacent_months(month: date, on: date) -> tuple[date, date | None]:
    """The months before and after ``month`` (first days); no following month once it would be the future."""
    first, last = month_bounds(month)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    return previous, following if following <= on else None


def parse_month(raw: str | None, on: date) -> date:
    """A month given as YYYY-MM (empty: the month of ``on``), as its first day; never a future month."""
    text = (raw or "").strip()
    if not text:
        return on.replace(day=1)
    try:
        year, month = (int(part) for part in text.split("-"))
        chosen = date(year, month, 1)
        in_range(chosen)
    except OutOfRange:
        raise ValidationFailed([out_of_range("month")]) from None
    except ValueError:
        raise ValidationFailed([FieldError("month", "month", N_("Expected a month as YYYY-MM."))]) from None
    if chosen > on.replace(day=1):
        raise ValidationFailed(
            [FieldError("month", "future", N_("Choose this month or an earlier one."))]
        ) from None
    return chosen


def split_cancellation_note(note: str) -> tuple[str | None, str]:
    """A cancellation event's note is "<ground>: <free text>" (M48 §50); the ground, if any, and the text."""
    ground, _, rest = note.partition(":")
    if ground.strip() in {reason.value for reason in CancellationReason}:
        return ground.strip(), rest.strip()
    return None, note


@dataclass(frozen=True)
class Freshness:
    """When the data behind a public page last changed, and how many permits it covers.

    ``changed_at`` also counts the midnight at which a permit's shown status turned to
    "expired", because that changes the page without any row being written.
    """

    changed_at: datetime | None
    count: int

    @property
    def fingerprint(self) -> str:
        stamp = self.changed_at.isoformat() if self.changed_at else "-"
        return hashlib.sha256(f"{stamp}|{self.count}".encode()).hexdigest()[:24]


def combine_freshness(count: int, *times: datetime | None) -> Freshness:
    known = [
        moment if moment.tzinfo else moment.replace(tzinfo=UTC) for moment in times if moment is not None
    ]
    return Freshness(changed_at=max(known) if known else None, count=count)


def disclosed() -> tuple[Any, ...]:
    """The permits that are public: issued at least once (a number and a first version). Decided where the
    permits' rows of the public register are kept, so that both read the same."""
    return register_entry.disclosed()


def shown_status() -> Any:
    """The status as shown, in SQL: an issued permit whose last valid day has passed is "expired"."""
    return sa.case(
        (
            sa.and_(col(Permit.status) == PermitStatus.ISSUED, col(Permit.valid_until) < today()),
            sa.literal(EXPIRED),
        ),
        else_=col(Permit.status),
    )


async def _freshness(session: AsyncSession, *conditions: Any) -> Freshness:
    on = today()
    lapsed = sa.case(
        (
            sa.and_(col(Permit.status) == PermitStatus.ISSUED, col(Permit.valid_until) < on),
            col(Permit.valid_until),
        ),
        else_=None,
    )
    permits = (
        await session.exec(
            select(
                func.count(col(Permit.id)),
                func.max(Permit.updated_at),
                func.max(Enterprise.updated_at),
                func.max(lapsed),
            )
            .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
            .where(*disclosed(), *conditions)
        )
    ).one()
    count, permit_time, enterprise_time, last_lapsed = permits
    event_time = (
        await session.exec(
            select(func.max(PermitEvent.occurred_at))
            .join(Permit, col(Permit.id) == col(PermitEvent.permit_id))
            .where(col(PermitEvent.public).is_(True), *disclosed(), *conditions)
        )
    ).one()
    if isinstance(last_lapsed, str):  # SQLite returns the CASE of dates as text
        last_lapsed = date.fromisoformat(last_lapsed)
    return combine_freshness(
        int(count or 0),
        permit_time,
        enterprise_time,
        event_time,
        expiry_transition(last_lapsed) if last_lapsed else None,
    )


async def register_freshness(session: AsyncSession) -> Freshness:
    """Freshness of the whole public register: lists, the monthly expiry list and the statistics.

    Read off the register's rows (``PublicRegisterEntry``), which hold everything those pages show, in one
    statement of index lookups: the last row written (every write replaces a permit's or registration's
    row under a new id, and stamps its time; a unit's new name stamps the time of its rows), the latest
    change, and the latest last valid day already passed of a row still in force (its shown status turned
    to "expired" at the following midnight). The last id stands for the count in the fingerprint: a
    count would read the whole register for every page. Lists use the whole register on purpose: a
    permit that leaves a filtered list (revoked, renewed) changes the list although it is no longer
    among the rows shown.
    """
    entry = PublicRegisterEntry
    on = today()

    def lapsed(status: str) -> Any:
        return (
            select(func.max(entry.valid_until))
            .where(entry.status == status, col(entry.valid_until) < on)
            .scalar_subquery()
        )

    last_id, changed, permit_lapsed, registration_lapsed = (
        await session.exec(
            select(
                select(func.max(entry.id)).scalar_subquery(),
                select(func.max(entry.changed_at)).scalar_subquery(),
                lapsed(PermitStatus.ISSUED.value),
                lapsed(registration_rules.RegistrationStatus.REGISTERED.value),
            )
        )
    ).one()
    lapsed_days = [_as_date(day) for day in (permit_lapsed, registration_lapsed) if day is not None]
    if isinstance(changed, str):  # SQLite returns a scalar subquery's timestamp as text
        changed = datetime.fromisoformat(changed)
    return combine_freshness(
        int(last_id or 0),
        changed,
        expiry_transition(max(lapsed_days)) if lapsed_days else None,
    )


def _as_date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


async def permit_freshness(session: AsyncSession, *, number: str) -> Freshness:
    """Freshness of one permit's public page and of its outlets' pages; NotFound if it is not disclosed."""
    freshness = await _freshness(session, Permit.number == normal_number(number))
    if freshness.count == 0:
        raise NotFound(N_("No permit with this number."), field="number")
    # The pages show the unit's published penalties, grades and standing, and the outlets' inspections:
    # a case's step, a grade, a change of the positive list or a new inspection record changes them.
    cases = await cases_changed_at(session, permit_number=normal_number(number))
    supervision = await _supervision_changed_at(session, normal_number(number))
    return combine_freshness(freshness.count, freshness.changed_at, cases, *supervision)


async def _supervision_changed_at(session: AsyncSession, number: str) -> list[datetime | None]:
    """When the permit's inspection records, or its unit's grades or positive-list entries, last changed."""
    permit = select(Permit.id).where(Permit.number == number).scalar_subquery()
    unit = select(Permit.enterprise_id).where(Permit.number == number).scalar_subquery()
    statements = (
        select(func.max(InspectionRecord.created_at)).where(col(InspectionRecord.permit_id) == permit),
        select(func.max(GradeDecision.decided_at)).where(col(GradeDecision.enterprise_id) == unit),
        select(func.max(PositiveListEntry.recorded_at)).where(col(PositiveListEntry.enterprise_id) == unit),
        select(func.max(PositiveListEntry.removal_recorded_at)).where(
            col(PositiveListEntry.enterprise_id) == unit
        ),
    )
    found: list[datetime | None] = []
    for statement in statements:
        moment = (await session.exec(statement)).one()
        found.append(datetime.fromisoformat(moment) if isinstance(moment, str) else moment)
    return found
