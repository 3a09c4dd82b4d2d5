"""Enterprises (排污单位), their revisions and their production sites (生产经营场所)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain import base
from domain.clock import utcnow
from domain.enterprises.rules import ManagementCategory

SNAPSHOT_FIELDS = (
    "name",
    "credit_code",
    "registered_address",
    "operating_address",
    "legal_representative",
    "technical_lead",
    "contact_phone",
    "industry_code",
    "region_code",
    "management_category",
)
# Personal data of staff: never on a public page or in an anonymous query.
PERSONAL_FIELDS = frozenset({"technical_lead", "contact_phone"})


class Enterprise(SQLModel, table=True):
    __tablename__ = "enterprise"
    __table_args__ = (
        sa.CheckConstraint(
            base.sql_in("management_category", tuple(c.value for c in ManagementCategory)),
            name="management_category_known",
        ),
        sa.CheckConstraint("length(credit_code) = 18", name="credit_code_length"),
        sa.Index("ix_enterprise_region_industry", "region_code", "industry_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    credit_code: str = Field(max_length=18, unique=True)
    name: str = Field(max_length=200, index=True)
    registered_address: str = Field(max_length=300)
    operating_address: str = Field(max_length=300)
    legal_representative: str = Field(max_length=50)
    technical_lead: str = Field(default="", max_length=50)
    contact_phone: str = Field(default="", max_length=20)
    industry_code: str = Field(max_length=4)
    region_code: str = Field(max_length=6)
    management_category: str = Field(max_length=16)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    def snapshot(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in SNAPSHOT_FIELDS}


class EnterpriseRevision(SQLModel, table=True):
    """Every version of an enterprise's record, the first included; never changed afterwards."""

    __tablename__ = "enterprise_revision"
    __table_args__ = (sa.UniqueConstraint("enterprise_id", "version", name="uq_enterprise_revision_version"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    version: int
    data: dict[str, Any] = Field(sa_type=sa.JSON)
    changed_fields: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    changed_at: datetime = Field(default_factory=utcnow)
    changed_by_id: int | None = Field(default=None, foreign_key="user_account.id")
    changed_by_username: str | None = Field(default=None, max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)


class ProductionSite(SQLModel, table=True):
    """A production site (生产经营场所) of one legal entity.

    A legal entity holds one permit per site (Reg art. 6 ¶2, M48 §7; see docs/sites-and-registrations.md):
    permits and registrations are keyed by the site, and the site's three-digit sequence (001,
    002 ...) follows the credit code in their numbers. Every enterprise has site 001 from its
    registration on.
    """

    __tablename__ = "production_site"
    __table_args__ = (
        sa.UniqueConstraint("enterprise_id", "sequence", name="uq_production_site_sequence"),
        sa.CheckConstraint("sequence BETWEEN 1 AND 999", name="sequence_range"),
        sa.CheckConstraint("(longitude IS NULL) = (latitude IS NULL)", name="coordinates_paired"),
        sa.Index("ix_production_site_region_industry", "region_code", "industry_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    sequence: int
    name: str = Field(max_length=200)
    address: str = Field(max_length=300)
    region_code: str = Field(max_length=6)
    industry_code: str = Field(max_length=4)
    longitude: float | None = None
    latitude: float | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def code(self) -> str:
        """The site's sequence as permit and registration numbers write it: 001, 002 ..."""
        return f"{self.sequence:03d}"

    def snapshot(self) -> dict[str, Any]:
        return {
            "sequence": self.sequence,
            "name": self.name,
            "address": self.address,
            "region_code": self.region_code,
            "industry_code": self.industry_code,
            "longitude": self.longitude,
            "latitude": self.latitude,
        }
