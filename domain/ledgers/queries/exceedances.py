"""Exceedances as people read them: the warnings list (超量预警) and one exceedance in its ledger.

Read side: no writes. The list filters with the SQL form of ``can()`` (``domain.access.sql``), checked
against ``can()`` row by row by ``tests/access/test_lists.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.access.sql import TargetColumns, allowed
from domain.bounds import LATEST_DAY, day_in_range
from domain.clock import china_midnight
from domain.enterprises.models import Enterprise
from domain.errors import N_, FieldError, ValidationFailed
from domain.ledgers.models import Exceedance
from domain.pagination import MAX_PAGE_SIZE, Key, Page, Window, check_page_size, keyset_page
from domain.permits import list_filters
from domain.permits.list_filters import ListFilter
from domain.permits.models import Permit

STATUSES = ("open", "explained")


WARNING_SORTS = ("started", "unit", "status", "excess")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_range(text: str) -> tuple[datetime, datetime] | None:
    """The China-time bounds of a month typed as 2026-03; None when it is no month of the product's range."""
    match = MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    first = date(int(match.group(1)), int(match.group(2)), 1)
    if not day_in_range(first) or first.year >= LATEST_DAY.year:
        return None
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return china_midnight(first), china_midnight(after)


def check_warning_filter(filters: ListFilter) -> None:
    errors = list_filters.check(filters, states=STATUSES, sorts=WARNING_SORTS)
    if filters.period and month_range(filters.period) is None:
        errors.append(FieldError("period", "month", N_("Enter a month as 2026-03.")))
    list_filters.raise_if(errors)


# The id breaks ties: pages of an order that is not total overlap (PostgreSQL).
EXCEEDANCE_ORDER = (
    Key(col(Exceedance.status), descending=True),
    Key(col(Exceedance.started_at), descending=True),
    Key(col(Exceedance.id), descending=True),
)


def _exceedance_key(row: Any) -> tuple[Any, ...]:
    exceedance = row[0]
    return (exceedance.status, exceedance.started_at, exceedance.id)


def _excess(exceedance: Exceedance) -> float | None:
    """How many times its limit the exceedance's highest value was (None for a limit of zero)."""
    return exceedance.max_value / exceedance.limit_value if exceedance.limit_value else None


# The expression of that ratio in SQL: both columns are double precision, so the database divides as
# Python does and a cursor's value compares exactly.
EXCESS = col(Exceedance.max_value) / sa.func.nullif(col(Exceedance.limit_value), 0)


def _keyset_order(sort: str) -> tuple[tuple[Key, ...], Any]:
    """The API's keyset order for each sort of the list (either direction), else the default order. Rows
    are (exceedance, permit, unit name)."""
    key = sort.removeprefix("-")
    descending = sort.startswith("-")
    last = Key(col(Exceedance.id), descending=True)
    match key:
        case "started":
            return (Key(col(Exceedance.started_at), descending=descending), last), lambda row: (
                row[0].started_at,
                row[0].id,
            )
        case "status":
            return (Key(col(Exceedance.status), descending=descending), last), lambda row: (
                row[0].status,
                row[0].id,
            )
        case "unit":
            return (Key(col(Enterprise.name), descending=descending), last), lambda row: (row[2], row[0].id)
        case "excess":
            return (Key(EXCESS, descending=descending, nullable=True), last), lambda row: (
                _excess(row[0]),
                row[0].id,
            )
    return EXCEEDANCE_ORDER, _exceedance_key


async def list_exceedances(
    session: AsyncSession,
    actor: Actor,
    *,
    status: str = "",
    permit_number: str = "",
    filters: ListFilter | None = None,
    first: int = 50,
    offset: int = 0,
    window: Window | None = None,
) -> Page[tuple[Exceedance, Permit]]:
    """Enterprise users: their own; regulators: their jurisdiction's (the 超量预警 list), filtered by
    district, industry, status (``status`` or the filter's state), the month it started and a search."""
    if not actor.is_unit_side:
        require(actor, Operation.PERMIT_LIST)
    check_page_size(first)
    if status not in ("", *STATUSES):
        raise ValidationFailed(
            [
                FieldError(
                    "status", "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(STATUSES)}
                )
            ]
        )
    filters = filters or ListFilter()
    check_warning_filter(filters)
    statement = (
        select(Exceedance, Permit)
        .join(Permit, col(Permit.id) == col(Exceedance.permit_id))
        .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
    )
    # The SQL form of can(LEDGER_VIEW, target_of(permit)): the unit its own, an agency its clients for the
    # ledger or monitoring or reports, regulators their jurisdiction, the administrator all.
    permit = TargetColumns(enterprise_id=col(Permit.enterprise_id), region_code=col(Permit.region_code))
    statement = statement.where(allowed(actor, Operation.LEDGER_VIEW, permit))
    status = status or filters.state
    if status:
        statement = statement.where(Exceedance.status == status)
    if permit_number:
        statement = statement.where(Permit.number == permit_number.strip().upper())
    if filters.district:
        statement = statement.where(
            list_filters.district_condition(col(Permit.region_code), filters.district)
        )
    if filters.industry:
        statement = statement.where(Permit.industry_code == filters.industry)
    if filters.period and (bounds := month_range(filters.period)) is not None:
        statement = statement.where(
            col(Exceedance.started_at) >= bounds[0], col(Exceedance.started_at) < bounds[1]
        )
    if filters.search:
        statement = statement.where(
            list_filters.search_condition(
                filters.search,
                name=col(Enterprise.name),
                credit_code=col(Enterprise.credit_code),
                number=col(Permit.number),
            )
        )
    total = (await session.exec(select(sa.func.count()).select_from(statement.subquery()))).one()
    if window is not None:
        keys, key_of = _keyset_order(filters.sort)
        named = statement.add_columns(col(Enterprise.name))
        page = await keyset_page(session, named, keys, window, key_of, total=int(total))
        return page.mapped([(row[0], row[1]) for row in page.items])
    chosen = list_filters.order(
        filters.sort,
        {
            "started": [col(Exceedance.started_at)],
            "unit": [col(Enterprise.name)],
            "status": [col(Exceedance.status)],
            "excess": [EXCESS],
        },
    )
    default = [col(Exceedance.status).desc(), col(Exceedance.started_at).desc()]
    rows = (
        await session.exec(
            # The id breaks ties: pages of an order that is not total overlap (PostgreSQL).
            statement.order_by(*(chosen or default), col(Exceedance.id).desc()).offset(offset).limit(first)
        )
    ).all()
    return Page(items=[(e, p) for e, p in rows], offset=offset, total=int(total))


@dataclass(frozen=True)
class Warning:
    exceedance: Exceedance
    permit_number: str
    enterprise_name: str
    region_code: str = ""
    industry_code: str = ""


async def warnings(
    session: AsyncSession,
    actor: Actor,
    *,
    status: str = "",
    filters: ListFilter | None = None,
    first: int = 50,
    offset: int = 0,
) -> Page[Warning]:
    """Regulators: their jurisdiction's exceedances; enterprise users: their own. Open first, newest first
    (or in the filter's order)."""
    page = await list_exceedances(session, actor, status=status, filters=filters, first=first, offset=offset)
    ids = {permit.enterprise_id for _e, permit in page.items}
    names: dict[int, str] = {}
    if ids:
        rows = (
            await session.exec(select(Enterprise.id, Enterprise.name).where(col(Enterprise.id).in_(ids)))
        ).all()
        names = {int(i): n for i, n in rows if i is not None}
    return Page(
        items=[
            Warning(e, p.number or "", names.get(p.enterprise_id, ""), p.region_code, p.industry_code)
            for e, p in page.items
        ],
        offset=page.offset,
        total=page.total,
    )


async def warnings_for_export(session: AsyncSession, actor: Actor, *, filters: ListFilter) -> list[Warning]:
    """The warnings as filtered, in the list's order, at most ``EXPORT_MAX_ROWS`` of them (page by page)."""
    found: list[Warning] = []
    while len(found) < list_filters.EXPORT_MAX_ROWS:
        page = await warnings(session, actor, filters=filters, first=MAX_PAGE_SIZE, offset=len(found))
        found.extend(page.items)
        if not page.has_next:
            break
    return found[: list_filters.EXPORT_MAX_ROWS]
