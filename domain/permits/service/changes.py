"""Changes of a permit the authority starts itself (Reg art. 16): the procedure starts accepted and the
unit is told. (Changes, renewals and replacements the unit applies for: ``applications``.)
"""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.clock import today
from domain.errors import N_, Conflict, ValidationFailed
from domain.permits import law, rules
from domain.permits.content import PermitContent
from domain.permits.models import PermitApplication
from domain.permits.queries.register import get_permit, open_application_of
from domain.permits.rules import ApplicationKind, ApplicationStatus, PermitStatus
from domain.permits.service.common import (
    audit,
    content_errors,
    event,
    permit_state,
    tell_unit,
)
from domain.permits.state import target_of


async def start_change(
    session: AsyncSession, actor: Actor, *, number: str, change_description: str, content: Any = None
) -> PermitApplication:
    """The authority changes a permit itself (Reg art. 16: the applicable standards or the total control
    of key pollutants changed): the procedure starts accepted, and the unit is told."""
    permit = await get_permit(session, actor, number=number)
    require(actor, Operation.PERMIT_DECIDE, target_of(permit))
    on = today()
    if permit.status != PermitStatus.ISSUED or (permit.valid_until and permit.valid_until < on):
        raise Conflict(N_("Only a permit in force can be changed, renewed or replaced."), field="number")
    if await open_application_of(session, permit) is not None:
        raise Conflict(N_("This permit already has an application in progress."), field="number")
    problems = [p for p in [rules.text_error(change_description, "change_description")] if p is not None]
    proposed: PermitContent | None = None
    if content is not None:
        proposed, content_problems = content_errors(content)
        problems += content_problems
    if problems:
        raise ValidationFailed(problems)
    description = change_description.strip()
    due = law.decision_due(on, on, ApplicationKind.CHANGE_ITEMS.value, permit.category)
    before = permit_state(permit)
    application = PermitApplication(
        permit_id=permit.id or 0,
        kind=ApplicationKind.CHANGE_ITEMS,
        status=ApplicationStatus.ACCEPTED,
        received_on=on,
        accept_due=on,
        accepted_on=on,
        decision_due=due.date,
        decision_due_approximate=due.approximate,
        proposed_category=permit.category,
        proposed_content=proposed.to_dict() if proposed else None,
        change_description=description,
        started_by_authority=True,
        submitted_by_username=actor.username,
        on_behalf_of=actor.on_behalf_of,
    )
    session.add(application)
    await session.flush()
    event(session, actor, permit, "change_started", application=application, note=description, public=False)
    audit(session, actor, permit, "permit.start_change", before)
    await tell_unit(
        session,
        permit,
        kind="permit_change_started",
        key=f"change-started:{application.id}",
        title=f"【排污许可】审批部门启动变更：{permit.number} / The authority is changing your permit",
        text=(
            f"审批部门依《排污许可管理条例》第十六条启动排污许可证 {permit.number} 的变更：{description}\n"
            f"The authority started a change of permit {permit.number} (Regulation art. 16): {description}"
        ),
    )
    return application
