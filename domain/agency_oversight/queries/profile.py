"""One agency's page, as regulators (and its own staff) see it, and the agency staff's home: its credit with
the filing behind each event, qualifications (expired ones flagged), staff, clients and their permits, and
its filings across clients."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, require
from domain.accounts.models import User
from domain.agencies.models import Agency
from domain.agencies.queries.authorisations import ClientRow, clients_of
from domain.agencies.queries.credit import Credit, credit_of
from domain.agencies.queries.lookup import visible_agency
from domain.agencies.rules import QualificationRow, agency_target, qualification_rows
from domain.agency_oversight import evidence
from domain.agency_oversight.queries.credit import EventRow, event_sources
from domain.agency_oversight.queries.filings import ClientFilings, Filing, filing_summary, filings
from domain.clock import today
from domain.errors import N_, NotFound, PermissionDenied
from domain.pagination import Page


@dataclass(frozen=True)
class StaffRow:
    username: str
    display_name: str
    email: str | None
    is_active: bool


@dataclass
class AgencyPage:
    agency: Agency
    credit: Credit
    events: list[EventRow]
    qualifications: list[QualificationRow]
    staff: list[StaffRow]
    clients: list[ClientRow]
    summary: list[ClientFilings]
    recent: Page[Filing]
    may_review: bool
    may_record_credit: bool
    is_own: bool
    # The records a credit event that lowers the score may name (for those who may record one).
    evidence_choices: list[evidence.Evidence] = field(default_factory=list)

    @property
    def clients_in_force(self) -> list[ClientRow]:
        return [c for c in self.clients if c.state == "in_force"]


async def _page(session: AsyncSession, actor: Actor, agency: Agency) -> AgencyPage:
    assert agency.id is not None
    credit = await credit_of(session, agency_id=agency.id)
    may_record = can(actor, Operation.CREDIT_RECORD, agency_target(agency))
    staff = (
        await session.exec(select(User).where(User.agency_id == agency.id).order_by(col(User.username)))
    ).all()
    return AgencyPage(
        agency=agency,
        credit=credit,
        events=await event_sources(session, credit.events),
        qualifications=qualification_rows(agency, today()),
        staff=[StaffRow(u.username, u.display_name, u.email, u.is_active) for u in staff],
        clients=await clients_of(session, actor, agency),
        summary=await filing_summary(session, actor, agency),
        recent=await filings(session, actor, credit_code=agency.credit_code, first=20),
        may_review=can(actor, Operation.AGENCY_REVIEW, agency_target(agency)),
        may_record_credit=may_record,
        is_own=actor.agency_id is not None and actor.agency_id == agency.id,
        evidence_choices=await evidence.choices(session, agency) if may_record else [],
    )


async def agency_page(session: AsyncSession, actor: Actor, *, credit_code: str) -> AgencyPage:
    """An agency as regulators (and its own staff) see it."""
    return await _page(session, actor, await visible_agency(session, actor, credit_code))


async def agency_home(session: AsyncSession, actor: Actor) -> AgencyPage:
    """The agency staff's home: clients in force, filings across clients, the agency's credit."""
    if not actor.is_agency_staff or actor.agency_id is None:
        if not actor.is_authenticated:
            require(actor, Operation.AGENCY_OWN, Target(agency_id=-1))
        raise PermissionDenied(N_("You are not allowed to do this."))
    agency = await session.get(Agency, actor.agency_id)
    if agency is None:
        raise NotFound(N_("No agency with this credit code."), field="credit_code")
    return await _page(session, actor, agency)
