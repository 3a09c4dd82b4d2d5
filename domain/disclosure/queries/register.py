"""The public register (信息公开, M48 §32, §39; AP (4), (7)), read by anyone: the search over permits and
registrations, the monthly list of permits expired and not renewed, the statistics. Reads only; what is
disclosed is decided in ``permits``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import today
from domain.disclosure.queries.permits import (
    CATEGORIES,
    PUBLIC_STATUSES,
    REGISTRATION_STATUS_FOR,
    disclosed,
    month_bounds,
    shown_status,
)
from domain.enterprises.models import Enterprise
from domain.errors import N_, FieldError, ValidationFailed
from domain.pagination import Page, check_page_size
from domain.permits import rules
from domain.permits.models import Permit
from domain.permits.queries.register import PermitFilter, filter_permits
from domain.permits.rules import CancellationReason, PermitStatus
from domain.registrations import queries as registrations
from domain.registrations import rules as registration_rules
from domain.registrations.models import DischargeRegistration


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


def searched_row(row: Any, on: date) -> PublicPermitRow:
    """A row of ``register_rows`` as the search shows it (the status as shown on ``on``)."""
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


def register_rows(filters: PublicPermitFilter, on: date) -> Any:
    """The public register as one subquery: disclosed permits and the registrations the filters also find,
    in the rows' columns. The search pages it; the bulk download (``domain.disclosure.bulk``) reads it
    whole."""
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
        .where(*disclosed())
    )
    permits = filter_permits(permits, None, filters.as_permit_filter(), on)
    registered = _searched_registrations(filters, on)
    searched: Any = permits if registered is None else sa.union_all(permits, registered)
    return searched.subquery()


def register_order(found: Any) -> tuple[Any, ...]:
    """The register's order: by unit name, then number."""
    return (found.c.unit_name, found.c.number)


async def search_permits(
    session: AsyncSession, *, filters: PublicPermitFilter | None = None, first: int = 20, offset: int = 0
) -> Page[PublicPermitRow]:
    """Disclosed permits and registrations matching the filters, by unit name then number."""
    filters = filters or PublicPermitFilter()
    check_public_filter(filters)
    check_page_size(first)
    on = today()
    found = register_rows(filters, on)
    total = (await session.exec(select(func.count()).select_from(found))).one()
    # Core rows: sqlmodel's select of one subquery would yield its first column only.
    connection = await session.connection()
    rows = (
        await connection.execute(
            sa.select(found).order_by(*register_order(found)).offset(max(0, offset)).limit(first)
        )
    ).all()
    return Page(items=[searched_row(row, on) for row in rows], offset=offset, total=int(total))


@dataclass(frozen=True)
class ExpiredList:
    month: date  # its first day
    rows: list[PublicPermitRow]


def _expired_not_renewed(on: date) -> list[Any]:
    """Still "issued" with the validity passed, or cancelled on the ground "expired and not renewed"."""
    return [
        *disclosed(),
        col(Permit.valid_until) < on,
        sa.or_(
            col(Permit.status) == PermitStatus.ISSUED,
            sa.and_(
                col(Permit.status) == PermitStatus.CANCELLED,
                col(Permit.cancellation_reason) == CancellationReason.EXPIRED_NOT_RENEWED.value,
            ),
        ),
    ]


async def latest_expired_month(session: AsyncSession) -> date | None:
    """The first day of the latest month that has a permit expired and not renewed (None: no month has).

    The list opens on it: the current month is often still empty, and a visitor should not have
    to step back month by month to find the latest publication.
    """
    latest = (
        await session.exec(select(func.max(col(Permit.valid_until))).where(*_expired_not_renewed(today())))
    ).one()
    return latest.replace(day=1) if latest is not None else None


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
        .where(*_expired_not_renewed(on), col(Permit.valid_until) >= first, col(Permit.valid_until) <= last)
        .order_by(col(Permit.valid_until), col(Permit.number))
    )
    rows = (await session.exec(statement)).all()
    return ExpiredList(month=first, rows=[_row(permit, enterprise, on) for permit, enterprise in rows])


async def all_expired_not_renewed(session: AsyncSession) -> list[tuple[date, PublicPermitRow]]:
    """Every month's list at once (the bulk download): (the month's first day, row), by last valid day
    then number; the rows each month's list shows."""
    on = today()
    statement = (
        select(Permit, Enterprise)
        .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
        .where(*_expired_not_renewed(on))
        .order_by(col(Permit.valid_until), col(Permit.number))
    )
    found = []
    for permit, enterprise in (await session.exec(statement)).all():
        assert permit.valid_until is not None
        found.append((permit.valid_until.replace(day=1), _row(permit, enterprise, on)))
    return found


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
    keyed = select(key.label("key")).where(*disclosed()).subquery()
    count = func.count().label("n")
    statement = select(keyed.c.key, count).group_by(keyed.c.key).order_by(count.desc(), keyed.c.key)
    return [(str(value), int(n)) for value, n in (await session.exec(statement)).all()]


async def permit_statistics(session: AsyncSession) -> PermitStatistics:
    """Disclosed permits counted by status (as shown), category, industry and region, in SQL."""
    by_status = await _counts(session, shown_status())
    order = {status: index for index, status in enumerate(PUBLIC_STATUSES)}
    return PermitStatistics(
        total=sum(count for _, count in by_status),
        by_status=sorted(by_status, key=lambda item: order.get(item[0], len(order))),
        by_category=await _counts(session, col(Permit.category)),
        by_industry=await _counts(session, col(Permit.industry_code)),
        by_region=await _counts(session, col(Permit.region_code)),
        registrations=await registrations.registration_counts(session),
    )
