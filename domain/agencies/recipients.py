"""Who is told of what happens to a unit's ledger and reports: the unit's own people and the staff of the
agencies it has authorised for that work (``domain.notifications.notices.tell`` writes the notices)."""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import ENTERPRISE_ROLES
from domain.accounts.models import User
from domain.agencies.models import Agency, AgencyAuthorisation


async def unit_and_agency_users(
    session: AsyncSession, enterprise_id: int, scope: str, on: date
) -> list[User]:
    """The unit's own active users, and the active staff of every approved agency it has authorised on
    that day for ``scope`` (ledger, reports, ...), without duplicates."""
    users = list(
        (
            await session.exec(
                select(User)
                .where(
                    User.enterprise_id == enterprise_id,
                    col(User.is_active).is_(True),
                    col(User.role).in_([r.value for r in ENTERPRISE_ROLES]),
                )
                .order_by(col(User.id))
            )
        ).all()
    )
    authorisations = (
        await session.exec(
            select(AgencyAuthorisation)
            .join(Agency, col(Agency.id) == col(AgencyAuthorisation.agency_id))
            .where(
                AgencyAuthorisation.enterprise_id == enterprise_id,
                col(AgencyAuthorisation.revoked_at).is_(None),
                col(AgencyAuthorisation.valid_from) <= on,
                col(AgencyAuthorisation.valid_until) >= on,
                Agency.status == "approved",
            )
        )
    ).all()
    agency_ids = {a.agency_id for a in authorisations if scope in a.scopes}
    if agency_ids:
        users += list(
            (
                await session.exec(
                    select(User)
                    .where(col(User.agency_id).in_(agency_ids), col(User.is_active).is_(True))
                    .order_by(col(User.id))
                )
            ).all()
        )
    return users
