"""Grade decisions: one row per decision, never edited (a later decision for the same unit and year
replaces the earlier one as the grade in force; both are kept)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain import base
from domain.clock import utcnow

GRADES = ("excellent", "qualified", "unqualified")


class GradeDecision(SQLModel, table=True):
    __tablename__ = "grade_decision"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("grade", GRADES), name="grade_known"),
        sa.CheckConstraint(base.sql_in("proposed_grade", GRADES), name="proposed_known"),
        sa.Index("ix_grade_decision_year_region", "year", "region_code"),
        sa.Index("ix_grade_decision_enterprise_year", "enterprise_id", "year"),
    )

    id: int | None = Field(default=None, primary_key=True)
    year: int  # the year graded (the grading takes place early in the next)
    region_code: str = Field(max_length=6)
    enterprise_id: int = Field(foreign_key="enterprise.id")
    grade: str = Field(max_length=12)
    proposed_grade: str = Field(max_length=12)
    reason: str = Field(default="", max_length=1000)
    grounds: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)  # as proposed then
    decided_by: str = Field(max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    decided_at: datetime = Field(default_factory=utcnow)
