"""What an inspection is about: a permit holder (its permit) or a registration-only unit (its registration),
named by one ``subject`` key, and who may go there (the roster)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import regions
from domain.access import Role, Target
from domain.accounts.models import User
from domain.enterprises.models import Enterprise
from domain.errors import N_, NotFound
from domain.permits.models import Permit
from domain.registrations.models import DischargeRegistration
from domain.supervision.inspections.rules import InspectionKind


def permit_subject(permit_id: int) -> str:
    return f"permit:{permit_id}"


def registration_subject(registration_id: int) -> str:
    return f"registration:{registration_id}"


def enterprise_subject(enterprise_id: int) -> str:
    """A unit inspected that holds neither a permit nor a registration (PT §6 ¶1: 应发未发, 应登未登)."""
    return f"enterprise:{enterprise_id}"


def target(enterprise_id: int, region_code: str) -> Target:
    """An inspection's target: the unit, and the region of the site inspected (as its permit's)."""
    return Target(enterprise_id=enterprise_id, region_code=region_code)


ROSTER_ROLE = {
    InspectionKind.ENFORCEMENT: Role.ENFORCEMENT,
    InspectionKind.MONITORING: Role.MONITORING_STATION,
}


def in_region(column: Any, region_code: str) -> Any:
    """Rows whose region lies within ``region_code`` (a district, a city, a province)."""
    return col(column).startswith(regions.significant_prefix(region_code))  # type: ignore[arg-type]


async def roster(session: AsyncSession, *, kind: InspectionKind, region_code: str) -> list[User]:
    """The active people of the bureau of ``region_code`` who go on visits of this kind: the enforcement
    brigade for inspections, the monitoring station for enforcement monitoring, sorted by id."""
    statement = (
        select(User)
        .where(
            User.role == ROSTER_ROLE[kind].value,
            col(User.is_active).is_(True),
            User.region_code == region_code,
        )
        .order_by(col(User.id))
    )
    return list((await session.exec(statement)).all())


async def may_visit(session: AsyncSession, *, kind: InspectionKind, region_code: str) -> list[User]:
    """Who may be named on a record of a site in ``region_code``: the kind's department of any bureau whose
    jurisdiction covers the site (the district's brigade, the city's)."""
    from domain.supervision.departments import department_users

    return await department_users(session, role=ROSTER_ROLE[kind], region_code=region_code)


@dataclass(frozen=True)
class Place:
    """The unit inspected: its permit, or its registration, or (holding neither) the unit alone."""

    enterprise: Enterprise
    permit: Permit | None = None
    registration: DischargeRegistration | None = None

    @property
    def subject(self) -> str:
        if self.permit is not None:
            return permit_subject(self.permit.id or 0)
        if self.registration is not None:
            return registration_subject(self.registration.id or 0)
        return enterprise_subject(self.enterprise.id or 0)

    @property
    def region_code(self) -> str:
        if self.permit is not None:
            return self.permit.region_code
        if self.registration is not None:
            return self.registration.region_code
        return self.enterprise.region_code


async def find_place(
    session: AsyncSession, *, permit_number: str = "", registration_number: str = "", credit_code: str = ""
) -> Place:
    """The unit the record is about; NotFound when the number names none."""
    if permit_number.strip():
        permit = (
            await session.exec(select(Permit).where(Permit.number == permit_number.strip()[:22]))
        ).first()
        if permit is not None:
            enterprise = await session.get(Enterprise, permit.enterprise_id)
            assert enterprise is not None
            return Place(enterprise, permit=permit)
    elif registration_number.strip():
        registration = (
            await session.exec(
                select(DischargeRegistration).where(
                    DischargeRegistration.number == registration_number.strip()[:22]
                )
            )
        ).first()
        if registration is not None:
            enterprise = await session.get(Enterprise, registration.enterprise_id)
            assert enterprise is not None
            return Place(enterprise, registration=registration)
    elif credit_code.strip():
        enterprise = (
            await session.exec(select(Enterprise).where(Enterprise.credit_code == credit_code.strip()[:18]))
        ).first()
        if enterprise is not None:
            return Place(enterprise)
    raise NotFound(N_("No such unit, permit or registration."), field="permit_number")
