"""Environmental management ledgers (环境管理台账, M48 §35; PT §12).

Two shapes of record:
- ``MonitoringReading``: concentration (and flow / quantity) of one pollutant at one
  outlet for one hour (automatic monitors) or one sampling (manual). This is the
  volume table: a key-management unit sends 8,760 hourly rows a year per outlet and
  pollutant. Readings are never updated in place: a correction voids the reading
  (with reason, who and when) and writes a new one that points back to it.
- ``LedgerEntry``: the other records the permit requires (production-facility and
  control-facility operation, abnormal events, other records), with every edit kept
  as a ``LedgerEntryRevision`` and removal only as a void with a reason.

Nothing inside the retention window can be deleted through the product.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain import base
from domain.clock import utcnow
from domain.permits.reference import LedgerRecordKind, MonitoringMethod

ENTRY_KINDS = tuple(k.value for k in LedgerRecordKind if k != LedgerRecordKind.MONITORING)
QUANTITY_METHODS = ("automatic", "manual", "factor")


class MonitoringReading(SQLModel, table=True):
    __tablename__ = "monitoring_reading"
    __table_args__ = (
        sa.CheckConstraint(
            base.sql_in("method", tuple(m.value for m in MonitoringMethod)), name="method_known"
        ),
        sa.CheckConstraint("concentration >= 0", name="concentration_not_negative"),
        sa.CheckConstraint("quantity_kg IS NULL OR quantity_kg >= 0", name="quantity_not_negative"),
        sa.CheckConstraint("period_end > measured_at", name="period_ordered"),
        # The series an exceedance check or a year's sum reads: one index serves both.
        sa.Index("ix_monitoring_reading_series", "permit_id", "outlet_code", "pollutant", "measured_at"),
        # One valid reading per series and hour/sample; voided ones stay beside it.
        sa.Index(
            "uq_monitoring_reading_valid",
            "permit_id",
            "outlet_code",
            "pollutant",
            "method",
            "measured_at",
            unique=True,
            sqlite_where=sa.text("voided_at IS NULL"),
            postgresql_where=sa.text("voided_at IS NULL"),
        ),
    )

    id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    permit_id: int = Field(foreign_key="permit.id")
    outlet_code: str = Field(max_length=8)
    pollutant: str = Field(max_length=16)
    method: str = Field(max_length=16)
    measured_at: datetime
    period_end: datetime
    concentration: float
    unit: str = Field(max_length=16)
    flow_m3: float | None = None
    quantity_kg: float | None = None
    entered_at: datetime = Field(default_factory=utcnow)
    entered_by: str | None = Field(default=None, max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    source: str = Field(default="portal", max_length=16)
    voided_at: datetime | None = None
    voided_by: str | None = Field(default=None, max_length=64)
    void_reason: str = Field(default="", max_length=500)
    replaces_id: int | None = Field(default=None, sa_type=sa.BigInteger)


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entry"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("kind", ENTRY_KINDS), name="kind_known"),
        sa.CheckConstraint("period_end IS NULL OR period_end >= period_start", name="period_ordered"),
        sa.Index("ix_ledger_entry_permit_kind_start", "permit_id", "kind", "period_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="permit.id")
    kind: str = Field(max_length=24)
    subject: str = Field(max_length=100)  # the facility, outlet or source the record is about
    period_start: datetime
    period_end: datetime | None = None
    data: dict[str, Any] = Field(sa_type=sa.JSON)
    revision: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str | None = Field(default=None, max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    voided_at: datetime | None = None
    voided_by: str | None = Field(default=None, max_length=64)
    void_reason: str = Field(default="", max_length=500)


class LedgerEntryRevision(SQLModel, table=True):
    """Every version of a ledger entry, the first included; never changed afterwards."""

    __tablename__ = "ledger_entry_revision"
    __table_args__ = (sa.UniqueConstraint("entry_id", "revision", name="uq_ledger_entry_revision_revision"),)

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="ledger_entry.id", index=True)
    revision: int
    subject: str = Field(max_length=100)
    period_start: datetime
    period_end: datetime | None = None
    data: dict[str, Any] = Field(sa_type=sa.JSON)
    changed_at: datetime = Field(default_factory=utcnow)
    changed_by: str | None = Field(default=None, max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    note: str = Field(default="", max_length=500)


class Exceedance(SQLModel, table=True):
    """A run of readings above the permitted concentration, or a year's quantity above the permitted one.

    It stays open until the unit records a cause and a measure (M48 §35 (3); docs/domain-rules.md,
    "Environmental management ledger").
    """

    __tablename__ = "exceedance"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("kind", ("concentration", "annual_quantity")), name="kind_known"),
        sa.CheckConstraint(base.sql_in("status", ("open", "explained")), name="status_known"),
        sa.UniqueConstraint(
            "permit_id", "outlet_code", "pollutant", "kind", "started_at", name="uq_exceedance_episode"
        ),
        sa.Index("ix_exceedance_region_status", "region_code", "status", "detected_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="permit.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id")
    region_code: str = Field(max_length=6)
    outlet_code: str = Field(max_length=8)
    pollutant: str = Field(max_length=16)
    kind: str = Field(max_length=16)
    started_at: datetime
    ended_at: datetime
    reading_count: int = Field(default=1)
    max_value: float
    limit_value: float
    unit: str = Field(max_length=16)
    status: str = Field(default="open", max_length=10)
    cause: str = Field(default="", max_length=2000)
    measures: str = Field(default="", max_length=2000)
    explained_at: datetime | None = None
    explained_by: str | None = Field(default=None, max_length=64)
    detected_at: datetime = Field(default_factory=utcnow)


class ShutdownPeriod(SQLModel, table=True):
    """停产: days a unit stopped production (Reg art. 22: its reports state them). Missing ledger data in
    them is no gap. An open shutdown has no last day until the unit records the restart."""

    __tablename__ = "shutdown_period"
    __table_args__ = (
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
        sa.Index("ix_shutdown_period_permit_start", "permit_id", "starts_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    permit_id: int = Field(foreign_key="permit.id")
    starts_on: date  # China calendar days, both inclusive
    ends_on: date | None = None
    reason: str = Field(max_length=500)
    recorded_at: datetime = Field(default_factory=utcnow)
    recorded_by: str = Field(max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    ended_at: datetime | None = None  # when the restart was recorded
    ended_by: str | None = Field(default=None, max_length=64)
