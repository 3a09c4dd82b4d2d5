"""Enforcement use cases: dismiss a lead or open a case from it (or on the brigade's own finding), decide,
close, attach documents. Access: ``CASE_MANAGE`` (the enforcement brigade and the legal section of the
jurisdiction). Every step writes a ``CaseStep`` with what it set and an audit entry; the unit is told of
the decision and the closure."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, require
from domain.audit.service import record
from domain.bounds import parse_id
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.enterprises.queries import find_enterprise
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed
from domain.permits.models import Permit
from domain.permits.queries.register import find_permit
from domain.reports.models import EnforcementLead
from domain.supervision.cases import notices, rules
from domain.supervision.cases.models import CaseDocument, CaseStep, EnforcementCase, LeadDecision
from domain.supervision.cases.rules import CaseInput, DecisionInput, DocumentInput


def may_manage(actor: Actor) -> bool:
    """Whether the actor works cases anywhere (the brigade, the legal section, the administrator): the
    pages offer the inbox and the new-case form to them."""
    return actor.is_admin or (
        actor.region_code is not None
        and can(actor, Operation.CASE_MANAGE, Target(region_code=actor.region_code))
    )


def target_of(case: EnforcementCase) -> Target:
    return Target(enterprise_id=case.enterprise_id, region_code=case.region_code)


def lead_target(lead: EnforcementLead) -> Target:
    return Target(enterprise_id=lead.enterprise_id, region_code=lead.region_code)


async def load_case(
    session: AsyncSession, actor: Actor, case_id: int | str, operation: Operation
) -> EnforcementCase:
    """The case, if the actor may do ``operation`` to it; "not found" for anyone who may not see it."""
    parsed = parse_id(case_id)
    case = await session.get(EnforcementCase, parsed) if parsed is not None else None
    if case is None or not can(actor, Operation.CASE_VIEW, target_of(case)):
        if not actor.is_authenticated:
            require(actor, Operation.CASE_VIEW)
        raise NotFound(N_("No such enforcement case."), field="case")
    require(actor, operation, target_of(case))
    return case


async def load_lead(session: AsyncSession, actor: Actor, lead_id: int | str) -> EnforcementLead:
    """A lead the actor may act on (``CASE_MANAGE`` over its unit and region) that nobody decided yet."""
    parsed = parse_id(lead_id)
    lead = await session.get(EnforcementLead, parsed) if parsed is not None else None
    if lead is None or not can(actor, Operation.CASE_MANAGE, lead_target(lead)):
        if not actor.is_authenticated:
            require(actor, Operation.CASE_MANAGE)
        raise NotFound(N_("No such enforcement lead."), field="lead")
    decided = (await session.exec(select(LeadDecision).where(LeadDecision.lead_id == lead.id))).first()
    if decided is not None:
        raise Conflict(N_("This lead has already been dealt with."), field="lead")
    return lead


def _step(case: EnforcementCase, actor: Actor, kind: str, values: dict[str, Any]) -> CaseStep:
    assert case.id is not None
    return CaseStep(
        case_id=case.id,
        kind=kind,
        values=values,
        created_by=actor.username or "",
        on_behalf_of=actor.on_behalf_of,
    )


async def dismiss_lead(
    session: AsyncSession, actor: Actor, *, lead_id: int | str, reason: str
) -> LeadDecision:
    """Dismiss a lead (不予立案) with the reason; it leaves the inbox and stays on record."""
    lead = await load_lead(session, actor, lead_id)
    errors = rules.reason_errors(reason)
    if errors:
        raise ValidationFailed(errors)
    assert lead.id is not None
    decision = LeadDecision(
        lead_id=lead.id,
        outcome="dismissed",
        reason=reason.strip(),
        decided_by=actor.username or "",
        on_behalf_of=actor.on_behalf_of,
    )
    session.add(decision)
    record(
        session,
        actor,
        action="lead.dismiss",
        object_type="enforcement_lead",
        object_id=lead.id,
        enterprise_id=lead.enterprise_id,
        after={"reason": decision.reason},
    )
    return decision


async def open_case(session: AsyncSession, actor: Actor, *, data: CaseInput) -> EnforcementCase:
    """Open a case (立案): from a lead (``lead_id``: its unit, permit and region; the lead leaves the inbox)
    or on the brigade's own finding (``credit_code`` of a registered unit or ``unit_name``, with
    ``permit_number``/``outlet_code`` where it applies). Facts, legal basis (the article), classification
    (without / against the permit / other) and the day it was opened are required."""
    errors = rules.case_errors(data, today=today())
    lead = None
    enterprise: Enterprise | None = None
    permit: Permit | None = None
    if data.lead_id is not None:
        lead = await load_lead(session, actor, data.lead_id)
        enterprise = await session.get(Enterprise, lead.enterprise_id)
        permit = await session.get(Permit, lead.permit_id)
    else:
        code = data.credit_code.strip()
        if code:
            enterprise = await find_enterprise(session, code) if len(code) <= 18 else None
            if enterprise is None:
                errors.append(FieldError("credit_code", "unknown_unit", N_("No unit with this credit code.")))
        if data.permit_number.strip():
            number = data.permit_number.strip()
            permit = await find_permit(session, number) if len(number) <= 22 else None
            if permit is None or (enterprise is not None and permit.enterprise_id != enterprise.id):
                errors.append(
                    FieldError(
                        "permit_number", "unknown_permit", N_("No permit of this unit has this number.")
                    )
                )
                permit = None
            elif enterprise is None and not code:
                enterprise = await session.get(Enterprise, permit.enterprise_id)
        if (
            enterprise is None
            and not code
            and not data.unit_name.strip()
            and not any(e.field == "permit_number" for e in errors)
        ):
            errors.append(
                FieldError(
                    "credit_code",
                    "required",
                    N_("Name the unit: its credit code, or its name if it is not registered."),
                )
            )
    region = permit.region_code if permit else enterprise.region_code if enterprise else actor.region_code
    target = Target(enterprise_id=enterprise.id if enterprise else None, region_code=region)
    require(actor, Operation.CASE_MANAGE, target)
    if errors:
        raise ValidationFailed(errors)
    assert data.opened_on is not None and region is not None
    case = EnforcementCase(
        lead_id=lead.id if lead else None,
        region_code=region,
        enterprise_id=enterprise.id if enterprise else None,
        unit_name=enterprise.name if enterprise else data.unit_name.strip(),
        permit_id=permit.id if permit else None,
        outlet_code=data.outlet_code.strip().upper(),
        classification=data.classification,
        facts=data.facts.strip(),
        legal_basis=data.legal_basis.strip(),
        opened_on=data.opened_on,
        created_by=actor.username or "",
        on_behalf_of=actor.on_behalf_of,
    )
    session.add(case)
    await session.flush()
    assert case.id is not None
    if lead is not None and lead.id is not None:
        session.add(
            LeadDecision(
                lead_id=lead.id,
                outcome="case",
                case_id=case.id,
                decided_by=actor.username or "",
                on_behalf_of=actor.on_behalf_of,
            )
        )
    values = {
        "classification": case.classification,
        "facts": case.facts,
        "legal_basis": case.legal_basis,
        "opened_on": case.opened_on.isoformat(),
        "lead_id": case.lead_id,
    }
    session.add(_step(case, actor, "open", values))
    record(
        session,
        actor,
        action="case.open",
        object_type="enforcement_case",
        object_id=case.id,
        enterprise_id=case.enterprise_id,
        after=values,
    )
    return case


async def decide_case(
    session: AsyncSession, actor: Actor, *, case_id: int | str, data: DecisionInput
) -> EnforcementCase:
    """Record the decision (处罚决定): its text, the fine in yuan (at most ``rules.MAX_PENALTY_YUAN``), the
    measures ordered, the document number and the day; a decision citing another article replaces the
    legal basis (the step keeps both). The unit is told."""
    case = await load_case(session, actor, case_id, Operation.CASE_MANAGE)
    if case.status != "open":
        raise Conflict(N_("A decision was already taken in this case."), field="case")
    errors = rules.decision_errors(data, today=today(), opened_on=case.opened_on)
    if errors:
        raise ValidationFailed(errors)
    before = {"legal_basis": case.legal_basis}
    case.decision = data.decision.strip()
    case.penalty_cents = rules.penalty_cents(data.penalty_yuan)
    case.measures = list(data.measures)
    case.case_number = data.case_number.strip()
    if data.legal_basis.strip():
        case.legal_basis = data.legal_basis.strip()
    case.decided_on = data.decided_on
    case.status = "decided"
    session.add(case)
    values = {
        "decision": case.decision,
        "penalty_cents": case.penalty_cents,
        "measures": case.measures,
        "case_number": case.case_number,
        "legal_basis": case.legal_basis,
        "decided_on": case.decided_on.isoformat() if case.decided_on else None,
    }
    session.add(_step(case, actor, "decide", values))
    await notices.case_decided(session, case)
    record(
        session,
        actor,
        action="case.decide",
        object_type="enforcement_case",
        object_id=case.id or 0,
        enterprise_id=case.enterprise_id,
        before=before,
        after=values,
    )
    return case


async def close_case(
    session: AsyncSession, actor: Actor, *, case_id: int | str, closed_on: date | None
) -> EnforcementCase:
    """Close a decided case (结案), on a day not before the decision; a closed case with a penalty is public
    (M48 §39; AP (7)). The unit is told."""
    case = await load_case(session, actor, case_id, Operation.CASE_MANAGE)
    if case.status == "closed":
        raise Conflict(N_("This case is already closed."), field="case")
    if case.status != "decided" or case.decided_on is None:
        raise Conflict(N_("Record the decision before closing the case."), field="case")
    day = closed_on
    errors = rules.close_errors(day, today=today(), decided_on=case.decided_on)
    if errors:
        raise ValidationFailed(errors)
    assert day is not None
    case.closed_on = day
    case.status = "closed"
    session.add(case)
    session.add(_step(case, actor, "close", {"closed_on": day.isoformat()}))
    await notices.case_closed(session, case)
    record(
        session,
        actor,
        action="case.close",
        object_type="enforcement_case",
        object_id=case.id or 0,
        enterprise_id=case.enterprise_id,
        after={"closed_on": day.isoformat()},
    )
    return case


async def add_document(
    session: AsyncSession, actor: Actor, *, case_id: int | str, data: DocumentInput
) -> CaseDocument:
    """Attach a document (PDF, JPG or PNG, at most 10 MB, checked against its name); its SHA-256 is kept so
    a copy can be verified. A closed case takes no more documents."""
    case = await load_case(session, actor, case_id, Operation.CASE_MANAGE)
    errors = rules.document_errors(data)
    if errors:
        raise ValidationFailed(errors)
    if case.status == "closed":
        raise Conflict(N_("This case is closed: it takes no more documents."), field="case")
    assert case.id is not None
    document = CaseDocument(
        case_id=case.id,
        kind=data.kind,
        file_name=data.file_name.strip(),
        media_type=rules.media_type(data.file_name.strip()),
        size=len(data.content),
        sha256=rules.sha256(data.content),
        content=data.content,
        created_by=actor.username or "",
        on_behalf_of=actor.on_behalf_of,
    )
    session.add(document)
    values = {
        "kind": document.kind,
        "file_name": document.file_name,
        "size": document.size,
        "sha256": document.sha256,
    }
    session.add(_step(case, actor, "document", values))
    record(
        session,
        actor,
        action="case.document",
        object_type="enforcement_case",
        object_id=case.id,
        enterprise_id=case.enterprise_id,
        after=values,
    )
    return document
