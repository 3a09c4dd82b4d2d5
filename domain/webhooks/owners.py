"""Who an endpoint reads the feed as: its owner, now (an account disabled since reads nothing)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor
from domain.accounts.models import User
from domain.actors import actor_for_user


async def owner_actor(session: AsyncSession, user_id: int) -> Actor | None:
    """The owner as the feed sees them today (an agency's staff with the authorisations in force), read
    only; None when the account is disabled or gone."""
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    return await actor_for_user(session, user, channel="webhook", scopes=frozenset({"read"}))
