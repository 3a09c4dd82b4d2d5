"""Online monitoring stations (自动监控站点, HJ 212-2017) and the packets refused from them.

A ``MonitoringStation`` is a data acquisition device (数采仪) registered by its MN for one outlet of one
permit; its packets write that outlet's automatic readings. The access password (PW) travels in clear in
every packet (the protocol's design) and is compared on every one, thousands a day per station: it is
kept as a salted SHA-256 (``password_salt``, ``password_hash``), which keeps it out of a database read
without the cost of a login hash per packet. Each registration and change is kept as a
``MonitoringStationRevision`` with who and when.

``StationRejection`` is every packet refused with its reason; the region (and the unit, when the MN is
known) are copied on the row so a list filters by the access rule's SQL form.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain import base
from domain.clock import utcnow
from domain.ledgers.hj212.protocol import REASONS

LEDGER_DATA_KINDS = ("hourly", "minute")


class MonitoringStation(SQLModel, table=True):
    __tablename__ = "monitoring_station"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("ledger_data", LEDGER_DATA_KINDS), name="ledger_data_known"),
        sa.CheckConstraint("minute_interval BETWEEN 1 AND 60", name="minute_interval_range"),
        sa.Index("ix_monitoring_station_region", "region_code", "mn"),
    )

    id: int | None = Field(default=None, primary_key=True)
    mn: str = Field(max_length=24, sa_column_kwargs={"unique": True})
    permit_id: int = Field(foreign_key="permit.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id")
    region_code: str = Field(max_length=6)
    outlet_code: str = Field(max_length=8)
    name: str = Field(default="", max_length=100)
    password_salt: str = Field(max_length=32)
    password_hash: str = Field(max_length=64)
    ledger_data: str = Field(default="hourly", max_length=8)
    minute_interval: int = Field(default=10)
    code_overrides: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    active: bool = Field(default=True)
    revision: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: str | None = Field(default=None, max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
    last_packet_at: datetime | None = None
    packets_accepted: int = Field(default=0)


class MonitoringStationRevision(SQLModel, table=True):
    """Every version of a station's registration (the password as its hash only); never changed."""

    __tablename__ = "monitoring_station_revision"
    __table_args__ = (sa.UniqueConstraint("station_id", "revision", name="uq_monitoring_station_revision"),)

    id: int | None = Field(default=None, primary_key=True)
    station_id: int = Field(foreign_key="monitoring_station.id", index=True)
    revision: int
    data: dict[str, Any] = Field(sa_type=sa.JSON)
    changed_at: datetime = Field(default_factory=utcnow)
    changed_by: str | None = Field(default=None, max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)


class StationRejection(SQLModel, table=True):
    __tablename__ = "station_rejection"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("reason", REASONS), name="reason_known"),
        sa.Index("ix_station_rejection_region_received", "region_code", "received_at"),
        sa.Index("ix_station_rejection_enterprise_received", "enterprise_id", "received_at"),
    )

    id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    received_at: datetime = Field(default_factory=utcnow)
    peer: str = Field(default="", max_length=64)
    mn: str = Field(default="", max_length=24)
    qn: str = Field(default="", max_length=20)
    cn: str = Field(default="", max_length=4)
    reason: str = Field(max_length=24)
    detail: str = Field(default="", max_length=500)
    station_id: int | None = Field(default=None, foreign_key="monitoring_station.id")
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id")
    region_code: str | None = Field(default=None, max_length=6)
