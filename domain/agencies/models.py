"""Third-party technical service agencies (第三方技术服务机构): registration, authorisations, credit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain import base
from domain.clock import utcnow

AGENCY_STATUSES = ("pending", "approved", "rejected", "suspended")
SERVICE_SCOPES = ("ledger", "reports", "self_monitoring", "facility_operation")


class Agency(SQLModel, table=True):
    __tablename__ = "agency"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("status", AGENCY_STATUSES), name="status_known"),
        sa.CheckConstraint("length(credit_code) = 18", name="credit_code_length"),
    )

    id: int | None = Field(default=None, primary_key=True)
    credit_code: str = Field(max_length=18, unique=True)
    name: str = Field(max_length=200, index=True)
    address: str = Field(max_length=300)
    region_code: str = Field(max_length=6)
    contact_person: str = Field(max_length=50)
    contact_phone: str = Field(max_length=20)
    service_types: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    qualifications: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    status: str = Field(default="pending", max_length=12)
    status_reason: str = Field(default="", max_length=1000)
    status_changed_at: datetime | None = None
    status_changed_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class AgencyAuthorisation(SQLModel, table=True):
    """委托授权: an enterprise lets an approved agency act for it, for some scopes and a time window."""

    __tablename__ = "agency_authorisation"
    __table_args__ = (
        sa.CheckConstraint("valid_until >= valid_from", name="window_ordered"),
        sa.Index("ix_agency_authorisation_agency_enterprise", "agency_id", "enterprise_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id")
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    scopes: list[str] = Field(sa_type=sa.JSON)
    valid_from: date
    valid_until: date
    contract_number: str = Field(max_length=64)
    contract_file_name: str = Field(default="", max_length=200)
    contract_file: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str = Field(max_length=64)
    revoked_at: datetime | None = None
    revoked_by: str | None = Field(default=None, max_length=64)
    revoke_reason: str = Field(default="", max_length=500)


class CreditEvent(SQLModel, table=True):
    """One reason an agency's credit score moved: computed from events, never edited by hand."""

    __tablename__ = "credit_event"
    __table_args__ = (
        sa.UniqueConstraint("agency_id", "kind", "source_type", "source_id", name="uq_credit_event_source"),
        sa.Index("ix_credit_event_agency_occurred", "agency_id", "occurred_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    agency_id: int = Field(foreign_key="agency.id")
    kind: str = Field(max_length=32)
    points: float
    source_type: str = Field(max_length=32)  # submission, finding, feedback_form, inspection, training
    source_id: str = Field(max_length=64)
    note: str = Field(default="", max_length=1000)
    public: bool = Field(default=False)  # serious problems are disclosed on the credit page (AP action 40)
    occurred_at: datetime = Field(default_factory=utcnow)
    recorded_by: str | None = Field(default=None, max_length=64)
