"""The change feed's append-only event table."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain import base  # noqa: F401  (naming convention before any table)
from domain.clock import utcnow

# On PostgreSQL every row carries the id of the transaction that wrote it (the column's default, see
# migration 0027); the feed serves only rows of transactions older than every one still running, so a
# transaction that commits late never lands behind a cursor already served. SQLite serialises writers:
# the id order is the commit order there and the column stays 0.
XID_DEFAULT_POSTGRESQL = "(pg_current_xact_id()::text::bigint)"


class ChangeEvent(SQLModel, table=True):
    __tablename__ = "change_event"
    __table_args__ = (
        sa.Index("ix_change_event_order", "xid", "id"),
        sa.Index("ix_change_event_object", "object_type", "object_id"),
    )

    # 64-bit (migration 0045): every write adds an event, and the readings it names have 64-bit ids.
    id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    xid: int = Field(sa_column=sa.Column(sa.BigInteger(), nullable=False, server_default=sa.text("0")))
    occurred_at: datetime = Field(default_factory=utcnow)
    object_type: str = Field(max_length=24)
    object_id: int = Field(sa_type=sa.BigInteger)
    # What people call it (a permit number, a credit code...), as the audit trail names it.
    object_key: str = Field(max_length=64)
    change: str = Field(max_length=16)
    action: str = Field(max_length=64)
    enterprise_id: int | None = Field(default=None)
