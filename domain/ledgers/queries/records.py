"""The ledger's records as people read them: readings and entries paged and filtered, one reading,
one entry with what each of its revisions changed, one exceedance in its ledger.

Read side: no writes. A record addressed through a permit's ledger must belong to that permit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation
from domain.changes.kinds import ObjectType
from domain.changes.since import updated_since
from domain.clock import CHINA
from domain.ledgers.lookup import ledger_permit, ledger_record
from domain.ledgers.models import ENTRY_KINDS, Exceedance, LedgerEntry, LedgerEntryRevision, MonitoringReading
from domain.ledgers.queries.ledger import LedgerContext, context_of, ledger_context
from domain.ledgers.rules import aware
from domain.pagination import Key, Page, Window, check_page_size, keyset_page, sort_order

# ---------------------------------------------------------------------------
# Readings
# ---------------------------------------------------------------------------


READING_ORDER = (
    Key(col(MonitoringReading.measured_at), descending=True),
    Key(col(MonitoringReading.id), descending=True),
)


def _reading_key(reading: MonitoringReading) -> tuple[Any, ...]:
    return (reading.measured_at, reading.id)


async def readings(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    outlet: str = "",
    pollutant: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
    include_void: bool = False,
    changed_since: datetime | None = None,
    first: int = 50,
    offset: int = 0,
    window: Window | None = None,
) -> Page[MonitoringReading]:
    """Readings of [start, end), newest first (void ones on request)."""
    permit = await ledger_permit(session, actor, permit_number, Operation.LEDGER_VIEW)
    check_page_size(first)
    statement = select(MonitoringReading).where(MonitoringReading.permit_id == permit.id)
    if outlet:
        statement = statement.where(MonitoringReading.outlet_code == outlet.strip().upper())
    if pollutant:
        statement = statement.where(MonitoringReading.pollutant == pollutant.strip().upper())
    if start:
        statement = statement.where(col(MonitoringReading.measured_at) >= start)
    if end:
        statement = statement.where(col(MonitoringReading.measured_at) < end)
    if changed_since is not None:
        statement = statement.where(
            updated_since(
                ObjectType.READING,
                col(MonitoringReading.id),
                col(MonitoringReading.entered_at),
                changed_since,
            )
        )
    if not include_void:
        statement = statement.where(col(MonitoringReading.voided_at).is_(None))
    total = (await session.exec(select(sa.func.count()).select_from(statement.subquery()))).one()
    if window is not None:
        return await keyset_page(session, statement, READING_ORDER, window, _reading_key, total=int(total))
    rows = (
        await session.exec(statement.order_by(*sort_order(READING_ORDER)).offset(offset).limit(first))
    ).all()
    return Page(items=list(rows), offset=offset, total=int(total))


@dataclass(frozen=True)
class ReadingFilters:
    outlet: str = ""
    pollutant: str = ""
    start: datetime | None = None
    end: datetime | None = None  # exclusive
    include_void: bool = False


@dataclass
class ReadingsPage:
    context: LedgerContext
    page: Page[MonitoringReading]


async def readings_page(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    filters: ReadingFilters,
    first: int = 50,
    offset: int = 0,
) -> ReadingsPage:
    """The readings table of a ledger: filtered by outlet, pollutant and period."""
    context = await ledger_context(session, actor, permit_number=permit_number)
    page = await readings(
        session,
        actor,
        permit_number=context.number,
        outlet=filters.outlet,
        pollutant=filters.pollutant,
        start=filters.start,
        end=filters.end,
        include_void=filters.include_void,
        first=first,
        offset=offset,
    )
    return ReadingsPage(context=context, page=page)


async def reading_in_ledger(
    session: AsyncSession, actor: Actor, *, permit_number: str, reading_id: int
) -> tuple[LedgerContext, MonitoringReading]:
    reading, permit = await ledger_record(
        session, actor, MonitoringReading, reading_id, field="reading", permit_number=permit_number
    )
    return await context_of(session, actor, permit), reading


async def exceedance_in_ledger(
    session: AsyncSession, actor: Actor, *, permit_number: str, exceedance_id: int
) -> tuple[LedgerContext, Exceedance]:
    exceedance, permit = await ledger_record(
        session, actor, Exceedance, exceedance_id, field="exceedance", permit_number=permit_number
    )
    return await context_of(session, actor, permit), exceedance


# ---------------------------------------------------------------------------
# Other entries
# ---------------------------------------------------------------------------


ENTRY_ORDER = (Key(col(LedgerEntry.period_start), descending=True), Key(col(LedgerEntry.id), descending=True))


def _entry_key(entry: LedgerEntry) -> tuple[Any, ...]:
    return (entry.period_start, entry.id)


async def entries(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    kind: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
    changed_since: datetime | None = None,
    first: int = 50,
    offset: int = 0,
    window: Window | None = None,
) -> Page[LedgerEntry]:
    """Entries whose period starts in [start, end), latest first (void ones included, marked)."""
    permit = await ledger_permit(session, actor, permit_number, Operation.LEDGER_VIEW)
    check_page_size(first)
    statement = select(LedgerEntry).where(LedgerEntry.permit_id == permit.id)
    if kind:
        statement = statement.where(LedgerEntry.kind == kind)
    if start:
        statement = statement.where(col(LedgerEntry.period_start) >= start)
    if end:
        statement = statement.where(col(LedgerEntry.period_start) < end)
    if changed_since is not None:
        statement = statement.where(
            updated_since(
                ObjectType.LEDGER_ENTRY, col(LedgerEntry.id), col(LedgerEntry.created_at), changed_since
            )
        )
    total = (await session.exec(select(sa.func.count()).select_from(statement.subquery()))).one()
    if window is not None:
        return await keyset_page(session, statement, ENTRY_ORDER, window, _entry_key, total=int(total))
    # The id breaks ties (two entries of one period start): without it pages overlap.
    rows = (
        await session.exec(statement.order_by(*sort_order(ENTRY_ORDER)).offset(offset).limit(first))
    ).all()
    return Page(items=list(rows), offset=offset, total=int(total))


@dataclass
class EntriesPage:
    context: LedgerContext
    page: Page[LedgerEntry]
    month_start: datetime
    month_end: datetime


def next_month(start: datetime) -> datetime:
    """The first day of the month after ``start``'s (``start`` is a month's first day)."""
    return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)


async def entries_page(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    kind: str,
    month_start: datetime,
    first: int = 50,
    offset: int = 0,
) -> EntriesPage:
    """A month of a ledger's entries (China calendar), of one kind or all."""
    context = await ledger_context(session, actor, permit_number=permit_number)
    end = next_month(month_start)
    page = await entries(
        session,
        actor,
        permit_number=context.number,
        kind=kind if kind in ENTRY_KINDS else "",
        start=month_start,
        end=end,
        first=first,
        offset=offset,
    )
    return EntriesPage(context=context, page=page, month_start=month_start, month_end=end)


async def entry_revisions(session: AsyncSession, actor: Actor, *, entry_id: int) -> list[LedgerEntryRevision]:
    """Every revision of an entry, newest first."""
    await ledger_record(session, actor, LedgerEntry, entry_id, field="entry")
    statement = (
        select(LedgerEntryRevision)
        .where(LedgerEntryRevision.entry_id == entry_id)
        .order_by(col(LedgerEntryRevision.revision).desc())
    )
    return list((await session.exec(statement)).all())


@dataclass(frozen=True)
class Change:
    name: str
    before: str
    after: str


@dataclass
class RevisionView:
    revision: LedgerEntryRevision
    changes: list[Change]


@dataclass
class EntryDetail:
    context: LedgerContext
    entry: LedgerEntry
    revisions: list[RevisionView]


def _china_minutes(moment: datetime | None) -> str:
    return "" if moment is None else aware(moment).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def text_of(value: Any) -> str:
    """A stored value as the ledger shows it: a whole number without its ".0", others to 6 digits."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.6g}"
    return str(value)


def _flat(revision: LedgerEntryRevision) -> dict[str, str]:
    values = {
        "subject": revision.subject,
        "period_start": _china_minutes(revision.period_start),
        "period_end": _china_minutes(revision.period_end),
    }
    for name, value in (revision.data or {}).items():
        if isinstance(value, dict):
            for key, inner in value.items():
                values[f"{name}_{key}"] = text_of(inner)
        else:
            values[name] = text_of(value)
    return values


async def entry_detail(
    session: AsyncSession, actor: Actor, *, permit_number: str, entry_id: int
) -> EntryDetail:
    """An entry with every revision, newest first, and what each one changed."""
    entry, permit = await ledger_record(
        session, actor, LedgerEntry, entry_id, field="entry", permit_number=permit_number
    )
    context = await context_of(session, actor, permit)
    revisions = await entry_revisions(session, actor, entry_id=entry_id)
    shown: list[RevisionView] = []
    oldest_first = list(reversed(revisions))
    for index, revision in enumerate(oldest_first):
        after = _flat(revision)
        before = _flat(oldest_first[index - 1]) if index else {}
        changes = [
            Change(name, before.get(name, ""), after.get(name, ""))
            for name in dict.fromkeys([*before, *after])
            if before.get(name, "") != after.get(name, "")
        ]
        shown.append(RevisionView(revision, changes))
    return EntryDetail(context=context, entry=entry, revisions=list(reversed(shown)))
