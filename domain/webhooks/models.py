"""Webhook endpoints and their deliveries."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain import base
from domain.clock import utcnow

DELIVERY_STATUSES = ("pending", "sending", "delivered", "failed")


class WebhookEndpoint(SQLModel, table=True):
    """A URL told of the feed's events of some types that its owner may read. The secret signs each
    delivery (HMAC-SHA256); it is kept in clear because signing needs it, and shown to the owner only
    when made (registration, rotation)."""

    __tablename__ = "webhook_endpoint"

    id: int | None = Field(default=None, primary_key=True)
    owner_user_id: int = Field(foreign_key="user_account.id", index=True)
    # The owner's unit (the audit trail's), None for a regulator or the administrator.
    enterprise_id: int | None = Field(default=None)
    url: str = Field(max_length=2000)
    # The feed's object types, space-separated (domain.changes.kinds.ObjectType).
    event_types: str = Field(max_length=400)
    secret: str = Field(max_length=80)
    active: bool = Field(default=True)
    # Where in the feed the endpoint has been given every event up to (domain.feed cursor's keys).
    feed_xid: int = Field(sa_column=sa.Column(sa.BigInteger(), nullable=False, server_default=sa.text("0")))
    feed_event_id: int = Field(default=0, sa_type=sa.BigInteger)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None)
    updated_at: datetime = Field(default_factory=utcnow)
    secret_rotated_at: datetime = Field(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint: sent by the worker, retried with back-off, then delivered or failed.
    A replay is a new delivery of the same event, marked so."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("status", DELIVERY_STATUSES), name="status_known"),
        sa.UniqueConstraint("endpoint_id", "event_id", "replay", name="uq_webhook_delivery_event"),
        sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        sa.Index("ix_webhook_delivery_endpoint", "endpoint_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id")
    event_id: int = Field(foreign_key="change_event.id", sa_type=sa.BigInteger)
    # 0: the event's delivery as it happened; 1, 2…: its replays, in order.
    replay: int = Field(default=0)
    status: str = Field(default="pending", max_length=10)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_at: datetime | None = None
    claimed_by: str | None = Field(default=None, max_length=64)
    last_attempt_at: datetime | None = None
    last_status_code: int | None = None
    last_error: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None
