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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.bounds import OutOfRange, in_range, out_of_range
from domain.clock import china_midnight, today
from domain.enterprises.models import PERSONAL_FIELDS, Enterprise
from domain.errors import N_, FieldError, NotFound, ValidationFailed
from domain.pagination import Page, check_page_size
from domain.permits import law, rules
from domain.permits.law import Basis
from domain.permits.models import (
    Permit,
    PermitEvent,
    PermitLimit,
    PermitMonitoring,
    PermitOutlet,
    PermitVersion,
)
from domain.permits.reference import MonitoringMethod
from domain.permits.rules import EXPIRED, CancellationReason, PermitStatus, normal_number
from domain.permits.service import PermitFilter, filter_permits
from domain.registrations import queries as registrations
from domain.registrations import rules as registration_rules
from domain.registrations.models import DischargeRegistration

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
assert not PERSONAL_FIELDS & set(ORIGINAL_FIELDS)

# The import writes this note on the "issued" event: a message id, translated when shown.
IMPORT_NOTE = N_("Imported from the national platform")


# ---------------------------------------------------------------------------
# Pure rules
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Reading: what is disclosed
# ---------------------------------------------------------------------------


def _disclosed() -> tuple[Any, ...]:
    """The permits that are public: issued at least once (a number and a first version)."""
    return (col(Permit.number).is_not(None), col(Permit.content_version) >= 1)


def _shown_status() -> Any:
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
            .where(*_disclosed(), *conditions)
        )
    ).one()
    count, permit_time, enterprise_time, last_lapsed = permits
    event_time = (
        await session.exec(
            select(func.max(PermitEvent.occurred_at))
            .join(Permit, col(Permit.id) == col(PermitEvent.permit_id))
            .where(col(PermitEvent.public).is_(True), *_disclosed(), *conditions)
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

    Lists use the whole register on purpose: a permit that leaves a filtered list (revoked,
    renewed) changes the list although it is no longer among the rows shown. Registrations are
    part of the register (search, statistics).
    """
    permits = await _freshness(session)
    count, changed, lapsed = await registrations.registration_freshness(session)
    return combine_freshness(
        permits.count + count,
        permits.changed_at,
        changed,
        expiry_transition(lapsed) if lapsed else None,
    )


async def permit_freshness(session: AsyncSession, *, number: str) -> Freshness:
    """Freshness of one permit's public page and of its outlets' pages; NotFound if it is not disclosed."""
    freshness = await _freshness(session, Permit.number == normal_number(number))
    if freshness.count == 0:
        raise NotFound(N_("No permit with this number."), field="number")
    return freshness


# ---------------------------------------------------------------------------
# Search
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicPermitFilter:
    query: str = ""  # unit name (part of), credit code or permit number (beginning)
    status: str = ""  # one of PUBLIC_STATUSES
    category: str = ""
    industry_code: str = ""
    region_code: str = ""

    def as_permit_filter(self) -> PermitFilter:
        return PermitFilter(
            query=self.query,
            status=self.status,
            category=self.category,
            industry_code=self.industry_code.strip(),
            region_code=self.region_code.strip(),
        )


def check_public_filter(filters: PublicPermitFilter) -> None:
    errors: list[FieldError] = []
    if filters.status and filters.status not in PUBLIC_STATUSES:
        errors.append(
            FieldError(
                "status", "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(PUBLIC_STATUSES)}
            )
        )
    if filters.category and filters.category not in CATEGORIES:
        errors.append(
            FieldError(
                "category", "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(CATEGORIES)}
            )
        )
    if errors:
        raise ValidationFailed(errors)


@dataclass(frozen=True)
class PublicPermitRow:
    """A row of the public search: a permit, or a registration (kind "registration", category 排污登记)."""

    number: str
    unit_name: str
    credit_code: str
    region_code: str
    industry_code: str
    category: str
    status: str  # as shown: "expired" derived from the dates
    issuing_authority: str
    valid_from: date | None
    valid_until: date | None
    kind: str = "permit"


def _row(permit: Permit, enterprise: Enterprise, on: date) -> PublicPermitRow:
    assert permit.number is not None
    return PublicPermitRow(
        number=permit.number,
        unit_name=enterprise.name,
        credit_code=enterprise.credit_code,
        region_code=permit.region_code,
        industry_code=permit.industry_code,
        category=permit.category,
        status=rules.display_status(permit.status, permit.valid_until, on),
        issuing_authority=permit.issuing_authority,
        valid_from=permit.valid_from,
        valid_until=permit.valid_until,
    )


def _searched_registrations(filters: PublicPermitFilter, on: date) -> Any | None:
    """The registrations the search also finds, in the permit rows' columns; None when none can match."""
    if filters.category and filters.category != "registration":
        return None
    if filters.status and filters.status not in REGISTRATION_STATUS_FOR:
        return None
    columns: list[Any] = [
        sa.literal("registration").label("kind"),
        col(DischargeRegistration.number).label("number"),
        col(Enterprise.name).label("unit_name"),
        col(Enterprise.credit_code).label("credit_code"),
        col(DischargeRegistration.region_code).label("region_code"),
        col(DischargeRegistration.industry_code).label("industry_code"),
        sa.literal("registration").label("category"),
        col(DischargeRegistration.status).label("status"),
        sa.literal("").label("issuing_authority"),
        col(DischargeRegistration.valid_from).label("valid_from"),
        col(DischargeRegistration.valid_until).label("valid_until"),
    ]
    statement = sa.select(*columns).join(
        Enterprise, col(Enterprise.id) == col(DischargeRegistration.enterprise_id)
    )
    return registrations.filter_registrations(
        statement,
        registrations.RegistrationFilter(
            query=filters.query,
            status=REGISTRATION_STATUS_FOR.get(filters.status, ""),
            industry_code=filters.industry_code,
            region_code=filters.region_code,
        ),
        on,
    )


def _searched_row(row: Any, on: date) -> PublicPermitRow:
    if row.kind == "registration":
        status = registration_rules.display_status(row.status, row.valid_until, on)
    else:
        status = rules.display_status(row.status, row.valid_until, on)
    return PublicPermitRow(
        number=row.number,
        unit_name=row.unit_name,
        credit_code=row.credit_code,
        region_code=row.region_code,
        industry_code=row.industry_code,
        category=row.category,
        status=status,
        issuing_authority=row.issuing_authority,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        kind=row.kind,
    )


async def search_permits(
    session: AsyncSession, *, filters: PublicPermitFilter | None = None, first: int = 20, offset: int = 0
) -> Page[PublicPermitRow]:
    """Disclosed permits and registrations matching the filters, by unit name then number."""
    filters = filters or PublicPermitFilter()
    check_public_filter(filters)
    check_page_size(first)
    on = today()
    columns: list[Any] = [
        sa.literal("permit").label("kind"),
        col(Permit.number).label("number"),
        col(Enterprise.name).label("unit_name"),
        col(Enterprise.credit_code).label("credit_code"),
        col(Permit.region_code).label("region_code"),
        col(Permit.industry_code).label("industry_code"),
        col(Permit.category).label("category"),
        col(Permit.status).label("status"),
        col(Permit.issuing_authority).label("issuing_authority"),
        col(Permit.valid_from).label("valid_from"),
        col(Permit.valid_until).label("valid_until"),
    ]
    permits = (
        sa.select(*columns)
        .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
        .where(*_disclosed())
    )
    permits = filter_permits(permits, None, filters.as_permit_filter(), on)
    registered = _searched_registrations(filters, on)
    searched: Any = permits if registered is None else sa.union_all(permits, registered)
    found = searched.subquery()
    total = (await session.exec(select(func.count()).select_from(found))).one()
    # Core rows: sqlmodel's select of one subquery would yield its first column only.
    connection = await session.connection()
    rows = (
        await connection.execute(
            sa.select(found).order_by(found.c.unit_name, found.c.number).offset(max(0, offset)).limit(first)
        )
    ).all()
    return Page(items=[_searched_row(row, on) for row in rows], offset=offset, total=int(total))


# ---------------------------------------------------------------------------
# One permit
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Announcement:
    """A public announcement of a state change (M48 §32, §45, §48-51)."""

    kind: str
    effective_on: date
    announced_at: datetime
    note: str
    note_is_message: bool = False  # the note is a message id, to be translated
    ground: str | None = None  # the ground of a cancellation (M48 §50)


def _announcement(event: PermitEvent) -> Announcement:
    ground, note = split_cancellation_note(event.note) if event.kind == "cancelled" else (None, event.note)
    return Announcement(
        kind=event.kind,
        effective_on=event.effective_on,
        announced_at=event.occurred_at,
        note=note,
        note_is_message=note == IMPORT_NOTE,
        ground=ground,
    )


@dataclass(frozen=True)
class PublicPermit:
    """A permit as the public reads it: the original, the public parts of the copy, the announcements."""

    number: str
    status: str
    category: str
    issuing_authority: str
    region_code: str
    industry_code: str
    renewed: bool
    decision_date: date | None
    valid_from: date | None
    valid_until: date | None
    validity_cut_reason: str
    unit: dict[str, str]  # the original's basic information (ORIGINAL_FIELDS only)
    # The copy's sections from PermitContent.public_dict(): a section the unit marked as commercial
    # secret is None and must not be shown.
    sections: dict[str, Any]
    withheld: list[str]
    announcements: list[Announcement] = field(default_factory=list)

    @property
    def in_force(self) -> bool:
        return self.status == PermitStatus.ISSUED

    @property
    def term_years(self) -> int | None:
        """Years of validity by the rule set of the decision (M48 §21, Reg art. 14)."""
        return rules.term_years(self.decision_date, self.renewed) if self.decision_date else None

    @property
    def term_basis(self) -> Basis | None:
        return law.term_years(self.decision_date, self.renewed)[1] if self.decision_date else None

    def monitoring_at(self, code: str) -> list[dict[str, Any]]:
        return [item for item in self.sections.get("monitoring") or [] if item["point"] == code]

    def special_limits_at(self, code: str) -> list[dict[str, Any]]:
        return [item for item in self.sections.get("special_period_limits") or [] if item["point"] == code]


async def _public_permit_row(session: AsyncSession, number: str) -> tuple[Permit, Enterprise]:
    found = (
        await session.exec(
            select(Permit, Enterprise)
            .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
            .where(Permit.number == normal_number(number), *_disclosed())
        )
    ).first()
    if found is None:
        raise NotFound(N_("No permit with this number."), field="number")
    return found[0], found[1]


def _original(version: PermitVersion | None, enterprise: Enterprise) -> dict[str, str]:
    """The unit as the original shows it: the basic information recorded at the decision."""
    recorded = version.basic_info if version is not None else {}
    current = enterprise.snapshot()
    return {name: str(recorded.get(name) or current.get(name) or "") for name in ORIGINAL_FIELDS}


async def public_permit(session: AsyncSession, *, number: str) -> PublicPermit:
    """One disclosed permit by its number; NotFound for an unknown or undisclosed one."""
    permit, enterprise = await _public_permit_row(session, number)
    version = (
        await session.exec(
            select(PermitVersion).where(
                PermitVersion.permit_id == permit.id, PermitVersion.version == permit.content_version
            )
        )
    ).first()
    content = rules.content_from_dict(version.content) if version is not None else rules.PermitContent()
    sections = content.public_dict()
    events = (
        await session.exec(
            select(PermitEvent)
            .where(PermitEvent.permit_id == permit.id, col(PermitEvent.public).is_(True))
            .order_by(col(PermitEvent.occurred_at).desc(), col(PermitEvent.id).desc())
        )
    ).all()
    assert permit.number is not None
    return PublicPermit(
        number=permit.number,
        status=rules.display_status(permit.status, permit.valid_until, today()),
        category=permit.category,
        issuing_authority=permit.issuing_authority,
        region_code=permit.region_code,
        industry_code=permit.industry_code,
        renewed=permit.renewed,
        decision_date=permit.decision_date,
        valid_from=permit.valid_from,
        valid_until=permit.valid_until,
        validity_cut_reason=permit.validity_cut_reason,
        unit=_original(version, enterprise),
        sections=sections,
        withheld=[name for name, value in sections.items() if value is None],
        announcements=[_announcement(event) for event in events],
    )


# ---------------------------------------------------------------------------
# One outlet (the page an outlet's QR code opens)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EnforcementRecord:
    """An inspection or penalty concerning an outlet (filled once supervision records exist)."""

    on: date
    kind: str
    result: str


async def outlet_enforcement_history(
    session: AsyncSession, *, permit_number: str, outlet_code: str
) -> list[EnforcementRecord]:
    """Inspections and penalties concerning an outlet, newest first.

    The platform keeps no supervision records yet (they come with the supervision area), so
    there is nothing to disclose: the answer is an empty list, never invented data.
    """
    return []


@dataclass(frozen=True)
class PublicOutlet:
    """What an outlet's sign discloses: permitted concentrations and quantities, monitoring, history."""

    permit_number: str
    permit_status: str
    unit_name: str
    credit_code: str
    category: str
    issuing_authority: str
    valid_until: date | None
    outlet: PermitOutlet
    limits: list[PermitLimit]
    monitoring: list[PermitMonitoring]
    special_limits: list[dict[str, Any]]
    enforcement_history: list[EnforcementRecord]

    @property
    def automatically_monitored(self) -> list[str]:
        """Pollutants the permit requires to be monitored automatically at this outlet."""
        return [item.pollutant for item in self.monitoring if item.method == MonitoringMethod.AUTOMATIC]


async def public_outlet(session: AsyncSession, *, number: str, code: str) -> PublicOutlet:
    """One outlet (not a fugitive source) of a disclosed permit's current version."""
    permit, enterprise = await _public_permit_row(session, number)
    code = normal_number(code)
    where = (PermitOutlet.permit_id == permit.id, PermitOutlet.version == permit.content_version)
    outlet = (
        await session.exec(
            select(PermitOutlet).where(
                *where, PermitOutlet.code == code, col(PermitOutlet.is_fugitive).is_(False)
            )
        )
    ).first()
    if outlet is None:
        raise NotFound(N_("This permit has no outlet with this code."), field="code")
    limits = (
        await session.exec(
            select(PermitLimit)
            .where(
                PermitLimit.permit_id == permit.id,
                PermitLimit.version == permit.content_version,
                PermitLimit.point_code == code,
            )
            .order_by(col(PermitLimit.id))
        )
    ).all()
    monitoring = (
        await session.exec(
            select(PermitMonitoring)
            .where(
                PermitMonitoring.permit_id == permit.id,
                PermitMonitoring.version == permit.content_version,
                PermitMonitoring.point_code == code,
            )
            .order_by(col(PermitMonitoring.id))
        )
    ).all()
    version = (
        await session.exec(
            select(PermitVersion).where(
                PermitVersion.permit_id == permit.id, PermitVersion.version == permit.content_version
            )
        )
    ).first()
    special: list[dict[str, Any]] = []
    if version is not None:
        sections = rules.content_from_dict(version.content).public_dict()
        special = [item for item in sections.get("special_period_limits") or [] if item["point"] == code]
    assert permit.number is not None
    return PublicOutlet(
        permit_number=permit.number,
        permit_status=rules.display_status(permit.status, permit.valid_until, today()),
        unit_name=str(version.basic_info.get("name") if version else "") or enterprise.name,
        credit_code=enterprise.credit_code,
        category=permit.category,
        issuing_authority=permit.issuing_authority,
        valid_until=permit.valid_until,
        outlet=outlet,
        limits=list(limits),
        monitoring=list(monitoring),
        special_limits=special,
        enforcement_history=await outlet_enforcement_history(
            session, permit_number=permit.number, outlet_code=code
        ),
    )


# ---------------------------------------------------------------------------
# Permits expired and not renewed, by month (M48 §50; AP (4))
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpiredList:
    month: date  # its first day
    rows: list[PublicPermitRow]


async def expired_not_renewed(session: AsyncSession, *, month: date) -> ExpiredList:
    """Permits whose last valid day fell in the month and that were not renewed.

    Either still "issued" with the validity passed, or already cancelled on the ground
    "expired and not renewed". A renewed permit's validity runs on, so it is not in the month.
    """
    first, last = month_bounds(month)
    on = today()
    statement = (
        select(Permit, Enterprise)
        .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
        .where(
            *_disclosed(),
            col(Permit.valid_until) >= first,
            col(Permit.valid_until) <= last,
            col(Permit.valid_until) < on,
            sa.or_(
                col(Permit.status) == PermitStatus.ISSUED,
                sa.and_(
                    col(Permit.status) == PermitStatus.CANCELLED,
                    col(Permit.cancellation_reason) == CancellationReason.EXPIRED_NOT_RENEWED.value,
                ),
            ),
        )
        .order_by(col(Permit.valid_until), col(Permit.number))
    )
    rows = (await session.exec(statement)).all()
    return ExpiredList(month=first, rows=[_row(permit, enterprise, on) for permit, enterprise in rows])


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PermitStatistics:
    total: int
    by_status: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    by_industry: list[tuple[str, int]]
    by_region: list[tuple[str, int]]
    # Registration-only units (排污登记), by status as shown; counted in the register beside permits.
    registrations: list[tuple[str, int]] = field(default_factory=list)

    @property
    def registrations_total(self) -> int:
        return sum(count for _, count in self.registrations)


async def _counts(session: AsyncSession, key: Any) -> list[tuple[str, int]]:
    # Grouped through a subquery: PostgreSQL does not match a GROUP BY expression that carries
    # bound parameters (today's date in the shown status) with the same expression in SELECT.
    keyed = select(key.label("key")).where(*_disclosed()).subquery()
    count = func.count().label("n")
    statement = select(keyed.c.key, count).group_by(keyed.c.key).order_by(count.desc(), keyed.c.key)
    return [(str(value), int(n)) for value, n in (await session.exec(statement)).all()]


async def permit_statistics(session: AsyncSession) -> PermitStatistics:
    """Disclosed permits counted by status (as shown), category, industry and region, in SQL."""
    by_status = await _counts(session, _shown_status())
    order = {status: index for index, status in enumerate(PUBLIC_STATUSES)}
    return PermitStatistics(
        total=sum(count for _, count in by_status),
        by_status=sorted(by_status, key=lambda item: order.get(item[0], len(order))),
        by_category=await _counts(session, col(Permit.category)),
        by_industry=await _counts(session, col(Permit.industry_code)),
        by_region=await _counts(session, col(Permit.region_code)),
        registrations=await registrations.registration_counts(session),
    )
