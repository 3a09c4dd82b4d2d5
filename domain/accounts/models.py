"""Users, API tokens and login attempts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain import base
from domain.access import ALL_ROLES, ENTERPRISE_ROLES, REGULATOR_ROLES
from domain.clock import utcnow

_ENTERPRISE_ROLES_SQL = base.sql_in("role", tuple(sorted(r.value for r in ENTERPRISE_ROLES)))
_REGULATOR_ROLES_SQL = base.sql_in("role", tuple(sorted(r.value for r in REGULATOR_ROLES)))


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("role", tuple(r.value for r in ALL_ROLES)), name="role_known"),
        sa.CheckConstraint(
            f"NOT ({_ENTERPRISE_ROLES_SQL}) OR enterprise_id IS NOT NULL",
            name="enterprise_role_has_enterprise",
        ),
        sa.CheckConstraint(
            f"NOT ({_REGULATOR_ROLES_SQL}) OR region_code IS NOT NULL",
            name="regulator_role_has_region",
        ),
        sa.CheckConstraint("role <> 'agency_staff' OR agency_id IS NOT NULL", name="agency_role_has_agency"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=32, unique=True)
    display_name: str = Field(default="", max_length=64)
    email: str | None = Field(default=None, max_length=254)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=32)
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id", index=True)
    region_code: str | None = Field(default=None, max_length=6)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    is_active: bool = Field(default=True)
    # No longer read: sessions are server-side records (UserSession), ended one by one. The column stays so
    # that SQLite need not rebuild the table every other table refers to.
    session_version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None


class ApiToken(SQLModel, table=True):
    """A bearer token for the GraphQL API. Only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    name: str = Field(max_length=64)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    scopes: str = Field(default="read write", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class LoginAttempt(SQLModel, table=True):
    """Every login attempt, kept in the database so that the back-off holds across processes."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        sa.Index("ix_login_attempt_username_at", "username", "attempted_at"),
        sa.Index("ix_login_attempt_address_at", "address", "attempted_at"),
        sa.Index("ix_login_attempt_pair_at", "username", "address", "attempted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)
    address: str = Field(max_length=64)
    succeeded: bool
    attempted_at: datetime = Field(default_factory=utcnow)


class UserSession(SQLModel, table=True):
    """A portal login, held on the server: the signed cookie carries only a random key, whose SHA-256 is
    stored. Logging out, a password change (for the user's other sessions), disabling the account, or the
    user or an administrator ending it sets ``ended_at``; from then on the cookie counts for nothing, even a
    copy taken before."""

    __tablename__ = "user_session"
    __table_args__ = (sa.Index("ix_user_session_user_ended", "user_id", "ended_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user_account.id")
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    address: str = Field(default="", max_length=64)
    user_agent: str = Field(default="", max_length=200)
    ended_at: datetime | None = None
    ended_by: str | None = Field(default=None, max_length=64)
    end_reason: str | None = Field(default=None, max_length=24)


class CredentialVersion(SQLModel, table=True):
    """One row: a counter raised, in the same transaction, by any change of what an actor is made of (a
    token, an account, an agency, an authorisation; PostgreSQL triggers of migration 0038). A process that
    remembers who a token stands for compares it with the version it read the token at
    (``web/token_cache.py``)."""

    __tablename__ = "credential_version"

    id: int = Field(primary_key=True)
    n: int = Field(default=0, sa_type=sa.BigInteger)
