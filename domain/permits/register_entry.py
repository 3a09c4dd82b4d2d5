"""A permit's row of the public register (``domain.enterprises.public_register``), kept by the permit use
cases in their transaction: issued (first disclosed), changed, renewed, revoked, cancelled, imported."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.enterprises.models import Enterprise
from domain.enterprises.public_register import CHUNK, now_param, replace_entries
from domain.permits.models import Permit


def disclosed() -> tuple[Any, ...]:
    """The permits that are public: issued at least once (a number and a first version)."""
    return (col(Permit.number).is_not(None), col(Permit.content_version) >= 1)


def _source(ids: list[int]) -> Any:
    return (
        sa.select(
            sa.literal("permit"),
            col(Permit.id),
            sa.null(),
            col(Permit.enterprise_id),
            col(Permit.number),
            col(Enterprise.name),
            col(Enterprise.credit_code),
            col(Permit.region_code),
            col(Permit.industry_code),
            col(Permit.category),
            col(Permit.status),
            col(Permit.issuing_authority),
            col(Permit.valid_from),
            col(Permit.valid_until),
            now_param(),
        )
        .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
        .where(col(Permit.id).in_(ids), *disclosed())
        .with_for_update(read=True, of=Enterprise)  # public_register.SHARE_UNIT
    )


async def refresh_permit_entries(session: AsyncSession, permits: Iterable[Permit]) -> None:
    """The permits' rows of the public register as they now stand (none for a permit not disclosed)."""
    ids = sorted({permit.id for permit in permits if permit.id is not None})
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        await replace_entries(session, "permit_id", chunk, _source(chunk))
