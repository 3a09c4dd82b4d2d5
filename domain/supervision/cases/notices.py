"""What a unit is told of its case (the decision and the closure), written with the step itself."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import N_
from domain.notifications.notices import both, notify_unit
from domain.supervision.cases.models import EnforcementCase

KIND_DECIDED = "case_decided"
KIND_CLOSED = "case_closed"


def _yuan(case: EnforcementCase) -> str:
    return f"{(case.penalty_cents or 0) / 100:,.2f}"


async def case_decided(session: AsyncSession, case: EnforcementCase) -> int:
    if case.enterprise_id is None:
        return 0
    return await notify_unit(
        session,
        enterprise_id=case.enterprise_id,
        kind=KIND_DECIDED,
        key=f"case-decided:{case.id}",
        title=both(N_("Penalty decision {number}"), number=case.case_number or case.id),
        text=both(
            N_("{unit}: enforcement case {number} was decided on {day}: {decision} Fine: {fine} yuan."),
            unit=case.unit_name,
            number=case.case_number or case.id,
            day=case.decided_on.isoformat() if case.decided_on else "",
            decision=case.decision,
            fine=_yuan(case),
        ),
        link=f"/cases/{case.id}",
    )


async def case_closed(session: AsyncSession, case: EnforcementCase) -> int:
    if case.enterprise_id is None:
        return 0
    return await notify_unit(
        session,
        enterprise_id=case.enterprise_id,
        kind=KIND_CLOSED,
        key=f"case-closed:{case.id}",
        title=both(N_("Enforcement case {number} closed"), number=case.case_number or case.id),
        text=both(
            N_("{unit}: enforcement case {number} was closed."),
            unit=case.unit_name,
            number=case.case_number or case.id,
        ),
        link=f"/cases/{case.id}",
    )
