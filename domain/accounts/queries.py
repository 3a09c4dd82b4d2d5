"""What the account pages and the API show: the caller's account, users, API tokens, open sessions."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.access.sql import TargetColumns, allowed
from domain.accounts.models import ApiToken, User, UserSession
from domain.clock import utcnow
from domain.enterprises.models import Enterprise
from domain.errors import N_, NotAuthenticated, NotFound
from domain.settings import get_settings


async def current_user(session: AsyncSession, actor: Actor) -> User | None:
    """The account behind the actor (None for the public and the command-line operator)."""
    if actor.user_id is None:
        return None
    user = await session.get(User, actor.user_id)
    return user if user is not None and user.is_active else None


async def find_user(session: AsyncSession, *, username: str) -> User | None:
    return (await session.exec(select(User).where(User.username == username.strip().lower()))).first()


async def enterprise_of(session: AsyncSession, user: User) -> Enterprise | None:
    return await session.get(Enterprise, user.enterprise_id) if user.enterprise_id else None


async def list_users(
    session: AsyncSession, actor: Actor, *, limit: int = 500
) -> list[tuple[User, Enterprise | None]]:
    """Every account with its enterprise, for the administrator."""
    require(actor, Operation.USER_MANAGE)
    statement = (
        select(User, Enterprise)
        .join(Enterprise, col(User.enterprise_id) == col(Enterprise.id), isouter=True)
        .order_by(col(User.role), col(User.username))
        .limit(limit)
    )
    return [(user, enterprise) for user, enterprise in (await session.exec(statement)).all()]


async def list_api_tokens(session: AsyncSession, actor: Actor) -> list[ApiToken]:
    require(actor, Operation.TOKEN_MANAGE_OWN)
    own = allowed(actor, Operation.TOKEN_MANAGE_OWN, TargetColumns(owner_user_id=col(ApiToken.user_id)))
    statement = select(ApiToken).where(own).order_by(col(ApiToken.id).desc())
    return list((await session.exec(statement)).all())


async def session_owner(session: AsyncSession, actor: Actor, username: str | None) -> User:
    """The user whose sessions are asked for: oneself, or (the administrator) anyone."""
    if username is None or (actor.username is not None and username.strip().lower() == actor.username):
        require(actor, Operation.SESSION_MANAGE_OWN)
        user = await session.get(User, actor.user_id) if actor.user_id is not None else None
        if user is None:
            raise NotAuthenticated(N_("Please log in to continue."))
        return user
    require(actor, Operation.USER_MANAGE)
    user = await find_user(session, username=username)
    if user is None:
        raise NotFound(N_("No user with this username."), field="username")
    return user


async def sessions_of(
    session: AsyncSession, actor: Actor, *, username: str | None = None, limit: int = 50
) -> tuple[User, list[UserSession]]:
    """A user's open sessions, newest first: one's own ("my sessions"), or anyone's for the administrator."""
    user = await session_owner(session, actor, username)
    since = utcnow() - timedelta(seconds=get_settings().session_max_age_seconds)
    owner = TargetColumns(owner_user_id=col(UserSession.user_id))
    statement = (
        select(UserSession)
        .where(
            UserSession.user_id == user.id,
            # The SQL form of can(): one's own sessions, or (the administrator) anyone's.
            sa.or_(
                allowed(actor, Operation.SESSION_MANAGE_OWN, owner),
                allowed(actor, Operation.USER_MANAGE, owner),
            ),
            col(UserSession.ended_at).is_(None),
            col(UserSession.created_at) >= since,
        )
        .order_by(col(UserSession.last_seen_at).desc(), col(UserSession.id).desc())
        .limit(limit)
    )
    return user, list((await session.exec(statement)).all())
