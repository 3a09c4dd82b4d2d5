"""Who a user, a portal session key or an API token stands for: the ``Actor`` every use case is given.

Read from the database: the user's columns, their agency's status and code, and (agency staff of an
approved agency) one row per authorisation in force today, in one indexed statement, so that whatever
changed a moment ago in any process (a token or session ended, an account disabled, a role changed, an
agency suspended, an authorisation revoked) holds from the very next request
(``tests/benchmarks/bench_auth_lookup`` measures the cost). A session is read on every request; a
token's answer may be remembered by a process, but only under the credential version it was read at,
checked before every GraphQL operation runs (``web/token_cache.py``).

It reads the tables of two areas, accounts and agencies, so it lives above both: accounts knows nothing of
agencies, and agencies (whose staff are accounts) may use accounts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Role
from domain.accounts.models import ApiToken, CredentialVersion, User, UserSession
from domain.accounts.rules import TOKEN_PREFIX, TOKEN_SCOPES, key_hash
from domain.agencies.models import Agency, AgencyAuthorisation
from domain.clock import today, utcnow
from domain.settings import get_settings


def actor_for(
    user: User, *, channel: str, scopes: frozenset[str] | None = None, request_id: str | None = None
) -> Actor:
    """The actor of a user's own columns (no agency authorisations: see ``actor_for_user``)."""
    return Actor(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        enterprise_id=user.enterprise_id,
        region_code=user.region_code,
        scopes=scopes if scopes is not None else frozenset(TOKEN_SCOPES),
        channel=channel,
        request_id=request_id,
    )


async def actor_for_user(
    session: AsyncSession,
    user: User,
    *,
    channel: str,
    scopes: frozenset[str] | None = None,
    request_id: str | None = None,
) -> Actor:
    """The actor of a user; agency staff carry their agency and its authorisations in force today."""
    if user.role != Role.AGENCY_STAFF or user.agency_id is None:
        return actor_for(user, channel=channel, scopes=scopes, request_id=request_id)
    statement = _credential_query().where(User.__table__.c.id == user.id)  # type: ignore[attr-defined]
    rows = list((await session.exec(statement, params={"on": today()})).all())
    found = _actor_of_rows(
        rows,
        channel=channel,
        scopes=scopes if scopes is not None else frozenset(TOKEN_SCOPES),
        request_id=request_id,
    )
    return found or actor_for(user, channel=channel, scopes=scopes, request_id=request_id)


def _credential_query(*extra: Any) -> Any:  # bind "on": today
    """The rows an actor is made of: the user's columns, their agency's status and code, and (agency staff
    of an approved agency) one row per authorisation in force today."""
    user = User.__table__.c  # type: ignore[attr-defined]
    agency = Agency.__table__.c  # type: ignore[attr-defined]
    granted = AgencyAuthorisation.__table__  # type: ignore[attr-defined]
    on = sa.bindparam("on", type_=sa.Date())
    in_force = sa.and_(
        granted.c.agency_id == agency.id,
        agency.status == "approved",  # a suspended agency's authorisations grant nothing
        granted.c.revoked_at.is_(None),
        granted.c.valid_from <= on,
        granted.c.valid_until >= on,
    )
    joined = sa.outerjoin(
        User.__table__,  # type: ignore[attr-defined]
        Agency.__table__,  # type: ignore[attr-defined]
        agency.id == user.agency_id,
    ).outerjoin(granted, in_force)
    return sa.select(
        *extra,
        user.id.label("user_id"),
        user.username,
        user.role,
        user.enterprise_id,
        user.region_code,
        user.agency_id,
        user.is_active,
        agency.credit_code.label("agency_code"),
        granted.c.enterprise_id.label("granted_enterprise_id"),
        granted.c.scopes.label("granted_scopes"),
    ).select_from(joined)


def _actor_of_rows(
    rows: list[Any], *, channel: str, scopes: frozenset[str], request_id: str | None
) -> Actor | None:
    """The actor of the rows of ``_credential_query`` (none when the account is disabled)."""
    row = rows[0]
    if not row.is_active:
        return None
    agency_staff = row.role == Role.AGENCY_STAFF and row.agency_id is not None
    return Actor(
        user_id=row.user_id,
        username=row.username,
        role=Role(row.role),
        enterprise_id=row.enterprise_id,
        region_code=row.region_code,
        agency_id=row.agency_id if agency_staff else None,
        authorisations=frozenset(
            (r.granted_enterprise_id, scope)
            for r in rows
            if r.granted_enterprise_id is not None
            for scope in r.granted_scopes
        ),
        on_behalf_of=f"agency:{row.agency_code}" if agency_staff else None,
        scopes=scopes,
        channel=channel,
        request_id=request_id,
    )


# ---------------------------------------------------------------------------
# API tokens
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenLookup:
    actor: Actor
    token_id: int
    touch_due: bool
    # The credential version as of the lookup's own snapshot (``with_version``; web/token_cache.py).
    credential_version: int | None = None


@lru_cache(maxsize=2)
def _token_statement(with_version: bool = False) -> Any:
    """Built once: constructing the statement cost as much as running it (bench_auth_lookup)."""
    tokens = ApiToken.__table__.c  # type: ignore[attr-defined]
    extra = (
        [
            sa.select(CredentialVersion.__table__.c.n)  # type: ignore[attr-defined]
            .where(CredentialVersion.__table__.c.id == 1)  # type: ignore[attr-defined]
            .scalar_subquery()
            .label("version")
        ]
        if with_version
        else []
    )
    return (
        _credential_query(
            tokens.id.label("token_id"), tokens.revoked_at, tokens.scopes, tokens.last_used_at, *extra
        )
        .join(ApiToken.__table__, tokens.user_id == User.__table__.c.id)  # type: ignore[attr-defined]
        .where(tokens.token_hash == sa.bindparam("token_hash"))
    )


async def actor_for_token(
    session: AsyncSession | AsyncConnection,
    *,
    token: str,
    request_id: str | None = None,
    with_version: bool = False,
) -> TokenLookup | None:
    """The actor a bearer token stands for, or None when it is unknown, revoked or its user disabled.

    A token revoked, an account disabled or an agency suspended by any process is refused from the next
    request on (a process that remembers the answer checks the credential version first:
    ``web/token_cache.py``; ``with_version`` reads that version in the same statement, so the answer and
    the version come from one snapshot). Read-only, so that API reads never take
    a write lock; ``touch_due`` tells the caller to record the last-used time (at most once a minute per
    token, ``domain.accounts.service.tokens.touch_api_token``).
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        return None
    connection = session if isinstance(session, AsyncConnection) else await session.connection()
    statement = _token_statement(with_version)
    rows = list((await connection.execute(statement, {"token_hash": key_hash(token), "on": today()})).all())
    if not rows or rows[0].revoked_at is not None:
        return None
    row = rows[0]
    actor = _actor_of_rows(
        rows, channel="graphql", scopes=frozenset(row.scopes.split()), request_id=request_id
    )
    if actor is None:
        return None
    interval = timedelta(seconds=get_settings().api_token_touch_interval_seconds)
    last_used = row.last_used_at
    if last_used is not None and last_used.tzinfo is None:
        last_used = last_used.replace(tzinfo=UTC)
    touch_due = last_used is None or utcnow() - last_used >= interval
    version = int(row.version) if with_version and row.version is not None else None
    return TokenLookup(actor=actor, token_id=row.token_id, touch_due=touch_due, credential_version=version)


# ---------------------------------------------------------------------------
# Portal sessions
# ---------------------------------------------------------------------------

SESSION_TOUCH_SECONDS = 300


@dataclass(frozen=True)
class SessionLookup:
    actor: Actor
    session_id: int
    touch_due: bool


@lru_cache(maxsize=1)
def _session_statement() -> Any:
    sessions = UserSession.__table__.c  # type: ignore[attr-defined]
    return (
        _credential_query(sessions.id.label("session_id"), sessions.last_seen_at)
        .join(UserSession.__table__, sessions.user_id == User.__table__.c.id)  # type: ignore[attr-defined]
        .where(
            sessions.key_hash == sa.bindparam("key_hash"),
            sessions.ended_at.is_(None),
            sessions.created_at >= sa.bindparam("since"),
        )
    )


async def actor_for_session(
    session: AsyncSession, *, key: str, channel: str = "portal", request_id: str | None = None
) -> SessionLookup | None:
    """The actor of a portal session key, or None when the session was ended, has expired (the server
    keeps ``session_max_age_seconds`` too, whatever the cookie says) or its account is disabled.

    Read on every request: an ending holds from the next request in every process;
    ``touch_due`` tells the caller to record that the session is in use
    (``domain.accounts.service.sessions.touch_session``, at most every few minutes: it is a write)."""
    if not key or len(key) > 128:
        return None
    now = utcnow()
    since = now - timedelta(seconds=get_settings().session_max_age_seconds)
    rows = list(
        (
            await (await session.connection()).execute(
                _session_statement(), {"key_hash": key_hash(key), "on": today(), "since": since}
            )
        ).all()
    )
    if not rows:
        return None
    actor = _actor_of_rows(rows, channel=channel, scopes=frozenset(TOKEN_SCOPES), request_id=request_id)
    if actor is None:
        return None
    row = rows[0]
    last_seen = row.last_seen_at
    if last_seen.tzinfo is None:
        last_seen = last_seen.replace(tzinfo=UTC)
    touch_due = now - last_seen >= timedelta(seconds=SESSION_TOUCH_SECONDS)
    return SessionLookup(replace(actor, session_id=row.session_id), row.session_id, touch_due)
