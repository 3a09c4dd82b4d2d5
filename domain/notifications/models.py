"""Outgoing mail (an outbox written with the change that causes it) and the notification centre."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain import base
from domain.clock import utcnow

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed")


class OutboxMessage(SQLModel, table=True):
    """One e-mail to one recipient. Workers claim it, send it, and mark it; nothing is ever deleted."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("status", OUTBOX_STATUSES), name="status_known"),
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # The same reminder for the same object, lead time and recipient is written once, ever.
    dedupe_key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=48)
    recipient_user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    body_text: str
    body_html: str
    status: str = Field(default="pending", max_length=8)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_at: datetime | None = None
    claimed_by: str | None = Field(default=None, max_length=64)
    last_error: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class Notification(SQLModel, table=True):
    """What a user was told, shown in the portal's notification centre whether or not mail went out."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_user_created", "user_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200, unique=True)
    user_id: int = Field(foreign_key="user_account.id")
    kind: str = Field(max_length=48)
    title: str = Field(max_length=300)
    body: str
    link: str = Field(default="", max_length=300)
    emailed: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None


class NotificationPreference(SQLModel, table=True):
    """A user's choice to receive e-mail for one kind of notice (legally required notices ignore it)."""

    __tablename__ = "notification_preference"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind", name="uq_notification_preference_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id")
    kind: str = Field(max_length=48)
    email_enabled: bool = Field(default=True)
    updated_at: datetime = Field(default_factory=utcnow)
