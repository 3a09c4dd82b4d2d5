"""Tables of problems and rectification (AP (5); PT §5-8; docs/supervision.md).

- ``Problem``: what was found, where (unit, permit, outlet), from which source (unique per source, so a
  source raised twice is one problem), on what legal basis and evidence, owned by which department.
- ``RectificationItem``: the fixing a problem requires (measures, deadline, responsible person at the
  unit) and its state, kept consistent with its steps by the use cases (``rules.next_state``).
- ``RectificationStep``: one row per step (required, progress, verification, re-check, closure,
  reopening), append-only (database triggers refuse UPDATE and DELETE), with who, for whom and when.
- ``RectificationAttachment``: a file the unit attached to a progress report, with its SHA-256, served
  only to whoever may see the problem.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain import base
from domain.clock import utcnow
from domain.supervision.problems.rules import (
    OUTCOMES,
    PROBLEM_STATES,
    SOURCE_KINDS,
    STATES,
    STEP_KINDS,
    VERIFY_METHODS,
)


class Problem(SQLModel, table=True):
    __tablename__ = "problem"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("source_kind", SOURCE_KINDS), name="source_kind_known"),
        sa.CheckConstraint(base.sql_in("state", PROBLEM_STATES), name="state_known"),
        sa.UniqueConstraint("source_kind", "source_ref", name="uq_problem_source"),
        sa.Index("ix_problem_region_state", "region_code", "state"),
        sa.Index("ix_problem_enterprise_state", "enterprise_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id")
    permit_id: int | None = Field(default=None, foreign_key="permit.id", index=True)
    # The unit's (or the permit's) region and industry when raised: who may see it, and the board's rows.
    region_code: str = Field(max_length=6)
    industry_code: str = Field(max_length=4)
    outlet_code: str | None = Field(default=None, max_length=16)
    source_kind: str = Field(max_length=16)
    source_ref: str = Field(max_length=120)
    title: str = Field(max_length=200)
    description: str = Field(max_length=4000)
    legal_basis: str = Field(max_length=500)
    evidence: str = Field(max_length=2000)
    department: str = Field(max_length=32)
    # open (no rectification required yet), rectifying, verified, closed: the item's state, kept here too
    # so that lists and the board read one table.
    state: str = Field(default="open", max_length=12)
    raised_at: datetime = Field(default_factory=utcnow)
    raised_by: str = Field(max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    # closed off (销号) or dismissed: when the problem left the open count
    closed_at: datetime | None = None
    # Dismissed as unfounded (``dismiss_problem``): why, and who decided.
    dismissal_reason: str | None = Field(default=None, max_length=2000)
    dismissed_by: str | None = Field(default=None, max_length=64)


class RectificationItem(SQLModel, table=True):
    __tablename__ = "rectification_item"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("state", STATES), name="state_known"),
        sa.Index("ix_rectification_item_state_deadline", "state", "deadline"),
    )

    id: int | None = Field(default=None, primary_key=True)
    problem_id: int = Field(foreign_key="problem.id", unique=True)
    measures: str = Field(max_length=4000)
    deadline: date
    responsible_person: str = Field(max_length=50)
    state: str = Field(default="rectifying", max_length=12)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=64)
    last_progress_at: datetime | None = None
    verified_at: datetime | None = None
    closed_at: datetime | None = None
    rechecked_at: datetime | None = None


class RectificationStep(SQLModel, table=True):
    __tablename__ = "rectification_step"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("kind", STEP_KINDS), name="kind_known"),
        sa.CheckConstraint(f"method IS NULL OR {base.sql_in('method', VERIFY_METHODS)}", name="method_known"),
        sa.CheckConstraint(f"outcome IS NULL OR {base.sql_in('outcome', OUTCOMES)}", name="outcome_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="rectification_item.id", index=True)
    kind: str = Field(max_length=12)
    at: datetime = Field(default_factory=utcnow)
    actor: str = Field(max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    # The actor's department when a regulator acted (a role value), else None.
    department: str | None = Field(default=None, max_length=32)
    note: str = Field(default="", max_length=4000)
    # progress: the China month it reports on (YYYY-MM) and its figures [{name, value, unit}]
    month: str | None = Field(default=None, max_length=7)
    figures: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    # verification: on site or on paper; verification and re-check: passed or failed
    method: str | None = Field(default=None, max_length=8)
    outcome: str | None = Field(default=None, max_length=8)
    # re-check: what was sampled (which outlets, records, facilities)
    sample: str = Field(default="", max_length=500)
    # required and reopening: the deadline (and measures, responsible person) set by this step
    deadline: date | None = None
    measures: str = Field(default="", max_length=4000)
    responsible_person: str = Field(default="", max_length=50)
    # the item's state after this step
    state_after: str = Field(max_length=12)


class RectificationAttachment(SQLModel, table=True):
    __tablename__ = "rectification_attachment"

    id: int | None = Field(default=None, primary_key=True)
    step_id: int = Field(foreign_key="rectification_step.id", index=True)
    item_id: int = Field(foreign_key="rectification_item.id", index=True)
    file_name: str = Field(max_length=200)
    media_type: str = Field(max_length=80)
    size: int
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_type=sa.LargeBinary)
    uploaded_at: datetime = Field(default_factory=utcnow)
    uploaded_by: str = Field(max_length=64)
