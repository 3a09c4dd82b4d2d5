"""Applications the unit files (M48 §26-31, §43-48, §51; Reg art. 9, 14): a first permit, a change, a
renewal, a replacement; and the missing materials it supplies. Each is received on the server's date and
starts its time limits; one filed after its window is taken and flagged late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, require
from domain.audit.service import record
from domain.clock import today
from domain.enterprises.models import Enterprise, ProductionSite
from domain.enterprises.rules import normalize_credit_code
from domain.enterprises.service import find_site
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed
from domain.permits import law, rules
from domain.permits.content import PermitContent
from domain.permits.law import LegalDeadline
from domain.permits.models import Permit, PermitApplication
from domain.permits.queries.register import find_permit, open_application_of
from domain.permits.rules import ApplicationKind, ApplicationStatus, PermitStatus
from domain.permits.service.common import content_errors, event, tell_unit
from domain.permits.state import target_of, waiting_for_materials


@dataclass
class ApplicationInput:
    """What an applicant files; dates of events (a change, a loss) are facts, not submission times."""

    kind: str
    enterprise_credit_code: str = ""
    # The production site of a first application (001, 002 ...); empty when the unit has only one.
    site: str = ""
    permit_number: str = ""
    category: str = ""
    issuing_authority: str = ""
    content: Any = None
    change_description: str = ""
    event_date: date | None = None


def _kind(value: str) -> ApplicationKind:
    try:
        return ApplicationKind(value)
    except ValueError:
        raise ValidationFailed(
            [
                FieldError(
                    "kind",
                    "choice",
                    N_("Choose one of: {choices}."),
                    {"choices": ", ".join(k.value for k in ApplicationKind)},
                )
            ]
        ) from None


async def submit_application(
    session: AsyncSession, actor: Actor, *, data: ApplicationInput
) -> PermitApplication:
    """File an application of any kind (first, renewal, replacement, change); it is received today (server
    date) and the acceptance deadline starts. Every problem of its fields is reported at once."""
    return await _file(session, actor, data, _kind(data.kind), [])


async def apply_for_change(
    session: AsyncSession, actor: Actor, *, data: ApplicationInput
) -> PermitApplication:
    """变更 (M48 §43-45, Reg art. 14): the unit applies to change its permit; ``data.kind`` must be one of
    the three kinds of change (basic information, permitted items, with a new validity period)."""
    problem = rules.change_kind_error(data.kind)
    if problem is None:
        return await _file(session, actor, data, ApplicationKind(data.kind), [])
    # Checked as a change of permitted items, so the other fields' problems show with the kind's.
    return await _file(session, actor, data, ApplicationKind.CHANGE_ITEMS, [problem])


async def _file(
    session: AsyncSession,
    actor: Actor,
    data: ApplicationInput,
    kind: ApplicationKind,
    problems: list[FieldError],
) -> PermitApplication:
    received = today()
    permit: Permit | None = None
    first: _FirstTarget | None = None
    if kind == ApplicationKind.FIRST:
        first = await _first_application_target(session, actor, data, problems)
        default_category = first.enterprise.management_category if first else ""
    else:
        permit = await _permit_for_application(session, actor, data.permit_number, received)
        default_category = permit.category
    category = (data.category or default_category).strip()
    description = (data.change_description or "").strip()
    problems = problems + rules.application_errors(
        kind,
        received=received,
        category=category,
        change_description=description,
        issuing_authority=data.issuing_authority,
        event_date=data.event_date,
    )
    proposed: PermitContent | None = None
    if kind == ApplicationKind.FIRST and data.content is None:
        problems.append(FieldError("content", "required", N_("This field is required.")))
    elif kind != ApplicationKind.REPLACEMENT and data.content is not None:
        proposed, content_problems = content_errors(data.content)
        problems += content_problems
    if problems:
        raise ValidationFailed(problems)
    if first is not None:
        permit = await _new_permit(session, first, data, category)
    assert permit is not None and permit.id is not None
    if kind == ApplicationKind.REPLACEMENT:
        # M48 §51: no acceptance step; the authority re-issues within 10 working days of receipt.
        due = law.replacement_issue_due(received)
        application = PermitApplication(
            permit_id=permit.id,
            kind=kind,
            status=ApplicationStatus.GRANTED,
            received_on=received,
            accept_due=received,
            accepted_on=received,
            decided_on=received,
            issue_due=due.date,
            issue_due_approximate=due.approximate,
            reason=description,
            event_date=data.event_date,
            submitted_by_username=actor.username,
            on_behalf_of=actor.on_behalf_of,
        )
    else:
        due = law.acceptance_due(received)
        application = PermitApplication(
            permit_id=permit.id,
            kind=kind,
            status=ApplicationStatus.SUBMITTED,
            received_on=received,
            accept_due=due.date,
            accept_due_approximate=due.approximate,
            proposed_category=category,
            proposed_content=proposed.to_dict() if proposed else None,
            change_description=description,
            event_date=data.event_date,
            submitted_by_username=actor.username,
            on_behalf_of=actor.on_behalf_of,
        )
    window = _application_window(permit, kind, data.event_date)
    if window is not None:
        application.window_due = window.date
        application.late = received > window.date
    session.add(application)
    await session.flush()
    event(
        session,
        actor,
        permit,
        f"application.{kind.value}",
        application=application,
        note=description,
        public=False,
    )
    record(
        session,
        actor,
        action=f"permit.apply.{kind.value}",
        object_type="permit_application",
        object_id=application.id or 0,
        enterprise_id=permit.enterprise_id,
        after={
            "permit": permit.number,
            "kind": kind.value,
            "received_on": received.isoformat(),
            "window_due": window.date.isoformat() if window else None,
            "late": application.late,
        },
    )
    if application.late and window is not None:
        await _flag_late(session, actor, permit, application, window)
    return application


def _application_window(
    permit: Permit, kind: ApplicationKind, event_date: date | None
) -> LegalDeadline | None:
    """The last day the unit should have applied by: the renewal deadline, or the window of a change or a
    replacement counted from the day it happened (docs/domain-rules.md, "Change" and "Renewal")."""
    if kind == ApplicationKind.RENEWAL and permit.valid_until is not None:
        return rules.renewal_deadline(permit.valid_until, permit.decision_date)
    if event_date is not None:
        return law.change_window(kind.value, event_date)
    return None


async def _flag_late(
    session: AsyncSession, actor: Actor, permit: Permit, application: PermitApplication, window: LegalDeadline
) -> None:
    """A late application is taken, recorded against the unit and the unit is told so."""
    from domain.i18n import translate

    event(
        session,
        actor,
        permit,
        "late_application",
        application=application,
        note=f"{application.kind}: {window.date.isoformat()}",
        public=False,
    )
    basis_zh = translate(window.basis.article, "zh_Hans")
    basis_en = translate(window.basis.article, "en")
    number = permit.number or ""
    await tell_unit(
        session,
        permit,
        kind="permit_late_application",
        key=f"late-application:{application.id}",
        title=f"【排污许可】申请逾期：{number} / Application filed late",
        text=(
            f"贵单位关于排污许可证 {number} 的申请于 {application.received_on.isoformat()} 收到，"
            f"晚于应申请的期限 {window.date.isoformat()}（{basis_zh}）。申请已受理办理，逾期情况已记录。\n"
            f"Your application for permit {number} arrived on {application.received_on.isoformat()}, "
            f"after the last day to apply, {window.date.isoformat()} ({basis_en}). It is being handled; "
            "the late filing is recorded."
        ),
    )


@dataclass(frozen=True)
class _FirstTarget:
    enterprise: Enterprise
    site: ProductionSite


async def _first_application_target(
    session: AsyncSession, actor: Actor, data: ApplicationInput, problems: list[FieldError]
) -> _FirstTarget | None:
    """The unit and site a first application is for, once the actor may apply for it; a problem with the
    credit code or the site is added to ``problems`` (None then), so it shows with the others."""
    code = normalize_credit_code(data.enterprise_credit_code)
    enterprise = (await session.exec(select(Enterprise).where(Enterprise.credit_code == code))).first()
    if enterprise is None:
        problems.append(
            FieldError("enterprise_credit_code", "not_found", N_("No enterprise with this credit code."))
        )
        return None
    require(
        actor, Operation.PERMIT_APPLY, Target(enterprise_id=enterprise.id, region_code=enterprise.region_code)
    )
    if enterprise.management_category == "registration":
        problems.append(
            FieldError(
                "enterprise_credit_code",
                "registration_only",
                N_(
                    "This unit is only registered (排污登记) and needs no permit; change its management category first."  # noqa: E501
                ),
            )
        )
        return None
    try:
        site = await find_site(session, enterprise, data.site)
    except ValidationFailed as error:
        problems.extend(error.errors)
        return None
    # One permit per production site (Reg art. 6 ¶2): another site of the same unit may apply.
    existing = (
        await session.exec(
            select(Permit).where(
                Permit.site_id == site.id,
                col(Permit.status).in_(
                    [PermitStatus.APPLIED, PermitStatus.ACCEPTED, PermitStatus.GRANTED, PermitStatus.ISSUED]
                ),
            )
        )
    ).first()
    if existing is not None:
        raise Conflict(
            N_("This site already has a permit or an application in progress ({number})."),
            field="site",
            params={"number": existing.number or "—"},
        )
    return _FirstTarget(enterprise, site)


async def _new_permit(
    session: AsyncSession, target: _FirstTarget, data: ApplicationInput, category: str
) -> Permit:
    """The permit a first application creates: no number and no content until it is granted and issued."""
    enterprise, site = target.enterprise, target.site
    assert enterprise.id is not None and site.id is not None
    permit = Permit(
        enterprise_id=enterprise.id,
        site_id=site.id,
        category=category,
        status=PermitStatus.APPLIED,
        issuing_authority=data.issuing_authority.strip(),
        region_code=site.region_code,
        industry_code=site.industry_code,
        content_version=0,
    )
    session.add(permit)
    await session.flush()
    return permit


async def _permit_for_application(
    session: AsyncSession, actor: Actor, permit_number: str, received: date
) -> Permit:
    """The permit in force a change, renewal or replacement is for, once the actor may apply for it."""
    permit = await find_permit(session, permit_number)
    if permit is None or not can(actor, Operation.PERMIT_VIEW, target_of(permit)):
        raise NotFound(N_("No permit with this number."), field="permit_number")
    require(actor, Operation.PERMIT_APPLY, target_of(permit))
    if permit.status != PermitStatus.ISSUED or (permit.valid_until and permit.valid_until < received):
        raise Conflict(
            N_("Only a permit in force can be changed, renewed or replaced."), field="permit_number"
        )
    if await open_application_of(session, permit) is not None:
        raise Conflict(N_("This permit already has an application in progress."), field="permit_number")
    # A renewal applied for after its deadline is taken and flagged late (``_flag_late``), never turned
    # into a fresh first application: the unit keeps its permit while the authority decides.
    return permit


async def supply_missing_materials(
    session: AsyncSession, actor: Actor, *, application_id: int, note: str = ""
) -> PermitApplication:
    """The unit supplies what was requested: the acceptance period runs anew from today."""
    application = await session.get(PermitApplication, application_id)
    permit = await session.get(Permit, application.permit_id) if application else None
    if application is None or permit is None or not can(actor, Operation.PERMIT_VIEW, target_of(permit)):
        raise NotFound(N_("No such application."), field="application")
    require(actor, Operation.PERMIT_APPLY, target_of(permit))
    problem = rules.text_error(note, "note", required=False)
    if problem is not None:
        raise ValidationFailed([problem])
    if not waiting_for_materials(application):
        raise Conflict(N_("No missing materials are awaited for this application."), field="application")
    received = today()
    due = law.acceptance_due(received)
    application.materials_completed_on = received
    application.accept_due, application.accept_due_approximate = due.date, due.approximate
    session.add(application)
    event(
        session, actor, permit, "materials_supplied", application=application, note=note.strip(), public=False
    )
    record(
        session,
        actor,
        action="permit.supply_materials",
        object_type="permit_application",
        object_id=application.id or 0,
        enterprise_id=permit.enterprise_id,
        after={"materials_completed_on": received.isoformat(), "accept_due": due.date.isoformat()},
    )
    return application
