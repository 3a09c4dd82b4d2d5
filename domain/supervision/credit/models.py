"""A unit's credit events: one row per reason its score moved, voided (with who, when and why) but never
edited or deleted."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain.clock import utcnow


class UnitCreditEvent(SQLModel, table=True):
    __tablename__ = "unit_credit_event"
    __table_args__ = (
        # One event per record and kind: the daily derivation run twice adds nothing, and an event voided
        # is never derived again.
        sa.UniqueConstraint(
            "enterprise_id", "kind", "source_type", "source_id", name="uq_unit_credit_event_source"
        ),
        sa.CheckConstraint("(voided_at IS NULL) = (voided_by IS NULL)", name="void_complete"),
        sa.Index("ix_unit_credit_event_unit_occurred", "enterprise_id", "occurred_at"),
        sa.Index("ix_unit_credit_event_region", "region_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id")
    region_code: str = Field(max_length=6)  # the unit's region when recorded: who may read it
    kind: str = Field(max_length=32)
    points: float
    source_type: str = Field(max_length=16)  # case, card, grade, listing, problem, rectification, report…
    source_id: str = Field(max_length=64)  # the record's id or number, as its page names it
    occurred_at: datetime  # when the record made it happen (a decision's day, a deadline passed)
    note: str = Field(default="", max_length=1000)  # what the record says, in words
    basis: str = Field(default="", max_length=500)  # a recorded event's legal or policy basis (依据)
    evidence: str = Field(default="", max_length=500)  # a recorded event's evidence (document number…)
    public: bool = Field(default=False)
    manual: bool = Field(default=False)
    recorded_at: datetime = Field(default_factory=utcnow)  # when the event was written
    recorded_by: str = Field(max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    voided_at: datetime | None = None
    voided_by: str | None = Field(default=None, max_length=64)
    void_reason: str = Field(default="", max_length=1000)
