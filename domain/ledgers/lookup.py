"""The permit behind a ledger, found for an actor the same way by every use case and page.

A permit, or a record of its ledger, that the actor may not see does not exist for them
(``NotFound``, so nobody learns another unit's permit numbers); one they may see but not change
is refused (``PermissionDenied``). A record addressed through a permit (the portal's URLs name
the permit) must belong to that permit. Also here: the outlets and limits of the permit as the
rules need them (``points_of``), used by the use cases and the read side alike.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Protocol, TypeVar

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, can, require
from domain.errors import N_, NotFound
from domain.ledgers.rules import PointInfo
from domain.permits.models import Permit
from domain.permits.rules import normal_number
from domain.permits.state import target_of
from domain.permits.terms import LimitTerm, PermitTerms, permit_terms


async def ledger_permit(
    session: AsyncSession, actor: Actor, number: str, operation: Operation = Operation.LEDGER_VIEW
) -> Permit:
    """The permit whose ledger ``actor`` opens for ``operation``: not found unless they may see it."""
    permit = (await session.exec(select(Permit).where(Permit.number == normal_number(number)))).first()
    if permit is None or not can(actor, Operation.LEDGER_VIEW, target_of(permit)):
        if not actor.is_authenticated:
            require(actor, Operation.LEDGER_VIEW)
        raise NotFound(N_("No permit with this number."), field="permit_number")
    require(actor, operation, target_of(permit))
    return permit


class _Record(Protocol):
    permit_id: int


Record = TypeVar("Record", bound=_Record)


async def ledger_record(
    session: AsyncSession,
    actor: Actor,
    model: type[Record],
    record_id: int,
    *,
    field: str,
    operation: Operation = Operation.LEDGER_VIEW,
    permit_number: str | None = None,
) -> tuple[Record, Permit]:
    """A reading, entry, exceedance or shutdown and its permit, for ``operation``: not found unless the
    actor may see the permit's ledger (and, when ``permit_number`` is given, the record is that permit's)."""
    record = await session.get(model, record_id)
    permit = await session.get(Permit, record.permit_id) if record is not None else None
    if (
        record is None
        or permit is None
        or (permit_number is not None and permit.number != normal_number(permit_number))
        or not can(actor, Operation.LEDGER_VIEW, target_of(permit))
    ):
        if not actor.is_authenticated:
            require(actor, Operation.LEDGER_VIEW)
        raise NotFound(N_("No such record."), field=field)
    require(actor, operation, target_of(permit))
    return record, permit


def may(actor: Actor, operation: Operation, permit: Permit) -> bool:
    """Whether the actor may ``operation`` this permit's ledger (what a page offers)."""
    return can(actor, operation, target_of(permit))


async def permit_points(session: AsyncSession, permit: Permit) -> dict[str, PointInfo]:
    """Outlets and fugitive sources of the permit's current version, with their pollutants and limits."""
    return points_of(await permit_terms(session, permit))


def points_of(terms: PermitTerms) -> dict[str, PointInfo]:
    by_point: dict[str, list[LimitTerm]] = defaultdict(list)
    for limit in terms.limits:
        by_point[limit.point].append(limit)
    points: dict[str, PointInfo] = {}
    for outlet in terms.outlets:
        own = by_point.get(outlet.code, [])
        points[outlet.code] = PointInfo(
            medium=outlet.medium,
            pollutants=frozenset(limit.pollutant for limit in own),
            limits={limit.pollutant: limit.concentration_limit for limit in own},
            annual_quantities={
                limit.pollutant: limit.annual_quantity_limit
                for limit in own
                if limit.annual_quantity_limit is not None
            },
        )
    return points
