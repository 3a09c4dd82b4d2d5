"""Exceedances as people read them: the warnings list (超量预警) and one exceedance in its ledger.

Read side: no writes. The list filters with the SQL form of ``can()`` (``domain.access.sql``), checked
against ``can()`` row by row by ``tests/access/test_lists.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.access.sql import TargetColumns, allowed
from domain.enterprises.models import Enterprise
from domain.errors import N_, FieldError, ValidationFailed
from domain.ledgers.models import Exceedance
from domain.pagination import Page, check_page_size
from domain.permits.models import Permit

STATUSES = ("open", "explained")


async def list_exceedances(
    session: AsyncSession,
    actor: Actor,
    *,
    status: str = "",
    permit_number: str = "",
    first: int = 50,
    offset: int = 0,
) -> Page[tuple[Exceedance, Permit]]:
    """Enterprise users: their own; regulators: their jurisdiction's (the 超量预警 list)."""
    if not actor.is_unit_side:
        require(actor, Operation.PERMIT_LIST)
    check_page_size(first)
    if status not in ("", *STATUSES):
        raise ValidationFailed(
            [
                FieldError(
                    "status", "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(STATUSES)}
                )
            ]
        )
    statement = select(Exceedance, Permit).join(Permit, col(Permit.id) == col(Exceedance.permit_id))
    # The SQL form of can(LEDGER_VIEW, target_of(permit)): the unit its own, an agency its clients for the
    # ledger or monitoring or reports, regulators their jurisdiction, the administrator all.
    permit = TargetColumns(enterprise_id=col(Permit.enterprise_id), region_code=col(Permit.region_code))
    statement = statement.where(allowed(actor, Operation.LEDGER_VIEW, permit))
    if status:
        statement = statement.where(Exceedance.status == status)
    if permit_number:
        statement = statement.where(Permit.number == permit_number.strip().upper())
    total = (await session.exec(select(sa.func.count()).select_from(statement.subquery()))).one()
    rows = (
        await session.exec(
            # The id breaks ties: pages of an order that is not total overlap (PostgreSQL).
            statement.order_by(
                col(Exceedance.status).desc(), col(Exceedance.started_at).desc(), col(Exceedance.id).desc()
            )
            .offset(offset)
            .limit(first)
        )
    ).all()
    return Page(items=[(e, p) for e, p in rows], offset=offset, total=int(total))


@dataclass(frozen=True)
class Warning:
    exceedance: Exceedance
    permit_number: str
    enterprise_name: str


async def warnings(
    session: AsyncSession, actor: Actor, *, status: str = "", first: int = 50, offset: int = 0
) -> Page[Warning]:
    """Regulators: their jurisdiction's exceedances; enterprise users: their own. Open first, newest first."""
    page = await list_exceedances(session, actor, status=status, first=first, offset=offset)
    ids = {permit.enterprise_id for _e, permit in page.items}
    names: dict[int, str] = {}
    if ids:
        rows = (
            await session.exec(select(Enterprise.id, Enterprise.name).where(col(Enterprise.id).in_(ids)))
        ).all()
        names = {int(i): n for i, n in rows if i is not None}
    return Page(
        items=[Warning(e, p.number or "", names.get(p.enterprise_id, "")) for e, p in page.items],
        offset=page.offset,
        total=page.total,
    )
