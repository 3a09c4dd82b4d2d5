"""The public register's rows (信息公开, issue 19): one per disclosed permit and per registration, with the
unit's name, credit code and what the public search filters on, indexed in the register's order (unit name,
then number) so that a page of the search is read off the index with its LIMIT.

The table lives here, below the areas that keep it: the permit use cases keep a permit's row
(``domain.permits.register_entry``), the registration use cases a registration's
(``domain.registrations.register_entry``), and a unit's name change renames its rows (``rename_unit``
below), each in its own transaction. ``domain.disclosure`` reads it; nothing else writes it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import base
from domain.clock import utcnow

KINDS = ("permit", "registration")


class PublicRegisterEntry(SQLModel, table=True):
    __tablename__ = "public_register_entry"
    __table_args__ = (
        sa.CheckConstraint(base.sql_in("kind", KINDS), name="kind_known"),
        sa.CheckConstraint(
            "(kind = 'permit' AND permit_id IS NOT NULL AND registration_id IS NULL)"
            " OR (kind = 'registration' AND registration_id IS NOT NULL AND permit_id IS NULL)",
            name="one_source",
        ),
        # The search's order; the number (unique) makes it total.
        sa.Index("ix_public_register_entry_order", "unit_name", "number"),
        # The freshness of the register: the latest expiry of a row still shown as issued or registered.
        sa.Index("ix_public_register_entry_status_valid_until", "status", "valid_until"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    permit_id: int | None = Field(default=None, unique=True)
    registration_id: int | None = Field(default=None, unique=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    number: str = Field(max_length=22, unique=True)
    unit_name: str = Field(max_length=200)
    credit_code: str = Field(max_length=18)
    region_code: str = Field(max_length=6)
    industry_code: str = Field(max_length=4)
    category: str = Field(max_length=16)  # key, simplified, or "registration"
    status: str = Field(max_length=16)  # as stored; "expired" is derived from valid_until when shown
    issuing_authority: str = Field(default="", max_length=100)
    valid_from: date | None = None
    valid_until: date | None = None
    # When the row last changed: the register's freshness (ETag, Last-Modified).
    changed_at: datetime = Field(default_factory=utcnow, index=True)


ENTRY = PublicRegisterEntry.__table__  # type: ignore[attr-defined]

# The columns a keeper writes, in this order (ids and changed_at come first).
COLUMNS = (
    "kind",
    "permit_id",
    "registration_id",
    "enterprise_id",
    "number",
    "unit_name",
    "credit_code",
    "region_code",
    "industry_code",
    "category",
    "status",
    "issuing_authority",
    "valid_from",
    "valid_until",
    "changed_at",
)

# SHARE_UNIT: a keeper reads the unit's name with a share lock on the unit's row (FOR SHARE OF enterprise,
# PostgreSQL; SQLite writes one transaction at a time). A unit's edit renaming it concurrently either
# waits for the keeper's transaction, and its rename_unit then finds the row written, or is waited for,
# and the keeper reads the new name: never a row left with the old one.

# Ids a keeper refreshes per statement (PostgreSQL takes at most 32,767 parameters).
CHUNK = 5000


def now_param() -> sa.BindParameter[datetime]:
    """The server time of the write, as a parameter of an INSERT … SELECT."""
    return sa.bindparam("register_changed_at", utcnow(), type_=ENTRY.c.changed_at.type)


async def replace_entries(session: AsyncSession, key: str, ids: list[int], source: Any) -> None:
    """Replace the rows of these permits or registrations (``key``: permit_id or registration_id) by what
    ``source`` selects for them (the columns of COLUMNS, restricted to ``ids``): a row is added when its
    permit is first disclosed and follows every change after. Flushes pending writes first."""
    await session.flush()
    connection = await session.connection()
    await connection.execute(sa.delete(ENTRY).where(ENTRY.c[key].in_(ids)))
    await connection.execute(sa.insert(ENTRY).from_select(list(COLUMNS), source))


async def rename_unit(session: AsyncSession, *, enterprise_id: int, name: str) -> None:
    """A unit's new name on its rows of the public register (the unit's edit, same transaction)."""
    connection = await session.connection()
    await connection.execute(
        sa.update(ENTRY)
        .where(col(PublicRegisterEntry.enterprise_id) == enterprise_id)
        .values(unit_name=name, changed_at=utcnow())
    )
