"""A registration's row of the public register (``domain.enterprises.public_register``), kept by the
registration use cases in their transaction: filed (or filed again), changed, renewed, cancelled. A
registration is public from the day it is filed."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.enterprises.models import Enterprise
from domain.enterprises.public_register import now_param, replace_entries
from domain.registrations.models import DischargeRegistration


async def refresh_registration_entry(session: AsyncSession, registration: DischargeRegistration) -> None:
    """The registration's row of the public register as it now stands."""
    await session.flush()
    assert registration.id is not None
    ids = [registration.id]
    source: Any = (
        sa.select(
            sa.literal("registration"),
            sa.null(),
            col(DischargeRegistration.id),
            col(DischargeRegistration.enterprise_id),
            col(DischargeRegistration.number),
            col(Enterprise.name),
            col(Enterprise.credit_code),
            col(DischargeRegistration.region_code),
            col(DischargeRegistration.industry_code),
            sa.literal("registration"),
            col(DischargeRegistration.status),
            sa.literal(""),
            col(DischargeRegistration.valid_from),
            col(DischargeRegistration.valid_until),
            now_param(),
        )
        .join(Enterprise, col(Enterprise.id) == col(DischargeRegistration.enterprise_id))
        .where(col(DischargeRegistration.id).in_(ids))
        .with_for_update(read=True, of=Enterprise)  # as a permit's row (public_register.SHARE_UNIT)
    )
    await replace_entries(session, "registration_id", ids, source)
