"""Logging in, with a back-off per address and per account-and-address pair; every attempt is kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.accounts import passwords
from domain.accounts.models import LoginAttempt, User
from domain.clock import utcnow
from domain.errors import N_, DomainError, NotAuthenticated, RateLimited
from domain.settings import get_settings


@dataclass(frozen=True)
class LoginOutcome:
    """The result of a login attempt. Failures are returned, not raised, so the attempt is kept."""

    user: User | None
    error: DomainError | None


async def _recent_failures(session: AsyncSession, since: datetime, *conditions: Any) -> int:
    statement = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(*conditions, col(LoginAttempt.succeeded).is_(False), col(LoginAttempt.attempted_at) >= since)
    )
    return int((await session.exec(statement)).one())


async def authenticate(session: AsyncSession, *, username: str, password: str, address: str) -> LoginOutcome:
    """Check a login, with a back-off per address and per account-and-address pair; every attempt is kept.

    The back-off is never per account alone: then anyone could lock any account's owner out by failing
    on purpose. Failures from one address slow that address (``login_max_failures_per_address`` in the
    window, whatever usernames it tries) and that address's guesses at one account
    (``login_max_failures_per_account``); the owner, logging in from elsewhere, is not held back. Kept in
    the database, so it holds across processes.
    """
    settings = get_settings()
    username = (username or "").strip().lower()[:64]
    address = (address or "unknown")[:64]
    now = utcnow()
    since = now - timedelta(seconds=settings.login_window_seconds)
    if (
        await _recent_failures(
            session, since, LoginAttempt.username == username, LoginAttempt.address == address
        )
        >= settings.login_max_failures_per_account
        or await _recent_failures(session, since, LoginAttempt.address == address)
        >= settings.login_max_failures_per_address
    ):
        session.add(LoginAttempt(username=username, address=address, succeeded=False, attempted_at=now))
        return LoginOutcome(
            None,
            RateLimited(
                N_("Too many failed logins. Wait {minutes} minutes and try again."),
                params={"minutes": settings.login_window_seconds // 60},
            ),
        )
    user = (await session.exec(select(User).where(User.username == username))).first()
    ok, new_hash = await passwords.verify_password_async(password or "", user.password_hash if user else None)
    if user is None or not ok or not user.is_active:
        session.add(LoginAttempt(username=username, address=address, succeeded=False, attempted_at=now))
        return LoginOutcome(None, NotAuthenticated(N_("Wrong username or password."), field="password"))
    session.add(LoginAttempt(username=username, address=address, succeeded=True, attempted_at=now))
    if new_hash:
        user.password_hash = new_hash
    user.last_login_at = now
    session.add(user)
    return LoginOutcome(user, None)
