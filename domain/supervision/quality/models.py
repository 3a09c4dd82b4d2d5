"""Tables of the permit quality audit (docs/supervision.md, "Permit quality").

- ``QualityAudit``: one run of the quality rules over one permit version (the daily run or on demand),
  with its findings (``QualityFinding``); a version's latest run is what its page shows.
- ``QualityFindingRow``: a finding of a run: rule, field, figures, basis, and the problem it raised (one
  problem per permit version and rule, ``Problem.source_ref``).
- ``QualityCampaign``: a hand check of a sample of permits (a random sample with its recorded seed, or a
  targeted list), open until it is closed.
- ``QualityCheck``: one permit of a campaign, the version checked, and when its checklist was completed.
- ``QualityCheckItem``: one checklist line (from a rule or by hand) and its recorded result.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain import base
from domain.clock import utcnow

CAMPAIGN_KINDS = ("random", "targeted")
CAMPAIGN_STATES = ("open", "closed")
ITEM_RESULTS = ("passed", "failed", "not_applicable")


class QualityAudit(SQLModel, table=True):
    __tablename__ = "quality_audit"
    __table_args__ = (sa.Index("ix_quality_audit_permit_version", "permit_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="permit.id")
    version: int
    enterprise_id: int = Field(foreign_key="enterprise.id")
    region_code: str = Field(max_length=6)
    trigger: str = Field(max_length=12)  # daily / on_demand
    ran_at: datetime = Field(default_factory=utcnow)
    ran_by: str = Field(max_length=64)
    finding_count: int = 0


class QualityFindingRow(SQLModel, table=True):
    __tablename__ = "quality_finding"

    id: int | None = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="quality_audit.id", index=True)
    rule_code: str = Field(max_length=8)
    field: str = Field(max_length=120)
    params: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    basis: str = Field(max_length=300)
    source_rule: str = Field(default="", max_length=16)
    problem_id: int | None = Field(default=None, foreign_key="problem.id")


class QualityCampaign(SQLModel, table=True):
    __tablename__ = "quality_campaign"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("kind", CAMPAIGN_KINDS), name="kind_known"),
        sa.CheckConstraint(base.sql_in("state", CAMPAIGN_STATES), name="state_known"),
        sa.Index("ix_quality_campaign_region_state", "region_code", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    region_code: str = Field(max_length=6)
    kind: str = Field(max_length=10)
    seed: str | None = Field(default=None, max_length=24)  # a random sample's seed (decimal)
    pool_size: int = 0
    pool_hash: str = Field(default="", max_length=64)
    sample_size: int = 0
    state: str = Field(default="open", max_length=8)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    closed_at: datetime | None = None
    closed_by: str | None = Field(default=None, max_length=64)
    conclusion: str = Field(default="", max_length=2000)


class QualityCheck(SQLModel, table=True):
    __tablename__ = "quality_check"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "permit_id", name="uq_quality_check_permit"),
        sa.Index("ix_quality_check_permit_checked", "permit_id", "checked_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="quality_campaign.id", index=True)
    permit_id: int = Field(foreign_key="permit.id")
    version: int
    enterprise_id: int = Field(foreign_key="enterprise.id")
    region_code: str = Field(max_length=6)
    checked_at: datetime | None = None  # every item recorded: the permit counts as quality-checked
    checked_by: str | None = Field(default=None, max_length=64)


class QualityCheckItem(SQLModel, table=True):
    __tablename__ = "quality_check_item"
    __table_args__ = (
        sa.UniqueConstraint("check_id", "code", name="uq_quality_check_item_code"),
        sa.CheckConstraint(f"result IS NULL OR {base.sql_in('result', ITEM_RESULTS)}", name="result_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    check_id: int = Field(foreign_key="quality_check.id", index=True)
    position: int
    code: str = Field(max_length=16)  # PQ01… or H1… (hand items)
    result: str | None = Field(default=None, max_length=16)
    note: str = Field(default="", max_length=1000)
    recorded_at: datetime | None = None
    recorded_by: str | None = Field(default=None, max_length=64)
