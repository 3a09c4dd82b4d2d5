"""Use cases on accounts: create one (the administrator, or the operator on the command line), change
one's password, disable or re-enable an account."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import regions
from domain.access import ENTERPRISE_ROLES, REGULATOR_ROLES, Actor, Operation, Role, require
from domain.accounts import passwords
from domain.accounts.models import User
from domain.accounts.queries import find_user
from domain.accounts.rules import MAX_DISPLAY_NAME_LENGTH, email_error, username_error
from domain.accounts.service.sessions import end_sessions_of
from domain.audit.service import entry_values, record, record_many
from domain.bounds import too_long
from domain.clock import utcnow
from domain.db import insert_rows
from domain.enterprises.models import Enterprise
from domain.enterprises.rules import normalize_credit_code
from domain.errors import N_, FieldError, NotAuthenticated, NotFound, ValidationFailed

USERS: sa.Table = User.__table__  # type: ignore[attr-defined]


def role_errors(
    role: str,
    parsed_role: Role | None,
    *,
    credit_code: str | None,
    enterprise: Enterprise | None,
    region_code: str | None,
) -> list[FieldError]:
    """What an account's role asks of it, for one account and for many (``create_users_bulk``): a known
    role; an enterprise account's unit, found by its credit code; no agency staff (their agency's
    registration makes them); a regulator's jurisdiction, as a region code."""
    errors: list[FieldError] = []
    if parsed_role is None:
        errors.append(FieldError("role", "choice", N_("Unknown role '{role}'."), {"role": role}))
    elif parsed_role in ENTERPRISE_ROLES:
        if not credit_code:
            errors.append(
                FieldError(
                    "enterprise", "required", N_("Enterprise accounts need the enterprise's credit code.")
                )
            )
        elif enterprise is None:
            errors.append(FieldError("enterprise", "not_found", N_("No enterprise with this credit code.")))
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
    return errors


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
    display_name = display_name.strip()
    errors: list[FieldError] = [
        e
        for e in (
            username_error(username),
            too_long("display_name", display_name, MAX_DISPLAY_NAME_LENGTH),
            email_error(email),
        )
        if e
    ]
    errors += await passwords.password_errors(password, username, hints=(display_name, email or ""))
    parsed_role = next((r for r in Role if r.value == role), None)
    enterprise: Enterprise | None = None
    if parsed_role in ENTERPRISE_ROLES and enterprise_credit_code:
        code = normalize_credit_code(enterprise_credit_code)
        enterprise = (await session.exec(select(Enterprise).where(Enterprise.credit_code == code))).first()
    errors += role_errors(
        role, parsed_role, credit_code=enterprise_credit_code, enterprise=enterprise, region_code=region_code
    )
    if not errors and await find_user(session, username=username) is not None:
        errors.append(FieldError("username", "duplicate", N_("This username is taken.")))
    if errors:
        raise ValidationFailed(errors)
    assert parsed_role is not None
    user = User(
        username=username,
        display_name=display_name or username,
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
        enterprise_id=user.enterprise_id,
        after={
            "username": user.username,
            "role": user.role,
            "enterprise": enterprise.credit_code if enterprise else None,
            "region_code": user.region_code,
        },
    )
    return user


async def change_password(
    session: AsyncSession, actor: Actor, *, current_password: str, new_password: str
) -> User:
    """Change one's own password; one's other sessions end with it."""
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
    errors = await passwords.password_errors(
        new_password, user.username, field="new_password", hints=(user.display_name, user.email or "")
    )
    if errors:
        raise ValidationFailed(errors)
    user.password_hash = await passwords.hash_password_async(new_password)
    session.add(user)
    ended = await end_sessions_of(session, actor, user_id=user.id or 0, reason="password_changed")
    record(
        session,
        actor,
        action="user.change_password",
        object_type="user",
        object_id=user.username,
        enterprise_id=user.enterprise_id,
        after={"other_sessions_ended": ended},
    )
    return user


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
            await end_sessions_of(session, actor, user_id=user.id or 0, reason="account_disabled")
        record(
            session,
            actor,
            action="user.enable" if active else "user.disable",
            object_type="user",
            object_id=user.username,
            enterprise_id=user.enterprise_id,
            before={"is_active": not active},
            after={"is_active": active},
        )
    return user


MAX_BULK_ACCOUNTS = 5000  # accounts in one call of create_users_bulk


@dataclass(frozen=True)
class NewAccount:
    """One account of a bulk creation (``create_users_bulk``)."""

    username: str
    role: str
    display_name: str = ""
    enterprise_credit_code: str | None = None
    region_code: str | None = None


async def create_users_bulk(
    session: AsyncSession, actor: Actor, *, accounts: Sequence[NewAccount], initial_password: str
) -> list[User]:
    """Create many accounts at once, all of them or, on any problem, none: an operator onboarding the
    units of a register (a unit's filing staff each), who hands every new user the same initial password
    to change (``change_password``) once logged in.

    Each account is checked by ``create_user``'s rules (errors named ``rows[N].<field>``, rows from 1);
    the initial password is judged once (its shape against every username) and hashed once: one argon2id
    hash verifies the one password, so the accounts share it — a hash per account would cost a second of
    CPU per 20 accounts and protect nothing more. One statement per table: the accounts, their audit
    entries."""
    require(actor, Operation.USER_MANAGE)
    if not accounts:
        raise ValidationFailed([FieldError("rows", "required", N_("This field is required."))])
    if len(accounts) > MAX_BULK_ACCOUNTS:
        raise ValidationFailed(
            [FieldError("rows", "too_many", N_("At most {limit} entries."), {"limit": MAX_BULK_ACCOUNTS})]
        )
    names = [account.username.strip().lower() for account in accounts]
    codes = {normalize_credit_code(a.enterprise_credit_code) for a in accounts if a.enterprise_credit_code}
    units = {
        e.credit_code: e
        for e in (await session.exec(select(Enterprise).where(col(Enterprise.credit_code).in_(codes)))).all()
    }
    taken = set((await session.exec(select(User.username).where(col(User.username).in_(names)))).all())
    problems = await passwords.password_errors(initial_password, "", field="initial_password")
    values: list[dict[str, object]] = []
    now = utcnow()
    for row, (account, username) in enumerate(zip(accounts, names, strict=True), start=1):
        display_name = account.display_name.strip()
        errors = [
            e
            for e in (
                username_error(username),
                too_long("display_name", display_name, MAX_DISPLAY_NAME_LENGTH),
            )
            if e
        ]
        errors += passwords.password_shape_errors(initial_password, username, "initial_password")
        if not errors and username in taken:  # an account already, or an earlier row
            errors.append(FieldError("username", "duplicate", N_("This username is taken.")))
        taken.add(username)
        parsed_role = next((r for r in Role if r.value == account.role), None)
        code = normalize_credit_code(account.enterprise_credit_code or "")
        enterprise = units.get(code) if parsed_role in ENTERPRISE_ROLES else None
        region = account.region_code or None
        errors += role_errors(
            account.role,
            parsed_role,
            credit_code=account.enterprise_credit_code,
            enterprise=enterprise,
            region_code=region,
        )
        problems += [FieldError(f"rows[{row}].{e.field}", e.code, e.message, e.params) for e in errors]
        if not errors and parsed_role is not None:
            values.append(
                {
                    "username": username,
                    "display_name": display_name or username,
                    "email": None,
                    "role": parsed_role.value,
                    "enterprise_id": enterprise.id if enterprise else None,
                    "region_code": region,
                    "agency_id": None,
                    "is_active": True,
                    "session_version": 1,
                    "created_at": now,
                    "last_login_at": None,
                }
            )
    if problems:
        raise ValidationFailed(problems)
    digest = await passwords.hash_password_async(initial_password)
    try:
        written = await insert_rows(
            session,
            USERS,
            [{**value, "password_hash": digest} for value in values],
            returning=("id", "username"),
        )
    except IntegrityError:  # created by someone else meanwhile
        raise ValidationFailed([FieldError("rows", "duplicate", N_("This username is taken."))]) from None
    ids = dict((username, user_id) for user_id, username in written)
    code_of = {e.id: e.credit_code for e in units.values()}
    await record_many(
        session,
        [
            entry_values(
                actor,
                action="user.create",
                object_type="user",
                object_id=str(value["username"]),
                enterprise_id=value["enterprise_id"],  # type: ignore[arg-type]
                after={
                    "username": value["username"],
                    "role": value["role"],
                    "enterprise": code_of.get(value["enterprise_id"]),  # type: ignore[call-overload]
                    "region_code": value["region_code"],
                    "bulk": True,
                },
            )
            for value in values
        ],
    )
    return [
        User(id=ids[str(value["username"])], password_hash=digest, **value)  # type: ignore[arg-type]
        for value in values
    ]
