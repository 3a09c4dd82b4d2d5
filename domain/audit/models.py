"""The audit trail: one row per write, who, on whose behalf, when, and what changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain import base  # noqa: F401  (naming convention before any table)
from domain.clock import utcnow


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    __table_args__ = (
        sa.Index("ix_audit_entry_object", "object_type", "object_id"),
        # The unit's own trail (its administrator's page), newest first.
        sa.Index("ix_audit_entry_enterprise", "enterprise_id", "occurred_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(default_factory=utcnow)  # ordered within a unit: ix_audit_entry_enterprise
    actor_user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    actor_username: str | None = Field(default=None, max_length=64)
    actor_role: str | None = Field(default=None, max_length=32)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    channel: str = Field(max_length=16)
    request_id: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=64)  # no query selects by it (migration 0046)
    object_type: str = Field(max_length=32)
    object_id: str = Field(max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    # The unit the change concerns (its permit, ledger, report, rectification...), or none for what is no
    # unit's (an agency's registration, a holiday year, a user's own tokens): whose trail it belongs to.
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id")
