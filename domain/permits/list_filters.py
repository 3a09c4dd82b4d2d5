"""The filters of the regulators' lists (issue 17): the review queue, the warnings (超量预警) and the
overdue reports share district, industry, search and a whitelisted sort; each list adds its own (state,
period, resubmitted after feedback) and turns them into SQL that is ANDed with the access rule's SQL form
(``domain.access.sql.allowed``), so a filter only ever narrows what the reader may see.

Both faces parse their input into a ``ListFilter`` and call ``check``; every bad filter is named at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import sqlalchemy as sa

from domain import regions
from domain.bounds import too_long
from domain.enterprises.rules import INDUSTRY_NAMES
from domain.errors import N_, FieldError, ValidationFailed

SEARCH_MAX = 60  # a unit's name is rarely longer; a credit code is 18, a permit number 22
EXPORT_MAX_ROWS = 5000  # an export of a list holds at most this many rows (the first, in its order)


@dataclass(frozen=True)
class ListFilter:
    district: str = ""  # a region code (GB/T 2260); a city code covers its districts
    industry: str = ""  # a four-digit industry code
    state: str = ""
    period: str = ""  # a report period (2026-Q1, 2026-03, 2026) or, for warnings, a month (2026-03)
    resubmitted: bool = False  # the unit filed a new version after a feedback form
    search: str = ""  # part of a unit's name, its credit code or a permit number
    sort: str = ""  # a key of the list's whitelist, ``-`` before it for descending

    def query(self) -> dict[str, str]:
        """The filter as URL parameters (what is set), for links that keep it: pages, sorting, export."""
        values = {
            "district": self.district,
            "industry": self.industry,
            "state": self.state,
            "period": self.period,
            "resubmitted": "1" if self.resubmitted else "",
            "q": self.search,
            "sort": self.sort,
        }
        return {name: value for name, value in values.items() if value}


def from_params(params: Mapping[str, str]) -> ListFilter:
    """A filter from URL parameters, each cut to a bound (``check`` tells what is wrong)."""
    return ListFilter(
        district=params.get("district", "")[:12].strip(),
        industry=params.get("industry", "")[:8].strip(),
        state=(params.get("state") or params.get("status", ""))[
            :16
        ].strip(),  # (status: the warnings' old name)
        period=params.get("period", "")[:10].strip(),
        resubmitted=params.get("resubmitted", "") in ("1", "on", "true"),
        search=params.get("q", "")[: SEARCH_MAX + 1].strip(),
        sort=params.get("sort", "")[:24].strip(),
    )


def check(filters: ListFilter, *, states: Sequence[str] = (), sorts: Sequence[str] = ()) -> list[FieldError]:
    """The common filters' errors (the list checks its period itself)."""
    errors: list[FieldError] = []
    if filters.district and not regions.is_valid_region_code(filters.district):
        errors.append(FieldError("district", "district", N_("Choose a district of your jurisdiction.")))
    if filters.industry and filters.industry not in INDUSTRY_NAMES:
        errors.append(FieldError("industry", "industry", N_("Choose an industry from the list.")))
    if filters.state and filters.state not in states:
        errors.append(
            FieldError("state", "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(states)})
        )
    if "\x00" in filters.search:
        errors.append(FieldError("q", "invalid_character", N_("Remove the NUL character from this text.")))
    elif (long := too_long("q", filters.search, SEARCH_MAX)) is not None:
        errors.append(long)
    if filters.sort and filters.sort.removeprefix("-") not in sorts:
        errors.append(FieldError("sort", "choice", N_("Choose one of the listed orders.")))
    return errors


def raise_if(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(errors)


def without_errors(filters: ListFilter, errors: list[FieldError]) -> ListFilter:
    """The filter with its faulty fields cleared (a page shows the errors and the list unfiltered by them)."""
    names = {"q": "search", "status": "state"}
    faulty = {names.get(str(error.field), str(error.field)) for error in errors}
    own = {f.name for f in fields(ListFilter)} - {"resubmitted"}
    cleared: dict[str, Any] = {name: "" for name in faulty if name in own}
    return replace(filters, **cleared)


def district_condition(column: Any, district: str) -> sa.ColumnElement[bool]:
    """SQL: the row's region lies in the district (a city or province code covers its regions)."""
    return sa.and_(column.startswith(regions.significant_prefix(district), autoescape=True))


def search_condition(text: str, *, name: Any, credit_code: Any, number: Any) -> sa.ColumnElement[bool]:
    """SQL: the unit's name holds the text, or its credit code or the permit number does (any case)."""
    upper = text.upper()
    return sa.or_(
        sa.func.upper(name).contains(upper, autoescape=True),
        credit_code.contains(upper, autoescape=True),
        number.contains(upper, autoescape=True),
    )


def order(sort: str, columns: Mapping[str, Sequence[Any]]) -> list[Any]:
    """The ORDER BY of a whitelisted sort key (``-key``: descending); empty for no sort."""
    key = sort.removeprefix("-")
    if not sort or key not in columns:
        return []
    descending = sort.startswith("-")
    return [column.desc() if descending else column.asc() for column in columns[key]]


def districts_within(jurisdiction: str | None) -> list[str]:
    """The named districts a reader may choose (the district filter's choices)."""
    return [
        code
        for code in regions.known_regions_within(jurisdiction)
        if not code.endswith("00") and code != jurisdiction
    ]


def industries() -> list[str]:
    return sorted(INDUSTRY_NAMES)
