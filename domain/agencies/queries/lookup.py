"""Finding an agency for a viewer, and who sees what of agencies."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, require
from domain.agencies.models import Agency
from domain.enterprises.rules import normalize_credit_code
from domain.errors import N_, NotFound


def may_oversee(actor: Actor) -> bool:
    """Regulators and the administrator oversee every agency (Target() names none, so agency staff fail)."""
    return can(actor, Operation.AGENCY_OWN, Target())


def require_oversight(actor: Actor) -> None:
    require(actor, Operation.AGENCY_OWN, Target())


def may_see_full(actor: Actor, agency: Agency) -> bool:
    """The agency's own staff, regulators and the administrator see every event, staff and contacts."""
    return can(actor, Operation.AGENCY_OWN, Target(agency_id=agency.id))


async def agency_by_code(session: AsyncSession, credit_code: str) -> Agency | None:
    return (
        await session.exec(
            select(Agency).where(Agency.credit_code == normalize_credit_code(credit_code or ""))
        )
    ).first()


async def find_agency(session: AsyncSession, credit_code: str) -> Agency:
    """The agency with this credit code, whoever asks (callers check what the viewer may see of it)."""
    agency = await agency_by_code(session, credit_code)
    if agency is None:
        raise NotFound(N_("No agency with this credit code."), field="credit_code")
    return agency


async def visible_agency(session: AsyncSession, actor: Actor, credit_code: str) -> Agency:
    """An agency its viewer may open in full; anyone else is told there is no such agency."""
    agency = await find_agency(session, credit_code)
    if not may_see_full(actor, agency):
        if not actor.is_authenticated:
            require(actor, Operation.AGENCY_OWN, Target(agency_id=agency.id))
        raise NotFound(N_("No agency with this credit code."), field="credit_code")
    return agency
