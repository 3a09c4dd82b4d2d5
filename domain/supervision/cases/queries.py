"""What the enforcement pages and queries show: the leads inbox (leads nobody decided yet), the cases of a
jurisdiction (or a unit's own), one case with its steps and documents, and the public side (M48 §39;
AP (7)): closed cases with a penalty and the lists of units discharging without or against a permit.
Writes are ``service``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, can, require
from domain.access.sql import TargetColumns, allowed
from domain.bounds import parse_id
from domain.enterprises.models import Enterprise
from domain.errors import N_, FieldError, NotFound, ValidationFailed
from domain.pagination import Key, Page, Window, keyset_page, sort_order
from domain.permits.models import Permit
from domain.reports.models import EnforcementLead, ExecutionReport
from domain.supervision.cases import rules
from domain.supervision.cases.models import CaseDocument, CaseStep, EnforcementCase, LeadDecision
from domain.supervision.cases.service import lead_target, load_case, target_of

LEAD_COLUMNS = TargetColumns(
    enterprise_id=col(EnforcementLead.enterprise_id), region_code=col(EnforcementLead.region_code)
)
CASE_COLUMNS = TargetColumns(
    enterprise_id=col(EnforcementCase.enterprise_id), region_code=col(EnforcementCase.region_code)
)
CASE_VIEWS = ("active", "open", "decided", "closed", "all")


@dataclass(frozen=True)
class LeadRow:
    lead: EnforcementLead
    unit_name: str
    permit_number: str
    report_kind: str  # the report the lead came from
    report_period: str


def _undecided() -> sa.ColumnElement[bool]:
    return sa.not_(
        sa.exists(select(LeadDecision.id).where(col(LeadDecision.lead_id) == col(EnforcementLead.id)))
    )


async def leads_inbox(
    session: AsyncSession, actor: Actor, *, first: int = 50, offset: int = 0, window: Window | None = None
) -> Page[LeadRow]:
    """Leads waiting for the enforcement side (CASE_MANAGE over their unit), oldest first: each is
    dismissed with a reason or opens a case."""
    if not actor.is_authenticated:
        require(actor, Operation.CASE_MANAGE)
    statement = (
        select(EnforcementLead, Enterprise.name, Permit.number, ExecutionReport)
        .join(Enterprise, col(Enterprise.id) == col(EnforcementLead.enterprise_id))
        .join(Permit, col(Permit.id) == col(EnforcementLead.permit_id))
        .join(ExecutionReport, col(ExecutionReport.id) == col(EnforcementLead.report_id))
        .where(allowed(actor, Operation.CASE_MANAGE, LEAD_COLUMNS), _undecided())
    )
    total = (await session.exec(select(sa.func.count()).select_from(statement.subquery()))).one()
    order = (Key(col(EnforcementLead.created_at)), Key(col(EnforcementLead.id)))
    page: Page[Any] = Page([], offset, int(total))
    if window is not None:
        page = await keyset_page(
            session, statement, order, window, lambda r: (r[0].created_at, r[0].id), total=int(total)
        )
        rows: Any = page.items
    else:
        rows = (await session.exec(statement.order_by(*sort_order(order)).offset(offset).limit(first))).all()
    return page.mapped(
        [
            LeadRow(lead, name, number or "", report.kind, report.period)
            for lead, name, number, report in rows
        ],
    )


async def lead_row(
    session: AsyncSession, actor: Actor, *, lead_id: int | str, decided_too: bool = False
) -> LeadRow | None:
    """One lead of the inbox (the new-case form shows it), or None when the actor may not act on it or it
    was dealt with (``decided_too``: shown anyway, for the form that failed because it was)."""
    parsed = parse_id(lead_id)
    lead = await session.get(EnforcementLead, parsed) if parsed is not None else None
    if lead is None or not can(actor, Operation.CASE_MANAGE, lead_target(lead)):
        return None
    if not decided_too:
        decided = (await session.exec(select(LeadDecision.id).where(LeadDecision.lead_id == lead.id))).first()
        if decided is not None:
            return None
    enterprise = await session.get(Enterprise, lead.enterprise_id)
    permit = await session.get(Permit, lead.permit_id)
    report = await session.get(ExecutionReport, lead.report_id)
    return LeadRow(
        lead,
        enterprise.name if enterprise else "",
        permit.number or "" if permit else "",
        report.kind if report else "",
        report.period if report else "",
    )


@dataclass(frozen=True)
class CaseRow:
    case: EnforcementCase
    permit_number: str

    @property
    def penalty_yuan(self) -> float | None:
        return None if self.case.penalty_cents is None else self.case.penalty_cents / 100


def _view(view: str) -> sa.ColumnElement[bool]:
    if view == "active":
        return col(EnforcementCase.status) != "closed"
    if view in ("open", "decided", "closed"):
        return col(EnforcementCase.status) == view
    return sa.true()


async def _numbers(session: AsyncSession, permit_ids: list[int]) -> dict[int, str]:
    if not permit_ids:
        return {}
    found = await session.exec(select(Permit.id, Permit.number).where(col(Permit.id).in_(permit_ids)))
    return {permit_id or 0: number or "" for permit_id, number in found.all()}


async def case_list(
    session: AsyncSession,
    actor: Actor,
    *,
    view: str = "active",
    first: int = 50,
    offset: int = 0,
    window: Window | None = None,
) -> Page[CaseRow]:
    """Cases the actor may see (CASE_VIEW: regulators of the jurisdiction, a unit its own), open ones
    first, then by the day they were opened, newest first."""
    if not actor.is_authenticated:
        require(actor, Operation.CASE_VIEW)
    if view not in CASE_VIEWS:
        raise ValidationFailed([FieldError("view", "unknown_view", N_("Choose one of the lists."))])
    statement = select(EnforcementCase).where(allowed(actor, Operation.CASE_VIEW, CASE_COLUMNS), _view(view))
    total = (await session.exec(select(sa.func.count()).select_from(statement.subquery()))).one()
    order = (
        Key(col(EnforcementCase.status) == "closed"),
        Key(col(EnforcementCase.opened_on), descending=True),
        Key(col(EnforcementCase.id), descending=True),
    )
    page: Page[Any] = Page([], offset, int(total))
    if window is not None:
        page = await keyset_page(
            session,
            statement,
            order,
            window,
            lambda c: (c.status == "closed", c.opened_on, c.id),
            total=int(total),
        )
        cases = list(page.items)
    else:
        cases = list(
            (await session.exec(statement.order_by(*sort_order(order)).offset(offset).limit(first))).all()
        )
    numbers = await _numbers(session, [c.permit_id for c in cases if c.permit_id is not None])
    return page.mapped([CaseRow(c, numbers.get(c.permit_id or 0, "")) for c in cases])


@dataclass(frozen=True)
class DocumentRow:
    id: int
    kind: str
    file_name: str
    media_type: str
    size: int
    sha256: str
    created_at: object
    created_by: str


@dataclass(frozen=True)
class CasePage:
    row: CaseRow
    steps: list[CaseStep]
    documents: list[DocumentRow]
    lead: EnforcementLead | None
    may_manage: bool

    @property
    def case(self) -> EnforcementCase:
        return self.row.case


async def case_page(session: AsyncSession, actor: Actor, *, case_id: int | str) -> CasePage:
    case = await load_case(session, actor, case_id, Operation.CASE_VIEW)
    numbers = await _numbers(session, [case.permit_id] if case.permit_id else [])
    steps = list(
        (
            await session.exec(select(CaseStep).where(CaseStep.case_id == case.id).order_by(col(CaseStep.id)))
        ).all()
    )
    # The documents' metadata only: their content is read when one is downloaded.
    found = await session.exec(
        select(CaseDocument)
        .options(defer(CaseDocument.content))  # type: ignore[arg-type]
        .where(col(CaseDocument.case_id) == case.id)
        .order_by(col(CaseDocument.id))
    )
    documents = [
        DocumentRow(
            d.id or 0, d.kind, d.file_name, d.media_type, d.size, d.sha256, d.created_at, d.created_by
        )
        for d in found.all()
    ]
    lead = await session.get(EnforcementLead, case.lead_id) if case.lead_id else None
    return CasePage(
        CaseRow(case, numbers.get(case.permit_id or 0, "")),
        steps,
        documents,
        lead,
        can(actor, Operation.CASE_MANAGE, target_of(case)),
    )


async def document_file(session: AsyncSession, actor: Actor, *, document_id: int | str) -> CaseDocument:
    """A case's document, for those who may see the case."""
    parsed = parse_id(document_id)
    document = await session.get(CaseDocument, parsed) if parsed is not None else None
    if document is None:
        raise NotFound(N_("No such document."), field="document")
    await load_case(session, actor, document.case_id, Operation.CASE_VIEW)
    return document


# ---------------------------------------------------------------------------
# Public (M48 §39; AP (7)): what anyone may read, without staff personal data
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicPenalty:
    """A closed case with a penalty, as the public reads it: the unit, the decision's day and number, the
    article, the fine and the measures. Never the people who handled it."""

    case_id: int
    unit_name: str
    credit_code: str
    permit_number: str
    outlet_code: str
    classification: str
    legal_basis: str
    case_number: str
    decided_on: date
    closed_on: date
    penalty_cents: int | None
    measures: list[str]

    @property
    def penalty_yuan(self) -> float | None:
        return None if self.penalty_cents is None else self.penalty_cents / 100


def _public() -> sa.ColumnElement[bool]:
    # Closed cases only: a decision can still be challenged while the case is open.
    return col(EnforcementCase.status) == "closed"


async def _public_rows(session: AsyncSession, statement: sa.Select) -> list[PublicPenalty]:  # type: ignore[type-arg]
    rows = (await session.exec(statement)).all()  # type: ignore[call-overload]
    found = [
        PublicPenalty(
            case_id=case.id or 0,
            unit_name=case.unit_name,
            credit_code=credit_code or "",
            permit_number=number or "",
            outlet_code=case.outlet_code,
            classification=case.classification,
            legal_basis=case.legal_basis,
            case_number=case.case_number,
            decided_on=case.decided_on or case.opened_on,
            closed_on=case.closed_on or case.opened_on,
            penalty_cents=case.penalty_cents,
            measures=list(case.measures),
        )
        for case, credit_code, number in rows
    ]
    return [p for p in found if rules.has_penalty(p.penalty_cents, p.measures)]


def _public_select() -> sa.Select:  # type: ignore[type-arg]
    return (
        select(EnforcementCase, Enterprise.credit_code, Permit.number)
        .join(Enterprise, col(Enterprise.id) == col(EnforcementCase.enterprise_id), isouter=True)
        .join(Permit, col(Permit.id) == col(EnforcementCase.permit_id), isouter=True)
        .where(_public())
        .order_by(col(EnforcementCase.decided_on).desc(), col(EnforcementCase.id).desc())
    )


async def public_penalties(
    session: AsyncSession,
    *,
    classification: str | None = None,
    enterprise_id: int | None = None,
    permit_id: int | None = None,
    limit: int = 500,
) -> list[PublicPenalty]:
    """Closed cases with a penalty, newest decision first; ``classification`` ``without_permit`` or
    ``against_permit`` gives the public lists of units discharging without or against their permit."""
    statement = _public_select()
    if classification is not None:
        statement = statement.where(col(EnforcementCase.classification) == classification)
    if enterprise_id is not None:
        statement = statement.where(col(EnforcementCase.enterprise_id) == enterprise_id)
    if permit_id is not None:
        statement = statement.where(col(EnforcementCase.permit_id) == permit_id)
    return await _public_rows(session, statement.limit(limit))


async def outlet_penalties(
    session: AsyncSession, *, permit_number: str, outlet_code: str
) -> list[PublicPenalty]:
    """The public penalties concerning one outlet of a permit (its QR page's enforcement history)."""
    statement = _public_select().where(
        col(Permit.number) == permit_number, col(EnforcementCase.outlet_code) == outlet_code.upper()
    )
    return await _public_rows(session, statement)


async def cases_changed_at(session: AsyncSession, *, permit_number: str) -> datetime | None:
    """When a case of the permit's unit last moved (its public pages' freshness: a closure publishes a
    penalty without touching the permit)."""
    unit = select(Permit.enterprise_id).where(Permit.number == permit_number).scalar_subquery()
    found = await session.exec(
        select(sa.func.max(CaseStep.created_at))
        .join(EnforcementCase, col(EnforcementCase.id) == col(CaseStep.case_id))
        .where(col(EnforcementCase.enterprise_id) == unit)
    )
    moment = found.one()
    if isinstance(moment, str):  # SQLite returns an aggregate of times as text
        moment = datetime.fromisoformat(moment)
    return moment
