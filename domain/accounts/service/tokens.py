"""API tokens for the GraphQL API: created (the plain value shown once, only its SHA-256 stored),
revoked, and touched when used. Who a token stands for is ``domain.actors.actor_for_token``."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, require
from domain.accounts.models import ApiToken, User
from domain.accounts.rules import MAX_TOKEN_NAME_LENGTH, TOKEN_PREFIX, TOKEN_SCOPES, key_hash
from domain.audit.service import record
from domain.bounds import too_long
from domain.clock import utcnow
from domain.errors import N_, FieldError, NotAuthenticated, NotFound, ValidationFailed


async def create_api_token(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    scopes: list[str] | None = None,
    for_username: str | None = None,
) -> tuple[str, ApiToken]:
    """Create a token; the plain value is returned once and never stored.

    Without ``scopes`` (None) the token reads and writes; an empty list chooses nothing and is refused;
    ``write`` alone is taken as read and write."""
    if for_username is not None:
        require(actor, Operation.TOKEN_ISSUE_FOR_OTHERS)
        owner = (
            await session.exec(select(User).where(User.username == for_username.strip().lower()))
        ).first()
        if owner is None:
            raise NotFound(N_("No user with this username."), field="username")
    else:
        require(actor, Operation.TOKEN_MANAGE_OWN)
        owner = await session.get(User, actor.user_id)
        if owner is None:
            raise NotAuthenticated(N_("Please log in to continue."))
    name = (name or "").strip()
    chosen = sorted(set(TOKEN_SCOPES if scopes is None else scopes))
    errors: list[FieldError] = []
    if not name:
        errors.append(FieldError("name", "required", N_("This field is required.")))
    elif problem := too_long("name", name, MAX_TOKEN_NAME_LENGTH):
        errors.append(problem)
    if not chosen or any(scope not in TOKEN_SCOPES for scope in chosen):
        errors.append(FieldError("scopes", "choice", N_("Scopes are 'read' and 'write'.")))
    if errors:
        raise ValidationFailed(errors)
    if "write" in chosen and "read" not in chosen:
        chosen = ["read", "write"]
    assert owner.id is not None
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=owner.id,
        name=name,
        prefix=plain[: len(TOKEN_PREFIX) + 6],
        token_hash=key_hash(plain),
        scopes=" ".join(chosen),
        created_by_id=actor.user_id,
    )
    session.add(token)
    await session.flush()
    record(
        session,
        actor,
        action="token.create",
        object_type="api_token",
        object_id=token.id or 0,
        enterprise_id=owner.enterprise_id,
        after={"owner": owner.username, "name": name, "scopes": token.scopes, "prefix": token.prefix},
    )
    return plain, token


async def revoke_api_token(session: AsyncSession, actor: Actor, *, token_id: int) -> ApiToken:
    """Revoke one's own token (the administrator: anyone's); refused from the next request on."""
    require(actor, Operation.TOKEN_MANAGE_OWN)
    token = await session.get(ApiToken, token_id)
    if token is None or not (actor.is_admin or token.user_id == actor.user_id):
        raise NotFound(N_("No such token."), field="token")
    require(
        actor,
        Operation.TOKEN_MANAGE_OWN if token.user_id == actor.user_id else Operation.USER_MANAGE,
        Target(owner_user_id=token.user_id),
    )
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(token)
        owner = await session.get(User, token.user_id)
        record(
            session,
            actor,
            action="token.revoke",
            object_type="api_token",
            object_id=token.id or 0,
            enterprise_id=owner.enterprise_id if owner else None,
            before={"revoked_at": None},
            after={"revoked_at": token.revoked_at.isoformat()},
        )
    return token


async def touch_api_token(session: AsyncSession | AsyncConnection, *, token_id: int) -> None:
    """Record when a token was last used (the caller does it at most once a minute per token): one UPDATE,
    which a caller may run on its own in autocommit (``Database.statements``). Operational metadata, not a
    change of the token: no audit entry, and the credential version does not move (migration 0038)."""
    tokens = ApiToken.__table__  # type: ignore[attr-defined]
    statement = sa.update(tokens).where(tokens.c.id == token_id).values(last_used_at=utcnow())
    if isinstance(session, AsyncConnection):
        await session.execute(statement)
    else:
        await session.exec(statement)  # type: ignore[call-overload]
