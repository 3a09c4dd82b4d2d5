"""Tables of inspections: plan lines, draws and their picks, inspection records and their checklist items.

Nothing here is overwritten: a plan line is written once per unit, kind and period (regenerating the plan
adds what is missing), a draw with its picks once, a record with its items once. Whether a plan line is
done is read from the records, never stored on the line.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain import base
from domain.clock import utcnow
from domain.supervision.inspections.rules import Basis, InspectionKind, ItemResult, Pool

_KINDS = tuple(k.value for k in InspectionKind)


class InspectionPlanLine(SQLModel, table=True):
    """One visit the frequency rules make due (PT §6-7): a unit (its permit or registration), a kind, a
    period and the day by which it is due."""

    __tablename__ = "inspection_plan_line"
    __table_args__ = (
        sa.UniqueConstraint("kind", "subject", "basis", "period", name="uq_inspection_plan_line_period"),
        sa.CheckConstraint(base.sql_in("kind", _KINDS), name="kind_known"),
        sa.CheckConstraint(base.sql_in("basis", tuple(b.value for b in Basis)), name="basis_known"),
        sa.CheckConstraint("starts_on <= due_on", name="window_ordered"),
        sa.Index("ix_inspection_plan_line_region_due", "region_code", "due_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    # "permit:<id>" or "registration:<id>": what is inspected, one key for both kinds of unit.
    subject: str = Field(max_length=32)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    permit_id: int | None = Field(default=None, foreign_key="permit.id")
    registration_id: int | None = Field(default=None, foreign_key="discharge_registration.id")
    region_code: str = Field(max_length=6)
    basis: str = Field(max_length=32)
    period: str = Field(max_length=24)
    starts_on: date
    due_on: date
    draw_id: int | None = Field(default=None, foreign_key="inspection_draw.id")
    created_at: datetime = Field(default_factory=utcnow)
    created_by_username: str | None = Field(default=None, max_length=64)


class InspectionDraw(SQLModel, table=True):
    """A double-random draw (双随机), published with everything needed to draw it again: the seed, the
    sorted pool and roster (and their hashes), the parameters and who went last to each unit."""

    __tablename__ = "inspection_draw"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("kind", _KINDS), name="kind_known"),
        sa.CheckConstraint(base.sql_in("pool", tuple(p.value for p in Pool)), name="pool_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=32, unique=True)
    kind: str = Field(max_length=16)
    region_code: str = Field(max_length=6, index=True)
    year: int
    pool: str = Field(max_length=16)
    industry_code: str = Field(default="", max_length=4)
    seed: str = Field(max_length=24)  # a 63-bit integer as text (JSON and some clients lose precision)
    pool_size: int
    pool_members: list[int] = Field(default_factory=list, sa_type=sa.JSON)
    pool_hash: str = Field(max_length=64)
    roster: list[int] = Field(default_factory=list, sa_type=sa.JSON)
    roster_hash: str = Field(max_length=64)
    units_wanted: int
    per_visit: int
    # {member id: [user ids]} of each member's last visit: the "not twice in a row" rule's input.
    last_inspectors: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    # {member id: weight} of the members weighing more than 1 (credit 警示 / 不良; rules.draw's weights).
    member_weights: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False, server_default=sa.text("'{}'"))
    )
    drawn_at: datetime = Field(default_factory=utcnow)
    drawn_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    drawn_by_username: str | None = Field(default=None, max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)


class InspectionDrawPick(SQLModel, table=True):
    """A unit a draw picked and the inspectors drawn to visit it."""

    __tablename__ = "inspection_draw_pick"
    __table_args__ = (sa.UniqueConstraint("draw_id", "position", name="uq_inspection_draw_pick_position"),)

    id: int | None = Field(default=None, primary_key=True)
    draw_id: int = Field(foreign_key="inspection_draw.id", index=True)
    position: int
    member: int
    subject: str = Field(max_length=32)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    region_code: str = Field(max_length=6)
    inspector_ids: list[int] = Field(default_factory=list, sa_type=sa.JSON)


class InspectionRecord(SQLModel, table=True):
    """An inspection (执法检查) or an enforcement-monitoring visit (执法监测) on its checklist."""

    __tablename__ = "inspection_record"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("kind", _KINDS), name="kind_known"),
        sa.Index("ix_inspection_record_subject_kind_on", "subject", "kind", "inspected_on"),
        sa.Index("ix_inspection_record_region_on", "region_code", "inspected_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=32, unique=True)
    kind: str = Field(max_length=16)
    subject: str = Field(max_length=32)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    permit_id: int | None = Field(default=None, foreign_key="permit.id", index=True)
    registration_id: int | None = Field(default=None, foreign_key="discharge_registration.id")
    region_code: str = Field(max_length=6)
    inspected_on: date
    inspector_ids: list[int] = Field(default_factory=list, sa_type=sa.JSON)
    draw_pick_id: int | None = Field(default=None, foreign_key="inspection_draw_pick.id")
    summary: str = Field(default="", max_length=2000)
    findings: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_by_username: str | None = Field(default=None, max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)


class InspectionItem(SQLModel, table=True):
    """One checklist item of a record: passed, failed (a finding) or not applicable, with a note."""

    __tablename__ = "inspection_item"
    __table_args__ = (
        sa.UniqueConstraint("record_id", "code", name="uq_inspection_item_code"),
        sa.CheckConstraint(base.sql_in("result", tuple(r.value for r in ItemResult)), name="result_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="inspection_record.id", index=True)
    code: str = Field(max_length=8)
    result: str = Field(max_length=16)
    note: str = Field(default="", max_length=500)
