"""What the positive list's pages and the API show: the public list, a unit's standing (its entries and
cards), the regulators' view of their jurisdiction, and who is listed on a day (the inspection plan's
reduced frequency)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.access.sql import TargetColumns, allowed
from domain.enterprises.models import Enterprise
from domain.enterprises.queries import find_enterprise
from domain.errors import N_, NotAuthenticated, NotFound
from domain.pagination import Key, Page, Window, check_page_size, keyset_page, sort_order
from domain.supervision.standing.models import PositiveListEntry, YellowCard
from domain.supervision.standing.rules import re_entry_from
from domain.supervision.standing.service import target_of


@dataclass(frozen=True)
class ListedUnit:
    """A row of the list as anyone reads it: the unit by name, since when, on what basis."""

    credit_code: str
    name: str
    region_code: str
    entered_on: date
    basis: str
    removed_on: date | None = None
    removal_reason: str | None = None


@dataclass(frozen=True)
class Standing:
    """A unit's whole history on the list and its yellow cards, newest first."""

    enterprise: Enterprise
    entries: list[PositiveListEntry]
    cards: list[YellowCard]

    @property
    def listed(self) -> PositiveListEntry | None:
        return next((e for e in self.entries if e.removed_on is None), None)

    @property
    def re_entry_from(self) -> date | None:
        """While barred after a removal: the first day the unit may enter again."""
        removed = [e.removed_on for e in self.entries if e.removed_on is not None]
        if self.listed is not None or not removed:
            return None
        return re_entry_from(max(removed))


def _signed_in(actor: Actor) -> None:
    """Lists are for people signed in; what each sees of them is the SQL form of STANDING_VIEW."""
    if not actor.is_authenticated:
        raise NotAuthenticated(N_("Please log in to continue."))


def _rows() -> sa.Select:  # type: ignore[type-arg]
    """The columns of a ``ListedUnit``, entries joined to their units."""
    return sa.select(
        col(Enterprise.credit_code),
        col(Enterprise.name),
        col(PositiveListEntry.region_code),
        col(PositiveListEntry.entered_on),
        col(PositiveListEntry.basis),
        col(PositiveListEntry.removed_on),
        col(PositiveListEntry.removal_reason),
    ).join(Enterprise, col(Enterprise.id) == col(PositiveListEntry.enterprise_id))


async def public_list(
    session: AsyncSession,
    *,
    removed: bool = False,
    first: int = 50,
    offset: int = 0,
    window: Window | None = None,
) -> Page[ListedUnit]:
    """The positive list as published (JN; AP (7)): the units on it now, or those removed, by name."""
    first = check_page_size(first)
    condition = (
        col(PositiveListEntry.removed_on).is_not(None)
        if removed
        else col(PositiveListEntry.removed_on).is_(None)
    )
    total = (
        await session.exec(select(func.count()).select_from(PositiveListEntry).where(condition))  # type: ignore[call-overload]
    ).one()
    # Removed units by the day they were removed, latest first; the id makes either order total.
    order = (
        (
            Key(col(PositiveListEntry.removed_on), descending=True),
            Key(col(Enterprise.name)),
            Key(col(PositiveListEntry.id)),
        )
        if removed
        else (Key(col(Enterprise.name)), Key(col(PositiveListEntry.id)))
    )
    statement = _rows().where(condition)
    connection = await session.connection()
    if window is not None:
        page = await keyset_page(
            session,
            statement.add_columns(col(PositiveListEntry.id)),
            order,
            window,
            lambda row: _listed_key(row, removed),
            total=int(total),
            rows=lambda query: _all(connection, query),
        )
        return page.mapped([ListedUnit(*row[:-1]) for row in page.items])
    rows = (
        await connection.execute(statement.order_by(*sort_order(order)).offset(offset).limit(first))
    ).all()
    return Page([ListedUnit(*row) for row in rows], offset, int(total))


async def _all(connection: Any, query: Any) -> list[Any]:
    return list((await connection.execute(query)).all())


def _listed_key(row: Any, removed: bool) -> tuple[Any, ...]:
    unit = ListedUnit(*row[:-1])
    return (unit.removed_on, unit.name, row[-1]) if removed else (unit.name, row[-1])


async def standing_of(session: AsyncSession, actor: Actor, *, credit_code: str) -> Standing:
    """A unit's entries and cards, for regulators of its jurisdiction and the unit itself."""
    code = (credit_code or "").strip()
    enterprise = await find_enterprise(session, code) if 0 < len(code) <= 18 else None
    if enterprise is None:
        _signed_in(actor)
        raise NotFound(N_("No unit with this credit code."), field="credit_code")
    require(actor, Operation.STANDING_VIEW, target_of(enterprise))
    entries = (
        await session.exec(
            select(PositiveListEntry)
            .where(PositiveListEntry.enterprise_id == enterprise.id)
            .order_by(col(PositiveListEntry.entered_on).desc(), col(PositiveListEntry.id).desc())
        )
    ).all()
    cards = (
        await session.exec(
            select(YellowCard)
            .where(YellowCard.enterprise_id == enterprise.id)
            .order_by(col(YellowCard.issued_on).desc(), col(YellowCard.id).desc())
        )
    ).all()
    return Standing(enterprise, list(entries), list(cards))


@dataclass(frozen=True)
class CardRow:
    card: YellowCard
    credit_code: str
    name: str


def _cards_where(actor: Actor, year: int) -> list[Any]:
    """This year's cards the actor may see: one condition for the list and its count."""
    return [
        col(YellowCard.issued_on) >= date(year, 1, 1),
        col(YellowCard.issued_on) <= date(year, 12, 31),
        allowed(
            actor,
            Operation.STANDING_VIEW,
            TargetColumns(
                enterprise_id=col(YellowCard.enterprise_id), region_code=col(YellowCard.region_code)
            ),
        ),
    ]


async def cards_of_year(session: AsyncSession, actor: Actor, *, year: int) -> list[CardRow]:
    """The yellow cards of a calendar year that the actor may see, newest first (at most 500)."""
    _signed_in(actor)
    statement = (
        select(YellowCard, Enterprise.credit_code, Enterprise.name)
        .join(Enterprise, col(Enterprise.id) == col(YellowCard.enterprise_id))
        .where(*_cards_where(actor, year))
        .order_by(col(YellowCard.issued_on).desc(), col(YellowCard.id).desc())
        .limit(500)
    )
    return [CardRow(card, code, name) for card, code, name in (await session.exec(statement)).all()]


async def count_cards_of_year(session: AsyncSession, actor: Actor, *, year: int) -> int:
    """How many yellow cards of the year the actor may see (the home page's figure)."""
    _signed_in(actor)
    statement = select(func.count()).select_from(YellowCard).where(*_cards_where(actor, year))
    return int((await session.exec(statement)).one())  # type: ignore[call-overload]


def _listed_where(actor: Actor) -> list[Any]:
    """The entries of units on the list now that the actor may see: one condition for list and count."""
    return [
        col(PositiveListEntry.removed_on).is_(None),
        allowed(
            actor,
            Operation.STANDING_VIEW,
            TargetColumns(
                enterprise_id=col(PositiveListEntry.enterprise_id),
                region_code=col(PositiveListEntry.region_code),
            ),
        ),
    ]


async def listed_units(session: AsyncSession, actor: Actor) -> list[ListedUnit]:
    """The units on the list now that the actor may see, by name (the regulators' working list)."""
    _signed_in(actor)
    statement = _rows().where(*_listed_where(actor))
    rows = (
        await (await session.connection()).execute(statement.order_by(col(Enterprise.name)).limit(1000))
    ).all()
    return [ListedUnit(*row) for row in rows]


async def count_listed(session: AsyncSession, actor: Actor) -> int:
    """How many units on the list now the actor may see (the home page's figure)."""
    _signed_in(actor)
    statement = select(func.count()).select_from(PositiveListEntry).where(*_listed_where(actor))
    return int((await session.exec(statement)).one())  # type: ignore[call-overload]


async def listed_on(session: AsyncSession, enterprise_ids: Iterable[int], day: date) -> set[int]:
    """Which of these units were on the list on ``day`` (entered on or before it, not removed by then)."""
    ids = list(enterprise_ids)
    if not ids:
        return set()
    statement = select(PositiveListEntry.enterprise_id).where(
        col(PositiveListEntry.enterprise_id).in_(ids),
        col(PositiveListEntry.entered_on) <= day,
        sa.or_(col(PositiveListEntry.removed_on).is_(None), col(PositiveListEntry.removed_on) > day),
    )
    return set((await session.exec(statement)).all())
