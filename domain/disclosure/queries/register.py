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
from domain.enterprises.public_register import COLUMNS, ENTRY, PublicRegisterEntry
from domain.enterprises.rules import normalize_credit_code
from domain.errors import N_, FieldError, ValidationFailed
from domain.pagination import Page, check_page_size
from domain.permits import rules
from domain.permits.models import Permit
from domain.permits.rules import EXPIRED, CancellationReason, PermitStatus
from domain.registrations import queries as registrations
from domain.registrations import rules as registration_rules


@dataclass(frozen=True)
class PublicPermitFilter:
    query: str = ""  # unit name (part of), credit code or permit number (beginning)
    status: str = ""  # one of PUBLIC_STATUSES
    category: str = ""
    industry_code: str = ""
    region_code: str = ""


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


# A count beyond this is shown as "more than 10,000", as search pages do: counting every match of a broad
# search would read the whole register for each page, and no one pages that far.
COUNT_BOUND = 10_000

# What a search row's shown status is, in the register's stored statuses (a permit's, a registration's).
_IN_FORCE = (PermitStatus.ISSUED.value, REGISTRATION_STATUS_FOR[PermitStatus.ISSUED.value])


def _filtered(statement: Any, filters: PublicPermitFilter, on: date) -> Any:
    """The search's filters on a statement over the public register's rows (PublicRegisterEntry).

    A permit's status as shown and a registration's read alike: "issued" finds registrations in force,
    "expired" both lapsed, "cancelled" both cancelled; a registration is never revoked."""
    entry = PublicRegisterEntry
    query = filters.query.strip()
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(
            sa.or_(
                col(entry.unit_name).like(pattern, escape="\\"),
                col(entry.credit_code).startswith(normalize_credit_code(query), autoescape=True),
                col(entry.number).startswith(query.upper(), autoescape=True),
            )
        )
    if filters.status == EXPIRED:
        statement = statement.where(col(entry.status).in_(_IN_FORCE), col(entry.valid_until) < on)
    elif filters.status == PermitStatus.ISSUED:
        statement = statement.where(col(entry.status).in_(_IN_FORCE), col(entry.valid_until) >= on)
    elif filters.status:
        statement = statement.where(col(entry.status) == filters.status)
    if filters.category:
        statement = statement.where(col(entry.category) == filters.category)
    if filters.industry_code.strip():
        statement = statement.where(col(entry.industry_code) == filters.industry_code.strip())
    if filters.region_code.strip():
        prefix = filters.region_code.strip()
        while prefix.endswith("00"):
            prefix = prefix[:-2]
        statement = statement.where(col(entry.region_code).startswith(prefix, autoescape=True))
    return statement


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


# The register's columns a search row shows: what its keepers write (COLUMNS), less the ids and the time.
_SHOWN = tuple(c for c in COLUMNS if c not in ("permit_id", "registration_id", "enterprise_id", "changed_at"))


def register_rows(filters: PublicPermitFilter, on: date) -> Any:
    """The public register as one subquery: its rows (disclosed permits and registrations) the filters
    find, in the rows' columns. The bulk download (``domain.disclosure.bulk``) reads it whole."""
    statement = sa.select(*(ENTRY.c[name] for name in _SHOWN))
    return _filtered(statement, filters, on).subquery()


def register_order(found: Any) -> tuple[Any, ...]:
    """The register's order: by unit name, then number (the index ix_public_register_entry_order)."""
    return (found.c.unit_name, found.c.number)


async def search_permits(
    session: AsyncSession, *, filters: PublicPermitFilter | None = None, first: int = 20, offset: int = 0
) -> Page[PublicPermitRow]:
    """Disclosed permits and registrations matching the filters, by unit name then number.

    The page is read off the register's index in order with its LIMIT; the count stops past COUNT_BOUND
    (``total`` is then COUNT_BOUND + 1: "more than 10,000"), and whether a next page exists is read with
    the page (one row more)."""
    filters = filters or PublicPermitFilter()
    check_public_filter(filters)
    check_page_size(first)
    on = today()
    offset = max(0, offset)
    shown = sa.select(*(ENTRY.c[name] for name in _SHOWN))
    statement = _filtered(shown, filters, on).order_by(ENTRY.c.unit_name, ENTRY.c.number)
    connection = await session.connection()
    rows = (await connection.execute(statement.offset(offset).limit(first + 1))).all()
    more_after = len(rows) > first
    rows = rows[:first]
    if offset == 0 and not more_after:
        total = len(rows)  # the whole result is on this page: nothing more to count
    else:
        bounded = _filtered(sa.select(ENTRY.c.id), filters, on).limit(COUNT_BOUND + 1).subquery()
        total = int((await connection.execute(sa.select(sa.func.count()).select_from(bounded))).scalar_one())
        # A page past the bound still counts its own rows (the pager's "page n of more than m").
        total = max(total, offset + len(rows) + (1 if more_after else 0))
    return Page(
        items=[searched_row(row, on) for row in rows],
        offset=offset,
        total=total,
        more_after=more_after,
        more_before=offset > 0,
    )


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
