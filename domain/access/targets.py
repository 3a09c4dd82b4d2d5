"""What an access question is about, in its two forms: a ``Target`` (the values of one object, for
``can()``) and ``TargetColumns`` (the columns of a list's rows that hold those values, for the SQL form).

Both sit below the conditions that test them (``domain.access.conditions``), so the rule, its Python form
and its SQL form import this module and never each other in a circle."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    """What an access question is about: the enterprise and region an object belongs to."""

    enterprise_id: int | None = None
    region_code: str | None = None
    owner_user_id: int | None = None
    agency_id: int | None = None


@dataclass(frozen=True)
class TargetColumns:
    """The columns (or SQL expressions) of a list's rows that hold what a ``Target`` holds."""

    enterprise_id: Any = None
    region_code: Any = None
    owner_user_id: Any = None
    agency_id: Any = None
