"""Use cases for accounts: users, logins (rate-limited), API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, timedelta
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import regions
from domain.access import (
    ENTERPRISE_ROLES,
    REGULATOR_ROLES,
    Actor,
    Operation,
    Role,
    Target,
    require,
)
from domain.accounts import passwords
from domain.accounts.models import ApiToken, LoginAttempt, User, UserSession
from domain.agencies.models import Agency
from domain.audit.service import record
from domain.clock import utcnow
from domain.enterprises.models import Enterprise
from domain.enterprises.rules import normalize_credit_code
from domain.errors import (
    N_,
    DomainError,
    FieldError,
    NotAuthenticated,
    NotFound,
    RateLimited,
    ValidationFailed,
)
from domain.settings import get_settings

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,31}$")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
TOKEN_PREFIX = "pwt_"
TOKEN_SCOPES = ("read", "write")


def actor_for(
    user: User, *, channel: str, scopes: frozenset[str] | None = None, request_id: str | None = None
) -> Actor:
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
    from domain.clock import today

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
    of an approved agency) one row per authorisation in force today.

    Read on every request, for a bearer token or a portal session alike, in one indexed statement, so that
    whatever changed a moment ago in any process (a token or session ended, an account disabled, a role
    changed, an agency suspended, an authorisation revoked) holds from the very next request.
    """
    from domain.agencies.models import AgencyAuthorisation

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


def _password_shape_errors(password: str, username: str, field: str) -> list[FieldError]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return [
            FieldError(
                field,
                "password_short",
                N_("A password has at least {min} characters."),
                {"min": MIN_PASSWORD_LENGTH},
            )
        ]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [
            FieldError(
                field,
                "too_long",
                N_("At most {limit} characters (got {length})."),
                {"limit": MAX_PASSWORD_LENGTH, "length": len(password)},
            )
        ]
    if password.lower() == username.lower():
        return [FieldError(field, "password_is_username", N_("The password must not be the username."))]
    return []


async def password_errors(
    password: str, username: str, field: str = "password", *, hints: tuple[str, ...] = ()
) -> list[FieldError]:
    """What is wrong with a new password: too short or long, the username itself, or easy to guess (a
    common password, a name, a date, a keyboard pattern, the user's own names: zxcvbn score below 3)."""
    errors = _password_shape_errors(password, username, field)
    if errors:
        return errors
    if await passwords.strength_async(password, (username, *hints)) < passwords.MIN_STRENGTH:
        return [
            FieldError(
                field,
                "password_guessable",
                N_(
                    "This password is too easy to guess: it is common, or made of names, dates, words or "
                    "keyboard patterns. Use several unrelated words or a longer phrase."
                ),
            )
        ]
    return []


async def create_user(
    session: AsyncSession,
    actor: Actor,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    email: str | None = None,
    enterprise_credit_code: str | None = None,
    region_code: str | None = None,
) -> User:
    """Create an account (the administrator, or the operator on the command line)."""
    require(actor, Operation.USER_MANAGE)
    username = username.strip().lower()
    errors: list[FieldError] = []
    if not USERNAME.match(username):
        errors.append(
            FieldError(
                "username",
                "username_format",
                N_(
                    "3 to 32 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit."  # noqa: E501
                ),
            )
        )
    errors += await password_errors(password, username, hints=(display_name, email or ""))
    parsed_role: Role | None = None
    try:
        parsed_role = Role(role)
    except ValueError:
        errors.append(FieldError("role", "choice", N_("Unknown role '{role}'."), {"role": role}))
    enterprise: Enterprise | None = None
    if parsed_role in ENTERPRISE_ROLES:
        if not enterprise_credit_code:
            errors.append(
                FieldError(
                    "enterprise", "required", N_("Enterprise accounts need the enterprise's credit code.")
                )
            )
        else:
            code = normalize_credit_code(enterprise_credit_code)
            enterprise = (
                await session.exec(select(Enterprise).where(Enterprise.credit_code == code))
            ).first()
            if enterprise is None:
                errors.append(
                    FieldError("enterprise", "not_found", N_("No enterprise with this credit code."))
                )
    elif parsed_role == Role.AGENCY_STAFF:
        errors.append(
            FieldError(
                "role",
                "agency_registration",
                N_("Agency staff accounts are created when their agency registers, not here."),
            )
        )
    if parsed_role in REGULATOR_ROLES and not region_code:
        errors.append(
            FieldError("region", "required", N_("Regulator accounts need a jurisdiction (region code)."))
        )
    if region_code and not regions.is_valid_region_code(region_code):
        errors.append(
            FieldError(
                "region", "region_code_format", N_("A region code (GB/T 2260) is six digits, e.g. 310107.")
            )
        )
    if email and (len(email) > 254 or "@" not in email):
        errors.append(FieldError("email", "email_format", N_("This is not an e-mail address.")))
    if not errors and (await session.exec(select(User).where(User.username == username))).first():
        errors.append(FieldError("username", "duplicate", N_("This username is taken.")))
    if errors:
        raise ValidationFailed(errors)
    assert parsed_role is not None
    user = User(
        username=username,
        display_name=display_name.strip()[:64] or username,
        email=email or None,
        password_hash=await passwords.hash_password_async(password),
        role=parsed_role.value,
        enterprise_id=enterprise.id if enterprise else None,
        region_code=region_code or None,
    )
    session.add(user)
    await session.flush()
    record(
        session,
        actor,
        action="user.create",
        object_type="user",
        object_id=user.username,
        after={
            "username": user.username,
            "role": user.role,
            "enterprise": enterprise.credit_code if enterprise else None,
            "region_code": user.region_code,
        },
    )
    return user


@dataclass(frozen=True)
class LoginOutcome:
    """The result of a login attempt. Failures are returned, not raised, so the attempt is kept."""

    user: User | None
    error: DomainError | None


async def _recent_failures(session: AsyncSession, since: object, *conditions: Any) -> int:
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


async def change_password(
    session: AsyncSession, actor: Actor, *, current_password: str, new_password: str
) -> User:
    if actor.user_id is None:
        raise NotAuthenticated(N_("Please log in to continue."))
    user = await session.get(User, actor.user_id)
    if user is None:
        raise NotAuthenticated(N_("Please log in to continue."))
    ok, _ = await passwords.verify_password_async(current_password, user.password_hash)
    if not ok:
        raise ValidationFailed(
            [FieldError("current_password", "wrong_password", N_("The current password is not right."))]
        )
    errors = await password_errors(
        new_password, user.username, field="new_password", hints=(user.display_name, user.email or "")
    )
    if errors:
        raise ValidationFailed(errors)
    user.password_hash = await passwords.hash_password_async(new_password)
    session.add(user)
    ended = await _end_sessions_of(session, actor, user_id=user.id or 0, reason="password_changed")
    record(
        session,
        actor,
        action="user.change_password",
        object_type="user",
        object_id=user.username,
        after={"other_sessions_ended": ended},
    )
    return user


def _token_hash(token: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


async def create_api_token(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    scopes: list[str] | None = None,
    for_username: str | None = None,
) -> tuple[str, ApiToken]:
    """Create a token; the plain value is returned once and never stored."""
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
    chosen = sorted(set(scopes or TOKEN_SCOPES))
    errors: list[FieldError] = []
    if not name:
        errors.append(FieldError("name", "required", N_("This field is required.")))
    elif len(name) > 64:
        errors.append(
            FieldError(
                "name",
                "too_long",
                N_("At most {limit} characters (got {length})."),
                {"limit": 64, "length": len(name)},
            )
        )
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
        token_hash=_token_hash(plain),
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
        after={"owner": owner.username, "name": name, "scopes": token.scopes, "prefix": token.prefix},
    )
    return plain, token


async def list_api_tokens(session: AsyncSession, actor: Actor) -> list[ApiToken]:
    require(actor, Operation.TOKEN_MANAGE_OWN)
    statement = select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(col(ApiToken.id).desc())
    return list((await session.exec(statement)).all())


async def revoke_api_token(session: AsyncSession, actor: Actor, *, token_id: int) -> ApiToken:
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
        record(
            session,
            actor,
            action="token.revoke",
            object_type="api_token",
            object_id=token.id or 0,
            before={"revoked_at": None},
            after={"revoked_at": token.revoked_at.isoformat()},
        )
    return token


@dataclass(frozen=True)
class TokenLookup:
    actor: Actor
    token_id: int
    touch_due: bool


@lru_cache(maxsize=1)
def _token_statement() -> Any:
    """Built once: constructing the statement cost as much as running it (bench_auth_lookup)."""
    tokens = ApiToken.__table__.c  # type: ignore[attr-defined]
    return (
        _credential_query(tokens.id.label("token_id"), tokens.revoked_at, tokens.scopes, tokens.last_used_at)
        .join(ApiToken.__table__, tokens.user_id == User.__table__.c.id)  # type: ignore[attr-defined]
        .where(tokens.token_hash == sa.bindparam("token_hash"))
    )


async def actor_for_token(
    session: AsyncSession, *, token: str, request_id: str | None = None
) -> TokenLookup | None:
    """The actor a bearer token stands for, or None when it is unknown, revoked or its user disabled.

    Looked up on every request, never remembered: a token revoked, an account disabled or an agency
    suspended by any process is refused from the next request on (``bench_auth_lookup`` measures the cost).
    Read-only, so that API reads never take a write lock; ``touch_due`` tells the caller to record the
    last-used time (at most once a minute per token).
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
        return None
    from domain.clock import today

    rows = list(
        (
            await (await session.connection()).execute(
                _token_statement(), {"token_hash": _token_hash(token), "on": today()}
            )
        ).all()
    )
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
    return TokenLookup(actor=actor, token_id=row.token_id, touch_due=touch_due)


async def touch_api_token(session: AsyncSession, *, token_id: int) -> None:
    token = await session.get(ApiToken, token_id)
    if token is not None:
        token.last_used_at = utcnow()
        session.add(token)


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


async def set_user_active(session: AsyncSession, actor: Actor, *, username: str, active: bool) -> User:
    """Disable or re-enable an account; disabling ends its sessions at once."""
    require(actor, Operation.USER_MANAGE)
    user = await find_user(session, username=username)
    if user is None:
        raise NotFound(N_("No user with this username."), field="username")
    if user.id == actor.user_id and not active:
        raise ValidationFailed([FieldError("username", "self", N_("You cannot disable your own account."))])
    if user.is_active != active:
        user.is_active = active
        session.add(user)
        if not active:
            await _end_sessions_of(session, actor, user_id=user.id or 0, reason="account_disabled")
        record(
            session,
            actor,
            action="user.enable" if active else "user.disable",
            object_type="user",
            object_id=user.username,
            before={"is_active": not active},
            after={"is_active": active},
        )
    return user


# ---------------------------------------------------------------------------
# Portal sessions, held on the server
# ---------------------------------------------------------------------------

SESSION_TOUCH_SECONDS = 300
SESSION_END_REASONS = ("logout", "password_changed", "account_disabled", "ended_by_user", "ended_by_admin")


@dataclass(frozen=True)
class SessionLookup:
    actor: Actor
    session_id: int
    touch_due: bool


def start_session(session: AsyncSession, user: User, *, address: str, user_agent: str) -> str:
    """Open a portal session for a user who just logged in; returns the key for the (signed) cookie.

    Only the key's SHA-256 is stored: a copy of the table lets nobody in."""
    assert user.id is not None
    key = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            key_hash=_token_hash(key),
            user_id=user.id,
            address=(address or "")[:64],
            user_agent=(user_agent or "")[:200],
        )
    )
    return key


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

    Read on every request, like a bearer token: an ending holds from the next request in every process."""
    if not key or len(key) > 128:
        return None
    from domain.clock import today

    now = utcnow()
    since = now - timedelta(seconds=get_settings().session_max_age_seconds)
    rows = list(
        (
            await (await session.connection()).execute(
                _session_statement(), {"key_hash": _token_hash(key), "on": today(), "since": since}
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


async def touch_session(session: AsyncSession, *, session_id: int) -> None:
    """Record that a session is still in use (at most every few minutes: it is a write)."""
    row = await session.get(UserSession, session_id)
    if row is not None and row.ended_at is None:
        row.last_seen_at = utcnow()
        session.add(row)


async def _end_sessions_of(
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


async def _owner_of(session: AsyncSession, actor: Actor, username: str | None) -> User:
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
    user = await _owner_of(session, actor, username)
    since = utcnow() - timedelta(seconds=get_settings().session_max_age_seconds)
    statement = (
        select(UserSession)
        .where(
            UserSession.user_id == user.id,
            col(UserSession.ended_at).is_(None),
            col(UserSession.created_at) >= since,
        )
        .order_by(col(UserSession.last_seen_at).desc(), col(UserSession.id).desc())
        .limit(limit)
    )
    return user, list((await session.exec(statement)).all())


async def end_session(
    session: AsyncSession, actor: Actor, *, session_id: int, username: str | None = None
) -> UserSession:
    """End one session of one's own, or (the administrator) of anyone's; recorded in the audit trail."""
    user = await _owner_of(session, actor, username)
    row = await session.get(UserSession, session_id)
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
            before={"user": user.username, "ended_at": None},
            after={"ended_at": row.ended_at.isoformat(), "reason": row.end_reason},
        )
    return row


async def end_all_sessions(session: AsyncSession, actor: Actor, *, username: str) -> int:
    """The administrator ends every session of an account (e.g. a lost laptop)."""
    user = await _owner_of(session, actor, username)
    ended = await _end_sessions_of(
        session, actor, user_id=user.id or 0, reason="ended_by_admin", keep_current=False
    )
    record(
        session,
        actor,
        action="session.end_all",
        object_type="user",
        object_id=user.username,
        after={"ended": ended},
    )
    return ended
