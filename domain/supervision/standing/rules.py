"""The positive list's rules as pure functions of dates (JN: 正面清单 and 黄牌 management).

- Two or more yellow cards in one calendar year remove a listed unit at once: the second card's day is the
  removal day. Cards of different years never add up (31 December and 1 January are two years).
- A removed unit may not re-enter for three years: from the removal day to the same day three years on
  (29 February → 1 March), re-entry is refused; from that day on it is possible again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from domain.bounds import too_long
from domain.errors import N_, FieldError
from domain.permits.rules import add_years

CARDS_THAT_REMOVE = 2
BAR_YEARS = 3
BASIS_MAX = 1000
VIOLATION_MAX = 1000
SOURCE_REF_MAX = 64


def cards_in_year(issued: Iterable[date], year: int) -> int:
    return sum(1 for day in issued if day.year == year)


def removes(issued: Iterable[date], new_card: date) -> bool:
    """Does a new card on ``new_card`` bring its calendar year to the number that removes the unit?"""
    return cards_in_year([*issued, new_card], new_card.year) >= CARDS_THAT_REMOVE


def re_entry_from(removed_on: date) -> date:
    """The first day a removed unit may enter the list again."""
    return add_years(removed_on, BAR_YEARS)


@dataclass(frozen=True)
class AdmissionInput:
    credit_code: str
    entered_on: date | None
    basis: str


def text_error(field: str, value: str, limit: int) -> FieldError | None:
    if not value.strip():
        return FieldError(field, "required", N_("This field is required."))
    return too_long(field, value, limit)


def day_error(field: str, value: date | None, today: date) -> FieldError | None:
    if value is None:
        return FieldError(field, "required", N_("This field is required."))
    if value > today:
        return FieldError(field, "future", N_("This date is in the future."))
    if value.year < 2000:
        return FieldError(field, "too_early", N_("This date is before the platform's records."))
    return None
