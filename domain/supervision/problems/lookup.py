"""Finding a problem or a rectification item the actor may see; one that is not theirs to see does not
exist for them (NotFound, never a hint)."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, require
from domain.access.sql import TargetColumns
from domain.bounds import MAX_ID
from domain.errors import N_, NotFound
from domain.supervision.problems.models import Problem, RectificationItem


def target_of(problem: Problem) -> Target:
    """A problem belongs to its unit and to the region of the permit (or unit) it was raised on."""
    return Target(enterprise_id=problem.enterprise_id, region_code=problem.region_code)


# The same target as columns, for the SQL form of can() in lists (domain.access.sql.allowed).
TARGET_COLUMNS = TargetColumns(enterprise_id=col(Problem.enterprise_id), region_code=col(Problem.region_code))


async def problem(session: AsyncSession, actor: Actor, problem_id: int, *, lock: bool = False) -> Problem:
    found = None
    if 0 < problem_id <= MAX_ID:
        statement = select(Problem).where(Problem.id == problem_id)
        if lock:
            statement = statement.with_for_update()
        found = (await session.exec(statement)).first()
    if found is None or not can(actor, Operation.PROBLEM_VIEW, target_of(found)):
        if found is not None and not actor.is_authenticated:
            require(actor, Operation.PROBLEM_VIEW)
        raise NotFound(N_("No such problem."), field="problem")
    return found


async def item(
    session: AsyncSession, actor: Actor, item_id: int, *, lock: bool = False
) -> tuple[RectificationItem, Problem]:
    """A rectification item (locked FOR UPDATE on request, so two steps on it take turns) and its problem."""
    found = None
    if 0 < item_id <= MAX_ID:
        statement = select(RectificationItem).where(RectificationItem.id == item_id)
        if lock:
            statement = statement.with_for_update()
        found = (await session.exec(statement)).first()
    owner = await session.get(Problem, found.problem_id) if found is not None else None
    if found is None or owner is None or not can(actor, Operation.PROBLEM_VIEW, target_of(owner)):
        if found is not None and not actor.is_authenticated:
            require(actor, Operation.PROBLEM_VIEW)
        raise NotFound(N_("No such rectification item."), field="item")
    return found, owner


async def item_of(session: AsyncSession, problem_id: int) -> RectificationItem | None:
    return (
        await session.exec(select(RectificationItem).where(RectificationItem.problem_id == problem_id))
    ).first()
