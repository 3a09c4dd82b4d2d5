"""Authorisations (委托授权): a unit's, with their state (in force, not started, suspended, expired,
revoked), an agency's clients, and the contract scan."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, require
from domain.access.sql import TargetColumns, allowed
from domain.agencies.models import Agency, AgencyAuthorisation
from domain.agencies.queries.directory import AgencyListing, approved_choices
from domain.agencies.rules import authorisation_state, contract_media_type
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.errors import N_, NotFound, PermissionDenied
from domain.permits.models import Permit
from domain.permits.rules import PermitStatus


@dataclass(frozen=True)
class ClientRow:
    authorisation: AgencyAuthorisation
    enterprise_name: str
    enterprise_credit_code: str
    state: str
    permit_numbers: tuple[str, ...] = ()  # the unit's permits in force: where the agency files
    # Where the caller may file for the unit today, of DESKS: an agency's staff within its authorisation's
    # scopes, no one else (a regulator reading the agency's page files nothing for its clients).
    desks: tuple[str, ...] = ()


# The filing desks of a unit's permit an agency may be authorised for, each with the operation it takes.
DESKS = (
    ("readings", Operation.MONITORING_WRITE),
    ("entries", Operation.LEDGER_WRITE),
    ("reports", Operation.REPORT_WRITE),
)


def _desks(actor: Actor, enterprise_id: int, region_code: str) -> tuple[str, ...]:
    if not actor.is_agency_staff:
        return ()
    target = Target(enterprise_id=enterprise_id, region_code=region_code)
    return tuple(desk for desk, operation in DESKS if can(actor, operation, target))


async def clients_of(session: AsyncSession, actor: Actor, agency: Agency) -> list[ClientRow]:
    """The units that authorised the agency (in a regulator's jurisdiction), with each authorisation's state
    today and the unit's permits in force (where the agency files)."""
    on = today()
    rows = (
        await session.exec(
            select(AgencyAuthorisation, Enterprise.name, Enterprise.credit_code, Enterprise.region_code)
            .join(Enterprise, col(Enterprise.id) == col(AgencyAuthorisation.enterprise_id))
            .where(
                AgencyAuthorisation.agency_id == agency.id,
                # The SQL form of can(AGENCY_WORK_VIEW): all of it for the agency, what concerns units of
                # a regulator's jurisdiction for the regulator.
                allowed(
                    actor,
                    Operation.AGENCY_WORK_VIEW,
                    TargetColumns(
                        agency_id=col(AgencyAuthorisation.agency_id),
                        enterprise_id=col(AgencyAuthorisation.enterprise_id),
                        region_code=col(Enterprise.region_code),
                    ),
                ),
            )
            .order_by(col(AgencyAuthorisation.valid_until).desc(), col(AgencyAuthorisation.id).desc())
        )
    ).all()
    permits: dict[int, list[str]] = defaultdict(list)
    enterprise_ids = {a.enterprise_id for a, _name, _code, _region in rows}
    if enterprise_ids:
        for enterprise_id, number in (
            await session.exec(
                select(Permit.enterprise_id, Permit.number)
                .where(
                    col(Permit.enterprise_id).in_(enterprise_ids),
                    Permit.status == PermitStatus.ISSUED,
                    col(Permit.number).is_not(None),
                    sa.or_(col(Permit.valid_until).is_(None), col(Permit.valid_until) >= on),
                )
                .order_by(col(Permit.number))
            )
        ).all():
            permits[enterprise_id].append(number or "")
    result = []
    for a, name, code, region in rows:
        state = authorisation_state(a, agency, on)
        desks = _desks(actor, a.enterprise_id, region) if state == "in_force" else ()
        result.append(ClientRow(a, name, code, state, tuple(permits.get(a.enterprise_id, ())), desks))
    return result


async def authorisations_of_enterprise(
    session: AsyncSession, actor: Actor
) -> list[tuple[AgencyAuthorisation, Agency]]:
    """The caller's unit's authorisations with their agency, newest first."""
    require(
        actor,
        Operation.ENTERPRISE_VIEW,
        Target(enterprise_id=actor.enterprise_id, region_code=None) if actor.enterprise_id else None,
    )
    rows = (
        await session.exec(
            select(AgencyAuthorisation, Agency)
            .join(Agency, col(Agency.id) == col(AgencyAuthorisation.agency_id))
            .where(AgencyAuthorisation.enterprise_id == actor.enterprise_id)
            .order_by(col(AgencyAuthorisation.id).desc())
        )
    ).all()
    return [(a, g) for a, g in rows]


@dataclass(frozen=True)
class AuthorisationRow:
    authorisation: AgencyAuthorisation
    agency: Agency
    state: str
    enterprise_name: str = ""
    enterprise_credit_code: str = ""


@dataclass
class AuthorisationsPage:
    enterprise: Enterprise
    rows: list[AuthorisationRow]
    choices: list[AgencyListing]
    may_authorise: bool


async def _own_enterprise(session: AsyncSession, actor: Actor) -> Enterprise:
    if actor.enterprise_id is None:
        require(actor, Operation.ENTERPRISE_VIEW, None)
        raise PermissionDenied(N_("You are not allowed to do this."))
    enterprise = await session.get(Enterprise, actor.enterprise_id)
    if enterprise is None:
        raise NotFound(N_("No such enterprise."))
    require(
        actor,
        Operation.ENTERPRISE_VIEW,
        Target(enterprise_id=enterprise.id, region_code=enterprise.region_code),
    )
    return enterprise


async def authorisations_page(session: AsyncSession, actor: Actor) -> AuthorisationsPage:
    """委托授权: the unit's authorisations with their state; its administrator may add and revoke."""
    enterprise = await _own_enterprise(session, actor)
    on = today()
    rows = [
        AuthorisationRow(
            a, agency, authorisation_state(a, agency, on), enterprise.name, enterprise.credit_code
        )
        for a, agency in await authorisations_of_enterprise(session, actor)
    ]
    may = can(
        actor,
        Operation.AGENCY_AUTHORISE,
        Target(enterprise_id=enterprise.id, region_code=enterprise.region_code),
    )
    return AuthorisationsPage(
        enterprise=enterprise,
        rows=rows,
        choices=await approved_choices(session) if may else [],
        may_authorise=may,
    )


async def authorisation_row(session: AsyncSession, authorisation: AgencyAuthorisation) -> AuthorisationRow:
    """An authorisation as pages and the API show it: with its agency, its unit and its state today."""
    agency = await session.get(Agency, authorisation.agency_id)
    enterprise = await session.get(Enterprise, authorisation.enterprise_id)
    assert agency is not None and enterprise is not None
    return AuthorisationRow(
        authorisation,
        agency,
        authorisation_state(authorisation, agency, today()),
        enterprise.name,
        enterprise.credit_code,
    )


def may_authorise(actor: Actor) -> bool:
    """Whether the caller may authorise agencies for their own unit (its administrator)."""
    return actor.enterprise_id is not None and can(
        actor, Operation.AGENCY_AUTHORISE, Target(enterprise_id=actor.enterprise_id)
    )


async def authorisations(session: AsyncSession, actor: Actor) -> list[AuthorisationRow]:
    """The caller's authorisations: an enterprise user's unit's, or an agency's clients (for the API)."""
    if actor.is_agency_staff and actor.agency_id is not None:
        agency = await session.get(Agency, actor.agency_id)
        assert agency is not None
        return [
            AuthorisationRow(c.authorisation, agency, c.state, c.enterprise_name, c.enterprise_credit_code)
            for c in await clients_of(session, actor, agency)
        ]
    return (await authorisations_page(session, actor)).rows


@dataclass(frozen=True)
class ContractFile:
    file_name: str
    media_type: str
    content: bytes


async def contract_file(session: AsyncSession, actor: Actor, *, authorisation_id: int) -> ContractFile:
    """The contract scan: for the unit, the agency, the unit's regulators and the administrator."""
    authorisation = await session.get(AgencyAuthorisation, authorisation_id)
    enterprise = await session.get(Enterprise, authorisation.enterprise_id) if authorisation else None
    if authorisation is None or enterprise is None:
        raise NotFound(N_("No such authorisation."), field="authorisation")
    target = Target(enterprise_id=enterprise.id, region_code=enterprise.region_code)
    if actor.is_agency_staff:
        allowed = actor.agency_id == authorisation.agency_id
    else:  # the unit's own users, regulators of its jurisdiction, the administrator
        allowed = can(actor, Operation.ENTERPRISE_VIEW, target)
    if not allowed or not authorisation.contract_file:
        if not actor.is_authenticated:
            require(actor, Operation.ENTERPRISE_VIEW, target)
        raise NotFound(N_("No such authorisation."), field="authorisation")
    name = authorisation.contract_file_name or f"contract-{authorisation_id}"
    return ContractFile(name, contract_media_type(name), authorisation.contract_file)
