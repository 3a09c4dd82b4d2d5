"""The filing rollup's tables: the counts, the marks of what changed since, and how far the counts reach."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain.clock import utcnow


class FilingRollup(SQLModel, table=True):
    """Reports of one kind and period owed by the permits in force of one district and industry and due on
    one date (a permit's copy may set its own due days), how many of them were submitted, and how many on
    time (the figures of ``reports.queries.statistics`` and of the leaders' filing half)."""

    __tablename__ = "filing_rollup"
    __table_args__ = (
        sa.UniqueConstraint(
            "region_code", "industry_code", "kind", "period", "due_date", name="uq_filing_rollup_cell"
        ),
        sa.Index("ix_filing_rollup_kind_period", "kind", "period", "region_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    region_code: str = Field(max_length=6)
    industry_code: str = Field(max_length=4)
    kind: str = Field(max_length=16)
    period: str = Field(max_length=8)
    due_date: date
    due: int = 0
    submitted: int = 0
    on_time: int = 0


class FilingOverdue(SQLModel, table=True):
    """One report owed and not submitted, of a period that had ended when its district was counted: the
    rows of the dashboard's overdue list (催报), read a page at a time by index instead of planning every
    unfiled permit per request. Kept with the counts (same marks, same rounds)."""

    __tablename__ = "filing_overdue"
    __table_args__ = (
        sa.UniqueConstraint("permit_id", "kind", "period", name="uq_filing_overdue_report"),
        sa.Index("ix_filing_overdue_kind_period", "kind", "period", "region_code"),
        # The list's default order (permit number), read in order with its LIMIT (migration 0044).
        sa.Index("ix_filing_overdue_page", "kind", "period", "permit_number", "permit_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    region_code: str = Field(max_length=6)
    industry_code: str = Field(max_length=4)
    permit_id: int  # no foreign key, as the marks: a deleted permit's rows go at its district's recount
    # The permit's number and unit when counted (a permit's change leaves a mark, ``marks``): the list is
    # ordered, counted and read under the reader's access from these rows alone, the permit read only
    # for the page's rows and for the rows a pending mark names (``statistics._overdue_rows``).
    permit_number: str = Field(default="", max_length=22, sa_column_kwargs={"server_default": ""})
    enterprise_id: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    kind: str = Field(max_length=16)
    period: str = Field(max_length=8)
    due_date: date


class FilingRollupMark(SQLModel, table=True):
    """Something that may change the rollup, written in the same transaction as the change: a whole
    district (``region_code``), a permit (``permit_id``: its district now), or one report of a permit
    (``permit_id``, ``kind``, ``period``). The worker recounts what the marks name and deletes them."""

    __tablename__ = "filing_rollup_mark"

    id: int | None = Field(default=None, primary_key=True)
    region_code: str | None = Field(default=None, max_length=6)
    permit_id: int | None = (
        None  # no foreign key: a mark outlives nothing, and a deleted permit is counted out
    )
    kind: str | None = Field(default=None, max_length=16)
    period: str | None = Field(default=None, max_length=8)
    marked_at: datetime = Field(default_factory=utcnow)


class FilingRollupState(SQLModel, table=True):
    """One row: the counts include every change committed before ``counted_at`` (None: never counted)."""

    __tablename__ = "filing_rollup_state"

    id: int = Field(default=1, primary_key=True)
    counted_at: datetime | None = None
    rebuilt_at: datetime | None = None
    # The overdue rows hold every period that had ended by this day (China time); a round on a later day
    # first counts the periods that ended since (``counting.refresh``).
    overdue_through: date | None = None
