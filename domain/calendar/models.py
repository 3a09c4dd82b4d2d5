"""A year's published holiday schedule, as an administrator loaded it (docs/domain-rules.md,
"Working days")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from domain.clock import utcnow


class HolidayYear(SQLModel, table=True):
    """One year's days off and make-up working days; loading the year again replaces the row."""

    __tablename__ = "holiday_year"

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(unique=True)
    days_off: list[str] = Field(sa_type=sa.JSON)  # ISO dates
    make_up_days: list[str] = Field(sa_type=sa.JSON)
    names: dict[str, Any] = Field(sa_type=sa.JSON)  # ISO date -> holiday name
    source: str = Field(sa_type=sa.Text)  # the file as loaded
    loaded_at: datetime = Field(default_factory=utcnow)
    loaded_by_username: str | None = Field(default=None, max_length=64)
