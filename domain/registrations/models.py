"""Registration-only units' registrations (排污登记) and their revisions.

One registration per production site, like a permit (see docs/sites-and-registrations.md): its number is the
unit's credit code, the site's three digits and W. A change, renewal or cancellation keeps the row
and writes a new revision holding the whole form as it then stood; revisions are never changed.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain import base
from domain.clock import utcnow
from domain.registrations.rules import RegistrationStatus, RevisionKind


class DischargeRegistration(SQLModel, table=True):
    __tablename__ = "discharge_registration"
    __table_args__ = (
        sa.CheckConstraint(
            base.sql_in("status", tuple(s.value for s in RegistrationStatus)), name="status_known"
        ),
        sa.CheckConstraint("valid_from <= valid_until", name="validity_ordered"),
        sa.Index("ix_discharge_registration_region_industry", "region_code", "industry_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=22, unique=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    site_id: int = Field(foreign_key="production_site.id", unique=True)
    # The site's, copied so that lists filter and count without a join (kept in step on change).
    region_code: str = Field(max_length=6)
    industry_code: str = Field(max_length=4)
    status: str = Field(max_length=16)
    first_registered_on: date
    valid_from: date
    valid_until: date = Field(index=True)
    production_process: str = Field(max_length=1000)
    outlets: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    discharge_destination: str = Field(max_length=300)
    control_facilities: str = Field(max_length=500)
    emission_standards: str = Field(max_length=300)
    contact_person: str = Field(max_length=50)
    contact_phone: str = Field(max_length=20)
    cancelled_on: date | None = None
    cancellation_reason: str = Field(default="", max_length=500)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class RegistrationRevision(SQLModel, table=True):
    """The whole registration form after one act (registered, changed, renewed, cancelled)."""

    __tablename__ = "registration_revision"
    __table_args__ = (
        sa.UniqueConstraint("registration_id", "version", name="uq_registration_revision_version"),
        sa.CheckConstraint(base.sql_in("kind", tuple(k.value for k in RevisionKind)), name="kind_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="discharge_registration.id", index=True)
    version: int
    kind: str = Field(max_length=16)
    data: dict[str, Any] = Field(sa_type=sa.JSON)
    changed_fields: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    # For a change: the day the facts changed, and whether the change was filed after its 20 days.
    changed_on: date | None = None
    late: bool = Field(default=False)
    note: str = Field(default="", max_length=500)
    recorded_at: datetime = Field(default_factory=utcnow)
    recorded_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    recorded_by_username: str | None = Field(default=None, max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
