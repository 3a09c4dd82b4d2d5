"""What the registration pages and the API show (排污登记).

For anyone (信息公开): the public register and one registration's public form, never the contact person
or telephone. A registration is public from the day it is filed (the guidance publishes the registration
form); its revisions are shown as what happened and when, never who in an authority recorded them.

For the unit, its regulators and the administrator: the whole registration with its history, and who may
file, change, renew or cancel one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, require
from domain.access.sql import TargetColumns, allowed
from domain.clock import today
from domain.enterprises.models import Enterprise, ProductionSite
from domain.enterprises.rules import normalize_credit_code
from domain.errors import N_, FieldError, NotFound, ValidationFailed
from domain.pagination import Key, Page, Window, check_page_size, keyset_page, sort_order
from domain.registrations import rules
from domain.registrations.models import DischargeRegistration, RegistrationRevision
from domain.registrations.rules import EXPIRED, RegistrationStatus

# ---------------------------------------------------------------------------
# The whole registration (the unit, its regulators, the administrator)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrationRecord:
    """A registration with its unit and site, as pages and the API show it."""

    registration: DischargeRegistration
    enterprise: Enterprise
    site: ProductionSite

    @property
    def status(self) -> str:
        return rules.display_status(self.registration.status, self.registration.valid_until, today())

    def snapshot(self) -> dict[str, Any]:
        r = self.registration
        return {
            "number": r.number,
            "unit_name": self.enterprise.name,
            "credit_code": self.enterprise.credit_code,
            "site": self.site.code,
            "site_address": self.site.address,
            "region_code": self.site.region_code,
            "industry_code": self.site.industry_code,
            "status": r.status,
            "valid_from": r.valid_from.isoformat(),
            "valid_until": r.valid_until.isoformat(),
            **{name: getattr(r, name) for name in rules.CONTENT_FIELDS},
            "outlets": r.outlets,
        }


def target_of(registration: DischargeRegistration) -> Target:
    return Target(enterprise_id=registration.enterprise_id, region_code=registration.region_code)


# The same target as columns, for the SQL form of can() in lists (domain.access.sql.allowed).
TARGET_COLUMNS = TargetColumns(
    enterprise_id=col(DischargeRegistration.enterprise_id), region_code=col(DischargeRegistration.region_code)
)


def may_manage(actor: Actor, registration: DischargeRegistration) -> bool:
    return can(actor, Operation.PERMIT_APPLY, target_of(registration))


def require_may_file(actor: Actor) -> None:
    """Refuse early those who may file no registration at all (the form page)."""
    require(
        actor,
        Operation.PERMIT_APPLY,
        Target(enterprise_id=actor.enterprise_id, region_code=actor.region_code),
    )


def may_file_for(actor: Actor, enterprise: Enterprise) -> bool:
    return can(
        actor, Operation.PERMIT_APPLY, Target(enterprise_id=enterprise.id, region_code=enterprise.region_code)
    )


async def record_of(session: AsyncSession, registration: DischargeRegistration) -> RegistrationRecord:
    enterprise = await session.get(Enterprise, registration.enterprise_id)
    site = await session.get(ProductionSite, registration.site_id)
    assert enterprise is not None and site is not None
    return RegistrationRecord(registration, enterprise, site)


async def find_registration(session: AsyncSession, number: str) -> DischargeRegistration | None:
    statement = select(DischargeRegistration).where(
        DischargeRegistration.number == (number or "").strip().upper()
    )
    return (await session.exec(statement)).first()


async def get_registration(session: AsyncSession, actor: Actor, *, number: str) -> RegistrationRecord:
    """The whole registration (contact included), for the unit, its regulators and the administrator."""
    registration = await find_registration(session, number)
    if registration is not None and can(actor, Operation.ENTERPRISE_VIEW, target_of(registration)):
        return await record_of(session, registration)
    if not actor.is_authenticated:
        require(actor, Operation.ENTERPRISE_VIEW)
    raise NotFound(N_("No registration with this number."), field="number")


async def registration_history(
    session: AsyncSession, actor: Actor, *, number: str
) -> list[RegistrationRevision]:
    found = await get_registration(session, actor, number=number)
    return await revisions_of(session, found.registration)


async def revisions_of(
    session: AsyncSession, registration: DischargeRegistration
) -> list[RegistrationRevision]:
    statement = (
        select(RegistrationRevision)
        .where(RegistrationRevision.registration_id == registration.id)
        .order_by(col(RegistrationRevision.version).desc())
    )
    return list((await session.exec(statement)).all())


async def get_enterprise_for_registration(
    session: AsyncSession, actor: Actor, *, credit_code: str
) -> Enterprise:
    """The unit whose registration the actor may file (to pre-fill the form)."""
    enterprise = (
        await session.exec(
            select(Enterprise).where(Enterprise.credit_code == normalize_credit_code(credit_code))
        )
    ).first()
    if enterprise is None or not can(
        actor, Operation.PERMIT_APPLY, Target(enterprise_id=enterprise.id, region_code=enterprise.region_code)
    ):
        raise NotFound(N_("No enterprise with this credit code."), field="credit_code")
    return enterprise


async def registrations_of_unit(
    session: AsyncSession, actor: Actor, *, credit_code: str
) -> list[DischargeRegistration]:
    enterprise = (
        await session.exec(
            select(Enterprise).where(Enterprise.credit_code == normalize_credit_code(credit_code))
        )
    ).first()
    if enterprise is None or not can(
        actor,
        Operation.ENTERPRISE_VIEW,
        Target(enterprise_id=enterprise.id, region_code=enterprise.region_code),
    ):
        return []
    # Each one as get_registration decides it (the SQL form of can()): a site may lie outside the region of
    # the unit's seat, and so outside the viewer's jurisdiction.
    statement = select(DischargeRegistration).where(
        DischargeRegistration.enterprise_id == enterprise.id,
        allowed(actor, Operation.ENTERPRISE_VIEW, TARGET_COLUMNS),
    )
    return list((await session.exec(statement.order_by(col(DischargeRegistration.number)))).all())


# ---------------------------------------------------------------------------
# The public register (anyone)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrationFilter:
    query: str = ""  # unit name (part of), credit code or registration number (beginning)
    status: str = ""  # one of rules.DISPLAY_STATUSES
    industry_code: str = ""
    region_code: str = ""


def check_filter(filters: RegistrationFilter) -> None:
    if filters.status and filters.status not in rules.DISPLAY_STATUSES:
        raise ValidationFailed(
            [
                FieldError(
                    "status",
                    "choice",
                    N_("Choose one of: {choices}."),
                    {"choices": ", ".join(rules.DISPLAY_STATUSES)},
                )
            ]
        )


def shown_status() -> Any:
    """The status as shown, in SQL: a registration past its last valid day is "expired"."""
    return sa.case(
        (
            sa.and_(
                col(DischargeRegistration.status) == RegistrationStatus.REGISTERED,
                col(DischargeRegistration.valid_until) < today(),
            ),
            sa.literal(EXPIRED),
        ),
        else_=col(DischargeRegistration.status),
    )


def filter_registrations(statement: Any, filters: RegistrationFilter, on: date) -> Any:
    """The filters on a statement joining DischargeRegistration and Enterprise."""
    query = filters.query.strip()
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(
            sa.or_(
                col(Enterprise.name).like(pattern, escape="\\"),
                col(Enterprise.credit_code).startswith(normalize_credit_code(query), autoescape=True),
                col(DischargeRegistration.number).startswith(query.upper(), autoescape=True),
            )
        )
    registered = col(DischargeRegistration.status) == RegistrationStatus.REGISTERED
    if filters.status == EXPIRED:
        statement = statement.where(registered, col(DischargeRegistration.valid_until) < on)
    elif filters.status == RegistrationStatus.REGISTERED:
        statement = statement.where(registered, col(DischargeRegistration.valid_until) >= on)
    elif filters.status:
        statement = statement.where(DischargeRegistration.status == filters.status)
    if filters.industry_code.strip():
        statement = statement.where(DischargeRegistration.industry_code == filters.industry_code.strip())
    if filters.region_code.strip():
        prefix = filters.region_code.strip()
        while prefix.endswith("00"):
            prefix = prefix[:-2]
        statement = statement.where(
            col(DischargeRegistration.region_code).startswith(prefix, autoescape=True)
        )
    return statement


@dataclass(frozen=True)
class PublicRegistrationRow:
    number: str
    unit_name: str
    credit_code: str
    site_address: str
    region_code: str
    industry_code: str
    status: str  # as shown: "expired" derived from the dates
    valid_from: date
    valid_until: date


async def search_registrations(
    session: AsyncSession,
    *,
    filters: RegistrationFilter | None = None,
    first: int = 20,
    offset: int = 0,
    window: Window | None = None,
) -> Page[PublicRegistrationRow]:
    """Registrations matching the filters, by unit name then number."""
    filters = filters or RegistrationFilter()
    check_filter(filters)
    check_page_size(first)
    on = today()
    statement = (
        select(DischargeRegistration, Enterprise, ProductionSite)
        .join(Enterprise, col(Enterprise.id) == col(DischargeRegistration.enterprise_id))
        .join(ProductionSite, col(ProductionSite.id) == col(DischargeRegistration.site_id))
    )
    statement = filter_registrations(statement, filters, on)
    total = (await session.exec(select(func.count()).select_from(statement.subquery()))).one()
    # By unit name then number; the id makes the order total.
    order = (
        Key(col(Enterprise.name)),
        Key(col(DischargeRegistration.number)),
        Key(col(DischargeRegistration.id)),
    )
    page: Page[Any] | None = None
    if window is not None:
        page = await keyset_page(
            session, statement, order, window, lambda r: (r[1].name, r[0].number, r[0].id), total=int(total)
        )
        rows: Any = page.items
    else:
        rows = (
            await session.exec(statement.order_by(*sort_order(order)).offset(max(0, offset)).limit(first))
        ).all()
    return (page or Page([], offset, int(total))).mapped(
        [
            PublicRegistrationRow(
                number=r.number,
                unit_name=e.name,
                credit_code=e.credit_code,
                site_address=s.address,
                region_code=r.region_code,
                industry_code=r.industry_code,
                status=rules.display_status(r.status, r.valid_until, on),
                valid_from=r.valid_from,
                valid_until=r.valid_until,
            )
            for r, e, s in rows
        ]
    )


@dataclass(frozen=True)
class PublicRevision:
    kind: str
    version: int
    recorded_at: datetime
    changed_fields: list[str]
    changed_on: date | None
    late: bool
    note: str


@dataclass(frozen=True)
class PublicRegistration:
    """The registration form as the public reads it: everything but the contact person and telephone."""

    number: str
    unit_name: str
    credit_code: str
    legal_representative: str
    registered_address: str
    site: str
    site_address: str
    region_code: str
    industry_code: str
    longitude: float | None
    latitude: float | None
    status: str
    first_registered_on: date
    valid_from: date
    valid_until: date
    production_process: str
    outlets: list[dict[str, Any]]
    discharge_destination: str
    control_facilities: str
    emission_standards: str
    cancelled_on: date | None
    cancellation_reason: str
    revisions: list[PublicRevision]
    # When anything shown last changed: the registration, its unit's record or its site.
    changed_at: datetime


async def public_registration(session: AsyncSession, *, number: str) -> PublicRegistration:
    row = (
        await session.exec(
            select(DischargeRegistration, Enterprise, ProductionSite)
            .join(Enterprise, col(Enterprise.id) == col(DischargeRegistration.enterprise_id))
            .join(ProductionSite, col(ProductionSite.id) == col(DischargeRegistration.site_id))
            .where(DischargeRegistration.number == (number or "").strip().upper())
        )
    ).first()
    if row is None:
        raise NotFound(N_("No registration with this number."), field="number")
    registration, enterprise, site = row
    revisions = (
        await session.exec(
            select(RegistrationRevision)
            .where(RegistrationRevision.registration_id == registration.id)
            .order_by(col(RegistrationRevision.version).desc())
        )
    ).all()
    return PublicRegistration(
        number=registration.number,
        unit_name=enterprise.name,
        credit_code=enterprise.credit_code,
        legal_representative=enterprise.legal_representative,
        registered_address=enterprise.registered_address,
        site=site.code,
        site_address=site.address,
        region_code=site.region_code,
        industry_code=site.industry_code,
        longitude=site.longitude,
        latitude=site.latitude,
        status=rules.display_status(registration.status, registration.valid_until, today()),
        first_registered_on=registration.first_registered_on,
        valid_from=registration.valid_from,
        valid_until=registration.valid_until,
        production_process=registration.production_process,
        outlets=registration.outlets,
        discharge_destination=registration.discharge_destination,
        control_facilities=registration.control_facilities,
        emission_standards=registration.emission_standards,
        cancelled_on=registration.cancelled_on,
        cancellation_reason=registration.cancellation_reason,
        revisions=[
            PublicRevision(
                kind=r.kind,
                version=r.version,
                recorded_at=r.recorded_at,
                changed_fields=[f for f in r.changed_fields if f not in rules.PERSONAL_FIELDS],
                changed_on=r.changed_on,
                late=r.late,
                note=r.note,
            )
            for r in revisions
        ],
        changed_at=max(
            moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            for moment in (registration.updated_at, enterprise.updated_at, site.updated_at)
        ),
    )


async def registration_counts(session: AsyncSession) -> list[tuple[str, int]]:
    """Registrations by status as shown (registered, expired, cancelled), in that order."""
    keyed = select(shown_status().label("key")).subquery()
    rows = (await session.exec(select(keyed.c.key, func.count()).group_by(keyed.c.key))).all()
    found = {str(key): int(n) for key, n in rows}
    return [(status, found[status]) for status in rules.DISPLAY_STATUSES if status in found]
