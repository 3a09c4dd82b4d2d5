"""Portal sessions, held on the server: opened at login, touched while in use, ended by logging out, by
the user ("my sessions"), by the administrator, or with a password change or a disabled account.

Who a session key stands for, on every request, is ``domain.actors.actor_for_session``."""

from __future__ import annotations

import secrets

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor
from domain.accounts.models import User, UserSession
from domain.accounts.queries import session_owner
from domain.accounts.rules import key_hash
from domain.audit.service import record
from domain.bounds import MAX_ID
from domain.clock import utcnow
from domain.errors import N_, NotFound

SESSION_END_REASONS = ("logout", "password_changed", "account_disabled", "ended_by_user", "ended_by_admin")


def start_session(session: AsyncSession, user: User, *, address: str, user_agent: str) -> str:
    """Open a portal session for a user who just logged in; returns the key for the (signed) cookie.

    Only the key's SHA-256 is stored: a copy of the table lets nobody in."""
    assert user.id is not None
    key = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            key_hash=key_hash(key),
            user_id=user.id,
            address=(address or "")[:64],
            user_agent=(user_agent or "")[:200],
        )
    )
    return key


async def touch_session(session: AsyncSession, *, session_id: int) -> None:
    """Record that a session is still in use (at most every few minutes: it is a write)."""
    row = await session.get(UserSession, session_id)
    if row is not None and row.ended_at is None:
        row.last_seen_at = utcnow()
        session.add(row)


async def end_sessions_of(
    session: AsyncSession, actor: Actor, *, user_id: int, reason: str, keep_current: bool = True
) -> int:
    """End every open session of a user (but the actor's own, when it is the user's and keep_current)."""
    statement = select(UserSession).where(UserSession.user_id == user_id, col(UserSession.ended_at).is_(None))
    if keep_current and actor.session_id is not None and actor.user_id == user_id:
        statement = statement.where(UserSession.id != actor.session_id)
    rows = list((await session.exec(statement)).all())
    now = utcnow()
    for row in rows:
        row.ended_at, row.ended_by, row.end_reason = now, actor.username, reason
        session.add(row)
    return len(rows)


async def log_out(session: AsyncSession, actor: Actor) -> None:
    """End the session the request came with: the cookie, and any copy of it, counts for nothing after."""
    if actor.session_id is None:
        return
    row = await session.get(UserSession, actor.session_id)
    if row is not None and row.ended_at is None:
        row.ended_at, row.ended_by, row.end_reason = utcnow(), actor.username, "logout"
        session.add(row)


async def end_session(
    session: AsyncSession, actor: Actor, *, session_id: int, username: str | None = None
) -> UserSession:
    """End one session of one's own, or (the administrator) of anyone's; recorded in the audit trail."""
    user = await session_owner(session, actor, username)
    # An id past the keys' range names no session (PostgreSQL would refuse to compare it: a 500).
    row = await session.get(UserSession, session_id) if 0 < session_id <= MAX_ID else None
    if row is None or row.user_id != user.id:
        raise NotFound(N_("No such session."), field="session")
    if row.ended_at is None:
        own = user.id == actor.user_id
        row.ended_at, row.ended_by = utcnow(), actor.username
        row.end_reason = "ended_by_user" if own else "ended_by_admin"
        session.add(row)
        record(
            session,
            actor,
            action="session.end",
            object_type="user_session",
            object_id=row.id or 0,
            enterprise_id=user.enterprise_id,
            before={"user": user.username, "ended_at": None},
            after={"ended_at": row.ended_at.isoformat(), "reason": row.end_reason},
        )
    return row


async def end_all_sessions(session: AsyncSession, actor: Actor, *, username: str) -> int:
    """The administrator ends every session of an account (e.g. a lost laptop)."""
    user = await session_owner(session, actor, username)
    ended = await end_sessions_of(
        session, actor, user_id=user.id or 0, reason="ended_by_admin", keep_current=False
    )
    record(
        session,
        actor,
        action="session.end_all",
        object_type="user",
        object_id=user.username,
        enterprise_id=user.enterprise_id,
        after={"ended": ended},
    )
    return ended
