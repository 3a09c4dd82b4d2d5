"""Double-random draws as published (双随机一公开): the list and one draw with its picks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation
from domain.access.sql import TargetColumns, allowed
from domain.accounts.models import User
from domain.enterprises.models import Enterprise
from domain.pagination import Key, Page, Window, check_page_size, keyset_page, sort_order
from domain.permits.models import Permit
from domain.registrations.models import DischargeRegistration
from domain.supervision.inspections import rules
from domain.supervision.inspections.models import (
    InspectionDraw,
    InspectionDrawPick,
    InspectionRecord,
)
from domain.supervision.inspections.units import in_region

# --- Draws (public) ----------------------------------------------------------------------------------


async def list_draws(
    session: AsyncSession,
    actor: Actor,
    *,
    region_code: str | None = None,
    first: int = 20,
    offset: int = 0,
    window: Window | None = None,
) -> Page[InspectionDraw]:
    """Every draw, newest first: published under 双随机一公开 (docs/supervision.md says what of it)."""
    first = check_page_size(first)
    conditions: list[Any] = [allowed(actor, Operation.VIEW_PUBLIC, TargetColumns())]
    if region_code:
        conditions.append(in_region(InspectionDraw.region_code, region_code))
    total = (await session.exec(select(func.count()).select_from(InspectionDraw).where(*conditions))).one()
    order = (Key(col(InspectionDraw.drawn_at), descending=True), Key(col(InspectionDraw.id), descending=True))
    statement = select(InspectionDraw).where(*conditions)
    if window is not None:
        return await keyset_page(
            session, statement, order, window, lambda d: (d.drawn_at, d.id), total=int(total)
        )
    draws = (await session.exec(statement.order_by(*sort_order(order)).offset(offset).limit(first))).all()
    return Page(items=list(draws), offset=offset, total=int(total))


@dataclass(frozen=True)
class PublicPick:
    position: int
    unit_name: str
    permit_number: str | None
    registration_number: str | None
    inspectors: list[str]  # display names only
    record_reference: str | None


@dataclass(frozen=True)
class DrawPage:
    draw: InspectionDraw
    picks: list[PublicPick]
    pool_units: list[str]  # the pool's units' names, in the sorted order the draw used
    pool_weights: list[int]  # each pool unit's weight in the draw (1, or 2 and 3 for credit 警示 and 不良)
    roster_names: list[str]
    verified: bool


async def display_names(session: AsyncSession, ids: list[int]) -> dict[int, str]:
    """The names people are shown by (never the login name)."""
    if not ids:
        return {}
    users = (
        await session.exec(select(User.id, User.display_name).where(col(User.id).in_(sorted(set(ids)))))
    ).all()
    return {i or 0: name or "—" for i, name in users}


async def draw_page(session: AsyncSession, *, reference: str) -> DrawPage:
    """A draw as published: parameters, seed, pool and roster (names and hashes), the units and the
    inspectors drawn, and whether drawing again from the seed gives the same result."""
    from domain.supervision.inspections.service.draws import replay_draw

    replay = await replay_draw(session, reference=reference)
    draw = replay.draw
    picks = (
        await session.exec(
            select(InspectionDrawPick)
            .where(InspectionDrawPick.draw_id == draw.id)
            .order_by(col(InspectionDrawPick.position))
        )
    ).all()
    names = await display_names(session, [*draw.roster, *(i for p in picks for i in p.inspector_ids)])
    registration_pool = draw.pool == rules.Pool.REGISTRATION
    model = DischargeRegistration if registration_pool else Permit
    members = (
        await session.exec(
            select(model.id, model.number, Enterprise.name)  # type: ignore[attr-defined]
            .join(Enterprise, col(Enterprise.id) == model.enterprise_id)  # type: ignore[attr-defined]
            .where(col(model.id).in_(draw.pool_members))  # type: ignore[attr-defined]
        )
    ).all()
    by_member = {member: (number, name) for member, number, name in members}
    answered = dict(
        (
            await session.exec(
                select(InspectionRecord.draw_pick_id, InspectionRecord.reference).where(
                    col(InspectionRecord.draw_pick_id).in_([p.id for p in picks])
                )
            )
        ).all()
    )
    return DrawPage(
        draw=draw,
        picks=[
            PublicPick(
                position=p.position,
                unit_name=by_member.get(p.member, ("", ""))[1],
                permit_number=None if registration_pool else by_member.get(p.member, ("", ""))[0],
                registration_number=by_member.get(p.member, ("", ""))[0] if registration_pool else None,
                inspectors=[names.get(i, "—") for i in p.inspector_ids],
                record_reference=answered.get(p.id),
            )
            for p in picks
        ],
        pool_units=[by_member.get(m, ("", ""))[1] for m in draw.pool_members],
        pool_weights=[int((draw.member_weights or {}).get(str(m), 1)) for m in draw.pool_members],
        roster_names=[names.get(i, "—") for i in draw.roster],
        verified=replay.matches,
    )
