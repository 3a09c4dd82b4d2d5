"""Tables of the permit register.

A permit's content (the copy 副本) is versioned: every issue, change or renewal
writes a new ``PermitVersion`` snapshot and a new set of outlet, limit, monitoring
and ledger-requirement rows under that version number. Rows of earlier versions
are never changed, so the history stays readable and later records (ledgers,
reports) can be judged against the limits that applied at their time.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, col

from domain import base
from domain.clock import utcnow
from domain.permits.reference import Frequency, LedgerRecordKind, Medium, MonitoringMethod, OutletKind
from domain.permits.rules import ApplicationKind, ApplicationStatus, PermitStatus


class Permit(SQLModel, table=True):
    __tablename__ = "permit"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("status", tuple(s.value for s in PermitStatus)), name="status_known"),
        sa.CheckConstraint(base.sql_in("category", ("key", "simplified")), name="category_known"),
        sa.CheckConstraint("valid_until IS NULL OR valid_from <= valid_until", name="validity_ordered"),
        sa.Index("ix_permit_status_valid_until", "status", "valid_until"),
        sa.Index("ix_permit_region_industry", "region_code", "industry_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str | None = Field(default=None, max_length=22, unique=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    # One permit per production site (Reg art. 6 ¶2): digits 19-21 of the number are the site's.
    site_id: int = Field(foreign_key="production_site.id", index=True)
    category: str = Field(max_length=16)
    status: str = Field(max_length=16)
    issuing_authority: str = Field(max_length=100)
    region_code: str = Field(max_length=6)
    industry_code: str = Field(max_length=4)
    renewed: bool = Field(default=False)
    decision_date: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    validity_cut_reason: str = Field(default="", max_length=300)
    # The ground of a cancellation (M48 §50), so lists such as "expired and not renewed" need no text search.
    cancellation_reason: str | None = Field(default=None, max_length=24)
    renewal_due: date | None = Field(default=None, index=True)
    renewal_due_approximate: bool = Field(default=False)
    content_version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Set on what a history import wrote (domain/history): its source and batch (docs/integrators.md).
    imported_from: str | None = Field(default=None, max_length=100)
    import_batch_id: int | None = None  # history_import.id (no foreign key: added in place, see 0030)


# The lists' order by expiry, permits without an end (not yet issued) last: a key that is never NULL, so
# that a page is read off ix_permit_expiry_order with its LIMIT (domain/permits/queries/register.py).
EXPIRY = sa.func.coalesce(col(Permit.valid_until), sa.literal_column("'9999-12-31'", sa.Date))
# PostgreSQL only (where the province runs): SQLite neither needs it nor reflects an expression index.
sa.Index("ix_permit_expiry_order", EXPIRY, col(Permit.id)).ddl_if(dialect="postgresql")


class PermitVersion(SQLModel, table=True):
    """A snapshot of the permit (original and copy) as it stood from one decision to the next."""

    __tablename__ = "permit_version"
    __table_args__ = (sa.UniqueConstraint("permit_id", "version", name="uq_permit_version_version"),)

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="permit.id", index=True)
    version: int
    reason: str = Field(max_length=24)
    application_id: int | None = Field(default=None, foreign_key="permit_application.id")
    category: str = Field(max_length=16)
    decision_date: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    basic_info: dict[str, Any] = Field(sa_type=sa.JSON)
    content: dict[str, Any] = Field(sa_type=sa.JSON)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_username: str | None = Field(default=None, max_length=64)
    # Set on what a history import wrote (domain/history): its source and batch (docs/integrators.md).
    imported_from: str | None = Field(default=None, max_length=100)
    import_batch_id: int | None = None  # history_import.id (no foreign key: added in place, see 0030)


class PermitOutlet(SQLModel, table=True):
    """An outlet (排放口) or fugitive source (无组织排放源) of one permit version."""

    __tablename__ = "permit_outlet"
    __table_args__ = (
        sa.UniqueConstraint("permit_id", "version", "code", name="uq_permit_outlet_code"),
        sa.CheckConstraint(
            "is_fugitive OR ("
            + base.sql_in("medium", tuple(m.value for m in Medium))
            + " AND "
            + base.sql_in("kind", tuple(k.value for k in OutletKind))
            + ")",
            name="outlet_medium_kind",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="permit.id")
    version: int
    code: str = Field(max_length=8)
    name: str = Field(max_length=100)
    is_fugitive: bool = Field(default=False)
    medium: str | None = Field(default=None, max_length=8)
    kind: str | None = Field(default=None, max_length=8)
    location: str = Field(default="", max_length=200)
    longitude: float | None = None
    latitude: float | None = None
    direction: str = Field(default="", max_length=200)
    height_m: float | None = None
    online_monitoring: bool = Field(default=False)


class PermitLimit(SQLModel, table=True):
    """A permitted concentration (and, where set, annual quantity) of one pollutant at one point."""

    __tablename__ = "permit_limit"
    __table_args__ = (
        sa.UniqueConstraint("permit_id", "version", "point_code", "pollutant", name="uq_permit_limit_point"),
        sa.CheckConstraint("concentration_limit > 0", name="concentration_positive"),
        sa.CheckConstraint(
            "annual_quantity_limit IS NULL OR annual_quantity_limit >= 0", name="quantity_not_negative"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="permit.id")
    version: int
    point_code: str = Field(max_length=8)
    pollutant: str = Field(max_length=16)
    concentration_limit: float
    unit: str = Field(max_length=16)
    annual_quantity_limit: float | None = None
    standard: str = Field(default="", max_length=100)


class PermitMonitoring(SQLModel, table=True):
    """A self-monitoring requirement (自行监测要求) of one permit version."""

    __tablename__ = "permit_monitoring"
    __table_args__ = (
        sa.Index("ix_permit_monitoring_permit_version", "permit_id", "version"),
        sa.CheckConstraint(
            base.sql_in("frequency", tuple(f.value for f in Frequency)), name="frequency_known"
        ),
        sa.CheckConstraint(
            base.sql_in("method", tuple(m.value for m in MonitoringMethod)), name="method_known"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="permit.id")
    version: int
    point_code: str = Field(max_length=8)
    pollutant: str = Field(max_length=16)
    frequency: str = Field(max_length=16)
    method: str = Field(max_length=16)


class PermitLedgerRequirement(SQLModel, table=True):
    """A ledger record the permit requires, and how often (M48 §18, §35)."""

    __tablename__ = "permit_ledger_requirement"
    __table_args__ = (
        sa.Index("ix_permit_ledger_requirement_permit_version", "permit_id", "version"),
        sa.CheckConstraint(base.sql_in("kind", tuple(k.value for k in LedgerRecordKind)), name="kind_known"),
    )

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="permit.id")
    version: int
    kind: str = Field(max_length=24)
    frequency: str = Field(max_length=16)


class PermitApplication(SQLModel, table=True):
    """One procedure on a permit: first application, change, renewal or replacement, with its time limits."""

    __tablename__ = "permit_application"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("kind", tuple(k.value for k in ApplicationKind)), name="kind_known"),
        sa.CheckConstraint(
            base.sql_in("status", tuple(s.value for s in ApplicationStatus)), name="status_known"
        ),
        sa.Index("ix_permit_application_status", "status"),
        # An application imported from a source is that source's number once (domain/history).
        sa.Index("uq_permit_application_platform", "imported_from", "platform_id", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="permit.id", index=True)
    kind: str = Field(max_length=16)
    status: str = Field(max_length=16)
    received_on: date
    accept_due: date
    accept_due_approximate: bool = Field(default=False)
    accepted_on: date | None = None
    decision_due: date | None = None
    decision_due_approximate: bool = Field(default=False)
    extended: bool = Field(default=False)
    extension_reason: str = Field(default="", max_length=500)
    decided_on: date | None = None
    issue_due: date | None = None
    issue_due_approximate: bool = Field(default=False)
    completed_on: date | None = None
    reason: str = Field(default="", max_length=1000)
    proposed_category: str | None = Field(default=None, max_length=16)
    proposed_content: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    change_description: str = Field(default="", max_length=1000)
    event_date: date | None = None
    # The last day the unit should have applied by (renewal deadline, change window), and whether it
    # applied after it: a late application is taken and counted against the unit (docs/domain-rules.md).
    window_due: date | None = None
    late: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # The one-time request for missing materials (补正告知, Reg art. 9 (4), M48 §27 (3)); the acceptance
    # period restarts from the day the complete materials arrive.
    completion_requested_on: date | None = None
    completion_request: str = Field(default="", max_length=1000, sa_column_kwargs={"server_default": ""})
    materials_completed_on: date | None = None
    # A change the authority started itself (Reg art. 16: the standards or the total control changed).
    started_by_authority: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    created_at: datetime = Field(default_factory=utcnow)
    submitted_by_username: str | None = Field(default=None, max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    # The application's number on the national platform (申请编号), for history imports to recognise it.
    platform_id: str | None = Field(default=None, max_length=64)
    # Set on what a history import wrote (domain/history): its source and batch (docs/integrators.md).
    imported_from: str | None = Field(default=None, max_length=100)
    import_batch_id: int | None = None  # history_import.id (no foreign key: added in place, see 0030)


class PermitEvent(SQLModel, table=True):
    """A state change of a permit, as announced publicly (M48 §32, §45, §48-51)."""

    __tablename__ = "permit_event"
    __table_args__ = (sa.Index("ix_permit_event_permit_occurred", "permit_id", "occurred_at"),)

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="permit.id")
    application_id: int | None = Field(default=None, foreign_key="permit_application.id")
    kind: str = Field(max_length=24)
    occurred_at: datetime = Field(default_factory=utcnow)
    effective_on: date
    note: str = Field(default="", max_length=1000)
    public: bool = Field(default=True)
    actor_username: str | None = Field(default=None, max_length=64)
