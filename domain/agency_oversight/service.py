"""Use cases of the agencies' oversight: a regulator records a credit event that names its evidence, a
record the agency filed (``domain.agency_oversight.evidence``)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, require
from domain.agencies.models import CreditEvent
from domain.agencies.queries.lookup import find_agency
from domain.agencies.rules import agency_target, credit_event_errors, lowers_score
from domain.agencies.service import add_credit_event
from domain.agency_oversight import evidence
from domain.audit.service import record
from domain.clock import utcnow
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed


async def record_credit_event(
    session: AsyncSession,
    actor: Actor,
    *,
    credit_code: str,
    kind: str,
    note: str,
    source_id: str = "",
    evidence_kind: str = "",
    evidence_id: str = "",
) -> CreditEvent:
    """Regulators of the agency's region record training, assessments and falsified data found by
    enforcement (serious: public).

    An event that lowers the score names its evidence, a record checked to exist and to concern this
    agency (``domain.agency_oversight.evidence``); it is stored as the event's source, once per record.
    Events that raise it keep a certificate or inspection number (``source_id``) if given.
    """
    try:
        agency = await find_agency(session, credit_code)
    except NotFound:
        # Only someone who may record credit anywhere learns that there is no such agency.
        require(actor, Operation.CREDIT_RECORD, Target(region_code=actor.region_code))
        raise
    require(actor, Operation.CREDIT_RECORD, agency_target(agency))
    note = (note or "").strip()
    source_type, reference = "regulator", (source_id or "").strip()
    errors = credit_event_errors(kind, note, reference)
    lowers = lowers_score(kind)
    if lowers and not (evidence_kind and (evidence_id or "").strip()):
        errors.append(
            FieldError(
                "evidence",
                "evidence_required",
                N_(
                    "An event that lowers the score names its evidence: a report submission, a feedback form "
                    "or the monitoring readings the agency filed."
                ),
            )
        )
    elif lowers:
        found = await evidence.resolve(session, agency, evidence_kind, evidence_id)
        if found is None:
            errors.append(
                FieldError(
                    "evidence",
                    "evidence_not_found",
                    N_("There is no such record, or it does not concern this agency."),
                )
            )
        else:
            source_type, reference = found.kind, found.reference
    if errors:
        raise ValidationFailed(errors)
    assert agency.id is not None
    event = await add_credit_event(
        session,
        agency_id=agency.id,
        kind=kind,
        source_type=source_type,
        source_id=reference or f"{kind}:{utcnow().isoformat()}",
        note=note,
        recorded_by=actor.username,
    )
    if event is None:
        raise Conflict(N_("This event is already recorded."), field="evidence" if lowers else "source_id")
    record(
        session,
        actor,
        action="agency.credit_event",
        object_type="agency",
        object_id=agency.credit_code,
        enterprise_id=None,
        after={
            "kind": kind,
            "points": event.points,
            "note": note[:500],
            "source_type": event.source_type,
            "source_id": event.source_id,
        },
    )
    return event
