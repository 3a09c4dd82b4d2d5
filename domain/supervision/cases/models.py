"""Enforcement cases (行政处罚案件), the decisions taken on leads, the cases' steps and documents.

A lead (``domain.reports.models.EnforcementLead``) belongs to reports, below supervision, which writes it
and never reads it back; what the enforcement side decided about it is kept here, one row per lead
(``LeadDecision``), so reports stays unaware of supervision and the lead's own row is never rewritten. A
case's fields are filled step by step (opened, decided, closed); each step is also kept as a row with
what it set, who, for whom and when.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain import base
from domain.clock import utcnow

# 无证排污 / 不按证排污 / 其他: the first two make the public lists of M48 §39 and AP (7).
CLASSIFICATIONS = ("without_permit", "against_permit", "other")
CASE_STATUSES = ("open", "decided", "closed")
LEAD_OUTCOMES = ("dismissed", "case")
CASE_STEP_KINDS = ("open", "decide", "close", "document")
DOCUMENT_KINDS = ("record", "notice", "decision", "evidence", "other")


class LeadDecision(SQLModel, table=True):
    """What the enforcement brigade did with a lead: dismissed it with a reason, or opened a case."""

    __tablename__ = "lead_decision"
    __table_args__ = (sa.CheckConstraint(base.sql_in("outcome", LEAD_OUTCOMES), name="outcome_known"),)

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int = Field(foreign_key="enforcement_lead.id", unique=True)
    outcome: str = Field(max_length=12)
    reason: str = Field(default="", max_length=1000)
    case_id: int | None = Field(default=None, foreign_key="enforcement_case.id")
    decided_at: datetime = Field(default_factory=utcnow)
    decided_by: str = Field(max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)


class EnforcementCase(SQLModel, table=True):
    """One case against one unit: facts, legal basis, decision, penalty, dates."""

    __tablename__ = "enforcement_case"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("classification", CLASSIFICATIONS), name="classification_known"),
        sa.CheckConstraint(base.sql_in("status", CASE_STATUSES), name="status_known"),
        sa.CheckConstraint("penalty_cents IS NULL OR penalty_cents >= 0", name="penalty_not_negative"),
        sa.Index("ix_enforcement_case_region_status", "region_code", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    lead_id: int | None = Field(default=None, foreign_key="enforcement_lead.id", unique=True)
    region_code: str = Field(max_length=6)
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id", index=True)
    unit_name: str = Field(max_length=200)
    permit_id: int | None = Field(default=None, foreign_key="permit.id", index=True)
    outlet_code: str = Field(default="", max_length=16)
    classification: str = Field(max_length=16)
    facts: str = Field(max_length=5000)
    legal_basis: str = Field(max_length=500)
    status: str = Field(default="open", max_length=8)
    opened_on: date
    case_number: str = Field(default="", max_length=64)  # 处罚决定书文号
    decision: str = Field(default="", max_length=5000)
    # Yuan held as whole fen: exact on both databases (SQLite has no decimal type).
    penalty_cents: int | None = Field(default=None, sa_type=sa.BigInteger)
    measures: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    decided_on: date | None = None
    closed_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)


class CaseStep(SQLModel, table=True):
    """One step of a case, with what it set: the case's history, never edited."""

    __tablename__ = "case_step"
    __table_args__ = (sa.CheckConstraint(base.sql_in("kind", CASE_STEP_KINDS), name="kind_known"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="enforcement_case.id", index=True)
    kind: str = Field(max_length=12)
    values: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)


class CaseDocument(SQLModel, table=True):
    """A document of a case (笔录, 告知书, 处罚决定书, evidence), stored with its hash, type and size."""

    __tablename__ = "case_document"
    __table_args__ = (sa.CheckConstraint(base.sql_in("kind", DOCUMENT_KINDS), name="kind_known"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="enforcement_case.id", index=True)
    kind: str = Field(max_length=12)
    file_name: str = Field(max_length=200)
    media_type: str = Field(max_length=64)
    size: int
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
