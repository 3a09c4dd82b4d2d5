"""The records a yellow card rests on: an enforcement case or an inspection record of the same unit
(JN: a minor violation exempted from penalty), checked to exist, never free text.

Each kind is one resolver in ``RESOLVERS``: given the unit and the reference people type (a case number,
an inspection record's number), it returns how the record is named on pages, or None when there is no
such record of that unit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.errors import N_

SOURCE_LABELS = {"case": N_("Enforcement case"), "inspection": N_("Inspection record")}

Resolver = Callable[[AsyncSession, int, str], Awaitable[str | None]]
RESOLVERS: dict[str, Resolver] = {}


async def resolve(session: AsyncSession, enterprise_id: int, kind: str, reference: str) -> str | None:
    """The record's name if it exists and concerns this unit; None otherwise (or for an unknown kind)."""
    resolver = RESOLVERS.get(kind)
    return await resolver(session, enterprise_id, reference.strip()) if resolver else None
