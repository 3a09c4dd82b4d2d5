"""A yellow card from an enforcement case (JN: 出现1次轻微免罚行为记黄牌1张): a case decided without a fine
(a minor violation exempted from penalty, 轻微违法免予处罚) earns its unit one yellow card if the unit is on
the positive list. The card names the case; ``domain.supervision.standing`` decides what it does."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation
from domain.errors import N_, Conflict
from domain.supervision.cases.service import load_case
from domain.supervision.standing import service as standing
from domain.supervision.standing.models import PositiveListEntry, YellowCard


def case_reference(case_number: str, case_id: int | None) -> str:
    """How the card names the case: its decision's document number (文号), else its number here."""
    return case_number.strip() or f"#{case_id}"


async def yellow_card_for_case(
    session: AsyncSession, actor: Actor, *, case_id: int | str
) -> tuple[YellowCard, PositiveListEntry | None]:
    """Record the yellow card a case earns: the case must be decided without a fine (exempted from penalty)
    and its unit registered and on the positive list on the decision's day. Returns the card and, when it is
    the second of that calendar year, the list entry it closed. A case earns one card only."""
    case = await load_case(session, actor, case_id, Operation.STANDING_MANAGE)
    if case.decided_on is None:
        raise Conflict(N_("Record the decision before the yellow card."), field="case")
    if case.penalty_cents:
        raise Conflict(
            N_("A case decided with a fine earns no yellow card: it is not exempted from penalty."),
            field="case",
        )
    if case.enterprise_id is None:
        raise Conflict(N_("This unit is not registered, so it is not on the positive list."), field="case")
    return await standing.issue_yellow_card(
        session,
        actor,
        enterprise_id=case.enterprise_id,
        issued_on=case.decided_on,
        source_kind="case",
        source_ref=case_reference(case.case_number, case.id),
        violation=(case.decision or case.facts)[:1000],
    )
