"""What the leaders' figures cover (docs/statistics.md): the reader's jurisdiction narrowed to a district,
a year or a month of it, and an industry; the filters as typed, checked together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from domain import regions
from domain.access import Actor, Operation, Target, can, require
from domain.clock import today
from domain.enterprises.rules import INDUSTRY_NAMES
from domain.errors import N_, FieldError, ValidationFailed
from domain.statistics.dispatch import FIRST_MONTH


@dataclass(frozen=True)
class Scope:
    """What the figures cover: a region within the reader's jurisdiction, a year or one month of it, and
    optionally one industry."""

    region_code: str
    year: int
    month: int | None
    industry: str | None

    @property
    def first(self) -> date:
        return date(self.year, self.month or 1, 1)

    @property
    def following(self) -> date:
        if self.month is None:
            return date(self.year + 1, 1, 1)
        return date(self.year + (self.month == 12), self.month % 12 + 1, 1)

    @property
    def period_label(self) -> str:
        return f"{self.year:04d}-{self.month:02d}" if self.month else f"{self.year:04d}"


def require_reader(actor: Actor) -> None:
    """Regulators and the administrator (the same rule as the dispatch summary)."""
    require(actor, Operation.PERMIT_LIST)


def districts_of(actor: Actor) -> list[str]:
    """The named districts within the reader's jurisdiction (the choices of the district filter)."""
    return [
        code
        for code in regions.known_regions_within(actor.region_code)
        if not code.endswith("00") and code != actor.region_code
    ]


def industries() -> list[str]:
    return sorted(INDUSTRY_NAMES)


def scope_of(
    actor: Actor, *, year: str = "", month: str = "", district: str = "", industry: str = ""
) -> Scope:
    """The filters as typed, checked together: every bad one named at once."""
    require_reader(actor)
    errors: list[FieldError] = []
    now = today()
    chosen_year, chosen_month = now.year, None
    text = year.strip()
    if text:
        if not text.isdigit() or not FIRST_MONTH.year <= int(text) <= now.year:
            errors.append(FieldError("year", "year", N_("Choose a year from 2015 to the current one.")))
        else:
            chosen_year = int(text)
    text = month.strip()
    if text:
        if not text.isdigit() or not 1 <= int(text) <= 12:
            errors.append(FieldError("month", "month", N_("Choose a month from 1 to 12, or the whole year.")))
        elif date(chosen_year, int(text), 1) > now:
            errors.append(FieldError("month", "month", N_("Choose a month up to the current one.")))
        else:
            chosen_month = int(text)
    region = actor.region_code or regions.NATIONAL
    text = district.strip()
    if text:
        if not regions.is_valid_region_code(text) or not can(
            actor, Operation.PERMIT_VIEW, Target(region_code=text)
        ):
            errors.append(FieldError("district", "district", N_("Choose a district of your jurisdiction.")))
        else:
            region = text
    text = industry.strip()
    if text and text not in INDUSTRY_NAMES:
        errors.append(FieldError("industry", "industry", N_("Choose an industry from the list.")))
    if errors:
        raise ValidationFailed(errors)
    return Scope(region_code=region, year=chosen_year, month=chosen_month, industry=text or None)


def in_region(column: Any, scope: Scope) -> Any:
    prefix = regions.significant_prefix(scope.region_code)
    return column.startswith(prefix) if prefix else sa.true()


def in_industry(column: Any, scope: Scope) -> Any:
    return column == scope.industry if scope.industry else sa.true()
