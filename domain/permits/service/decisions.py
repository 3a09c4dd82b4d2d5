"""The authority's decisions on an application (M48 §27-32, §45, §48, §51; Reg art. 9-12): accept or not,
ask once for missing materials, extend the time limit, grant or refuse, issue. Each checks who decides
and the application's state, counts its time limits in working days, and records the event and audit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor
from domain.audit.service import record
from domain.clock import today, utcnow
from domain.enterprises.models import Enterprise, ProductionSite
from domain.errors import N_, Conflict, FieldError, ValidationFailed
from domain.permits import law, rules
from domain.permits.content import content_from_dict
from domain.permits.models import Permit, PermitApplication, PermitVersion
from domain.permits.queries.register import current_content, find_permit
from domain.permits.register_entry import refresh_permit_entries
from domain.permits.rules import ApplicationKind, ApplicationStatus, PermitStatus
from domain.permits.service.common import (
    audit,
    basic_info,
    event,
    expect,
    load_application,
    permit_state,
    require_text,
    set_validity,
    tell_unit,
    write_content_rows,
)
from domain.permits.state import acceptance_clock_start, deemed_accepted, waiting_for_materials


def _refuse_if_deemed_accepted(application: PermitApplication, on: date) -> None:
    if deemed_accepted(application, on):
        raise Conflict(
            N_(
                "The acceptance period ended on {date} without a decision: the application counts as "
                "accepted and can no longer be refused as not accepted."
            ),
            field="application",
            params={"date": application.accept_due.isoformat()},
        )


async def accept_application(
    session: AsyncSession, actor: Actor, *, application_id: int
) -> PermitApplication:
    """受理 (M48 §27, Reg art. 9). Past the acceptance period it counts as accepted when it started."""
    application, permit = await load_application(session, actor, application_id)
    expect(application, ApplicationStatus.SUBMITTED)
    if waiting_for_materials(application):
        raise Conflict(
            N_("The unit has not yet supplied the missing materials requested on {date}."),
            field="application",
            params={
                "date": application.completion_requested_on.isoformat()
                if application.completion_requested_on
                else ""
            },
        )
    before = permit_state(permit)
    accepted = rules.effective_acceptance_date(
        acceptance_clock_start(application), application.accept_due, today()
    )
    due = law.decision_due(
        application.received_on, accepted, application.kind, application.proposed_category or permit.category
    )
    application.status = ApplicationStatus.ACCEPTED
    application.accepted_on = accepted
    application.decision_due, application.decision_due_approximate = due.date, due.approximate
    if application.kind == ApplicationKind.FIRST:
        permit.status = PermitStatus.ACCEPTED
    session.add_all([application, permit])
    event(session, actor, permit, "accepted", application=application, public=False, on=accepted)
    audit(session, actor, permit, "permit.accept", before)
    return application


async def reject_application(
    session: AsyncSession, actor: Actor, *, application_id: int, reason: str
) -> PermitApplication:
    """不予受理 (M48 §27 (1)-(3), Reg art. 9), with the reason told to the unit; only within the period."""
    application, permit = await load_application(session, actor, application_id)
    expect(application, ApplicationStatus.SUBMITTED)
    reason = require_text(reason, "reason")
    on = today()
    _refuse_if_deemed_accepted(application, on)
    before = permit_state(permit)
    application.status = ApplicationStatus.NOT_ACCEPTED
    application.reason = reason
    application.decided_on = on
    if application.kind == ApplicationKind.FIRST:
        permit.status = PermitStatus.NOT_ACCEPTED
    session.add_all([application, permit])
    event(session, actor, permit, "not_accepted", application=application, note=reason)
    audit(session, actor, permit, "permit.reject", before)
    return application


async def request_missing_materials(
    session: AsyncSession, actor: Actor, *, application_id: int, missing: str
) -> PermitApplication:
    """补正告知: tell the unit at once everything that is missing, once, within the acceptance period
    (Reg art. 9 (4), M48 §27 (3)). The acceptance period restarts when the materials are complete."""
    application, permit = await load_application(session, actor, application_id)
    expect(application, ApplicationStatus.SUBMITTED)
    missing = require_text(missing, "missing")
    on = today()
    if application.completion_requested_on is not None:
        raise Conflict(
            N_(
                "Missing materials were already requested on {date}; "
                "the request is made once, listing everything."
            ),
            field="application",
            params={"date": application.completion_requested_on.isoformat()},
        )
    _refuse_if_deemed_accepted(application, on)
    before = permit_state(permit)
    application.completion_requested_on = on
    application.completion_request = missing
    session.add(application)
    event(session, actor, permit, "materials_requested", application=application, note=missing, public=False)
    audit(session, actor, permit, "permit.request_materials", before)
    number = permit.number or ""
    await tell_unit(
        session,
        permit,
        kind="permit_missing_materials",
        key=f"missing-materials:{application.id}",
        title=f"【排污许可】补正告知 {number} / Materials missing from your application",
        text=(
            f"申请（{application.received_on.isoformat()} 收到）需要补正以下全部材料：\n{missing}\n"
            f"Your application received on {application.received_on.isoformat()} "
            f"needs these materials:\n{missing}"
        ),
    )
    return application


async def extend_decision(
    session: AsyncSession, actor: Actor, *, application_id: int, reason: str
) -> PermitApplication:
    """Extend the decision time limit once by 10 working days, telling the unit why (M48 §31 ¶2)."""
    application, permit = await load_application(session, actor, application_id)
    expect(application, ApplicationStatus.ACCEPTED)
    if application.extended:
        raise Conflict(N_("The decision time limit can be extended only once."), field="application")
    reason = require_text(reason, "reason", rules.EXTENSION_REASON_LIMIT)
    assert application.decision_due is not None
    due = law.extended_decision_due(application.received_on, application.decision_due)
    application.extended = True
    application.extension_reason = reason
    application.decision_due = due.date
    application.decision_due_approximate = application.decision_due_approximate or due.approximate
    session.add(application)
    event(session, actor, permit, "extended", application=application, note=reason, public=False)
    record(
        session,
        actor,
        action="permit.extend",
        object_type="permit_application",
        object_id=application.id or 0,
        enterprise_id=permit.enterprise_id,
        after={"decision_due": due.date.isoformat(), "reason": reason},
    )
    return application


@dataclass
class GrantInput:
    number: str = ""
    validity_cut_to: date | None = None
    validity_cut_reason: str = ""


async def grant_application(
    session: AsyncSession, actor: Actor, *, application_id: int, data: GrantInput | None = None
) -> PermitApplication:
    """准予许可 (M48 §31): the decision date starts the validity; issue follows within 10 working days."""
    application, permit = await load_application(session, actor, application_id)
    expect(application, ApplicationStatus.ACCEPTED)
    data = data or GrantInput()
    kind = ApplicationKind(application.kind)
    before = permit_state(permit)
    decided = today()
    problems: list[FieldError] = []
    number: str | None = None
    if kind == ApplicationKind.FIRST:
        enterprise = await session.get(Enterprise, permit.enterprise_id)
        site = await session.get(ProductionSite, permit.site_id)
        assert enterprise is not None and site is not None
        # Left empty, the number is the site's own: credit code + site sequence + P (Reg art. 6 ¶2).
        number = (data.number or "").strip().upper() or rules.site_permit_number(
            enterprise.credit_code, site.sequence
        )
        problem = rules.permit_number_error(number, enterprise.credit_code, site_sequence=site.sequence)
        if problem:
            problems.append(problem)
        elif await find_permit(session, number) is not None:
            problems.append(FieldError("number", "duplicate", N_("This permit number is already in use.")))
    if data.validity_cut_to is not None and data.validity_cut_to <= decided:
        problems.append(
            FieldError("validity_cut_to", "past", N_("The phase-out date must be in the future."))
        )
    # The reason for a shorter validity is required with its date, and never longer than its limit.
    problem = rules.text_error(
        data.validity_cut_reason,
        "validity_cut_reason",
        limit=rules.CUT_REASON_LIMIT,
        required=data.validity_cut_to is not None,
    )
    if problem is not None:
        problems.append(problem)
    if problems:
        raise ValidationFailed(problems)
    if number is not None:
        permit.number = number
    due = law.issue_due(application.received_on, decided)
    application.status = ApplicationStatus.GRANTED
    application.decided_on = decided
    application.issue_due, application.issue_due_approximate = due.date, due.approximate
    application.reason = data.validity_cut_reason.strip()
    # The validity (first 3 years / renewed 5) runs from this decision (M48 §21); kept on the application
    # until the permit is issued.
    application.event_date = data.validity_cut_to
    if kind == ApplicationKind.FIRST:
        permit.status = PermitStatus.GRANTED
    session.add_all([application, permit])
    event(session, actor, permit, "granted", application=application, on=decided)
    audit(session, actor, permit, "permit.grant", before)
    return application


async def refuse_application(
    session: AsyncSession, actor: Actor, *, application_id: int, reason: str
) -> PermitApplication:
    """不予许可 / 不予延续 / 不予变更 with the reasons (M48 §32 ¶3)."""
    application, permit = await load_application(session, actor, application_id)
    expect(application, ApplicationStatus.ACCEPTED)
    reason = require_text(reason, "reason")
    before = permit_state(permit)
    application.status = ApplicationStatus.REFUSED
    application.decided_on = today()
    application.reason = reason
    if application.kind == ApplicationKind.FIRST:
        permit.status = PermitStatus.REFUSED
    session.add_all([application, permit])
    event(session, actor, permit, "refused", application=application, note=reason)
    audit(session, actor, permit, "permit.refuse", before)
    return application


async def issue_permit(session: AsyncSession, actor: Actor, *, application_id: int) -> Permit:
    """Issue what was granted: a new version of the permit comes into force and is announced."""
    application, permit = await load_application(session, actor, application_id)
    expect(application, ApplicationStatus.GRANTED)
    kind = ApplicationKind(application.kind)
    before = permit_state(permit)
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    site = await session.get(ProductionSite, permit.site_id)
    assert enterprise is not None and site is not None
    assert permit.id is not None and application.decided_on is not None
    issued = today()
    if kind == ApplicationKind.REPLACEMENT:
        application.status = ApplicationStatus.COMPLETED
        application.completed_on = issued
        session.add(application)
        event(session, actor, permit, "replaced", application=application, note=application.reason)
        audit(session, actor, permit, "permit.replace", before)
        return permit
    cut_to = application.event_date if kind in (ApplicationKind.FIRST, ApplicationKind.RENEWAL) else None
    if kind == ApplicationKind.FIRST:
        set_validity(
            permit, application.decided_on, renewed=False, cut_to=cut_to, cut_reason=application.reason
        )
        permit.status = PermitStatus.ISSUED
    elif kind == ApplicationKind.RENEWAL:
        set_validity(
            permit, application.decided_on, renewed=True, cut_to=cut_to, cut_reason=application.reason
        )
    elif kind == ApplicationKind.CHANGE_RESTART:
        # M48 §45 ¶2: the validity runs anew from the change.
        set_validity(permit, application.decided_on, renewed=permit.renewed, cut_to=None, cut_reason="")
    # Other changes keep the original validity (M48 §45 ¶2, first sentence).
    content = (
        content_from_dict(application.proposed_content)
        if application.proposed_content is not None
        else await current_content(session, permit)
    )
    if application.proposed_category:
        permit.category = application.proposed_category
    new_version = permit.content_version + 1
    session.add(
        PermitVersion(
            permit_id=permit.id,
            version=new_version,
            reason=kind.value,
            application_id=application.id,
            category=permit.category,
            decision_date=permit.decision_date,
            valid_from=permit.valid_from,
            valid_until=permit.valid_until,
            basic_info=basic_info(enterprise, site),
            content=content.to_dict(),
            created_by_username=actor.username,
        )
    )
    write_content_rows(session, permit.id, new_version, content)
    permit.content_version = new_version
    permit.updated_at = utcnow()
    application.status = ApplicationStatus.COMPLETED
    application.completed_on = issued
    session.add_all([permit, application])
    event_kind = {ApplicationKind.FIRST: "issued", ApplicationKind.RENEWAL: "renewed"}.get(kind, "changed")
    event(session, actor, permit, event_kind, application=application, note=application.change_description)
    audit(session, actor, permit, f"permit.{event_kind}", before)
    await refresh_permit_entries(session, [permit])  # the public register shows what was issued
    return permit
