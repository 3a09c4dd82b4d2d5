"""The positive list's entries and the yellow cards: rows written once, a removal filled in once.

An entry is a unit's stay on the list, from the decision that admitted it to the day it was removed (by a
second yellow card of a calendar year, or by a decision); a unit's history is its entries in order. A
yellow card is one minor violation exempted from penalty, named by the record it came from."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain import base
from domain.clock import utcnow

REMOVAL_REASONS = ("yellow_cards", "decision")
CARD_SOURCES = ("case", "inspection")


class PositiveListEntry(SQLModel, table=True):
    __tablename__ = "positive_list_entry"
    __table_args__ = (
        sa.CheckConstraint(
            "removal_reason IS NULL OR " + base.sql_in("removal_reason", REMOVAL_REASONS), name="reason_known"
        ),
        sa.CheckConstraint("removed_on IS NULL OR removed_on >= entered_on", name="removed_after_entered"),
        sa.Index("ix_positive_list_entry_region_removed", "region_code", "removed_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    region_code: str = Field(max_length=6)
    entered_on: date
    basis: str = Field(max_length=1000)  # the decision and its grounds (依据)
    decided_by: str = Field(max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    recorded_at: datetime = Field(default_factory=utcnow)
    removed_on: date | None = None
    removal_reason: str | None = Field(default=None, max_length=16)
    removal_note: str = Field(default="", max_length=1000)
    removed_by: str | None = Field(default=None, max_length=64)
    removal_recorded_at: datetime | None = None


class YellowCard(SQLModel, table=True):
    __tablename__ = "yellow_card"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("source_kind", CARD_SOURCES), name="source_known"),
        sa.UniqueConstraint("source_kind", "source_ref", name="uq_yellow_card_source"),
        sa.Index("ix_yellow_card_enterprise_issued", "enterprise_id", "issued_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id")
    region_code: str = Field(max_length=6)
    issued_on: date  # the day of the violation's decision: it counts in that calendar year
    source_kind: str = Field(max_length=16)
    source_ref: str = Field(max_length=64)
    violation: str = Field(max_length=1000)
    issued_by: str = Field(max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    recorded_at: datetime = Field(default_factory=utcnow)
