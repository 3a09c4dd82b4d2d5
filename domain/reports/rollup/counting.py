"""Counting the filing rollup: a district's counts recounted from its permits and reports (all periods, or
the periods a report mark names), the worker's round over the marks, and the full rebuild.

The count is the filing dashboard's rule (``reports.schedule.owing``): a permit issued and in force during
the period owes the report when its terms require the kind and its plan does not exempt the period
(held too short, or folded into a longer report); it was submitted when the report has a first
submission, on time when that submission was. Each cell is also keyed by the due date (the permit's copy
may set its own due days), so a reader can count only what is past due. The reports owed and not
submitted of a period that has ended are kept one row each (``FilingOverdue``, the overdue list).

The overdue rows of a period appear when it ends, which no write marks: the first round of a day counts
the periods that ended since the last one, every district for those periods only (``_ended_since``).

``on`` is the day counted (China time), today unless a test says otherwise."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from domain.clock import today, utcnow
from domain.db import Database, insert_rows
from domain.permits.models import Permit
from domain.permits.rules import PermitStatus
from domain.permits.terms import terms_of
from domain.reports import rules
from domain.reports import schedule as plans
from domain.reports.models import ExecutionReport
from domain.reports.rollup.models import FilingOverdue, FilingRollup, FilingRollupMark, FilingRollupState

log = logging.getLogger("permitwatch.worker")

Pair = tuple[str, str]  # (kind, period label)


@dataclass
class Counted:
    """What a refresh or rebuild recounted."""

    regions: int = 0
    periods: int = 0  # (district, kind, period) recounted on their own
    marks: int = 0
    counted_at: datetime | None = None


async def _state(session: AsyncSession, *, wait: bool) -> FilingRollupState | None:
    """The state row, locked: one refresh or rebuild at a time (several workers, the CLI). Without
    ``wait``, None when another holds it (a worker then leaves this round's count to that one). Pending
    writes of the caller's session are flushed first, so their marks are taken too."""
    await session.flush()
    statement = select(FilingRollupState).where(FilingRollupState.id == 1)
    state = (await session.exec(statement.with_for_update(skip_locked=not wait))).first()
    if state is None and wait:
        state = FilingRollupState(id=1)  # the migration writes it; a database built otherwise lacks it
        session.add(state)
        await session.flush()
    return state


def _permits_of(region: str, pairs: set[Pair] | None) -> SelectOfScalar[Permit]:
    statement = select(Permit).where(
        Permit.status == PermitStatus.ISSUED,
        Permit.region_code == region,
        col(Permit.valid_from).is_not(None),
        col(Permit.valid_until).is_not(None),
    )
    if pairs:
        spans = [p for p in (rules.parse_period(kind, label) for kind, label in pairs) if p is not None]
        if not spans:
            return statement.where(sa.false())
        statement = statement.where(
            col(Permit.valid_from) <= max(p.end for p in spans),
            col(Permit.valid_until) >= min(p.start for p in spans),
        )
    return statement.order_by(col(Permit.id))


def _pair_filter(table: sa.Table, pairs: set[Pair]) -> sa.ColumnElement[bool]:
    return sa.or_(*(sa.and_(table.c.kind == k, table.c.period == p) for k, p in sorted(pairs)))


async def recount(session: AsyncSession, region: str, pairs: set[Pair] | None = None, *, on: date) -> None:
    """Replace a district's counts and overdue rows (of the given kinds and periods, else of all) by a
    count from its permits and reports, as of the day ``on``."""
    permits = list((await session.exec(_permits_of(region, pairs))).all())
    terms = await terms_of(session, permits)
    defaults = plans.default_due_days()
    # (permit, kind, period) -> the permit's industry, the report's due date, whether the period has ended
    owed: dict[tuple[int, str, str], tuple[str, date, bool]] = {}
    for permit in permits:
        assert permit.id is not None
        permit_terms = terms[permit.id]
        if pairs is None:
            items: Iterable[rules.PlannedPeriod | None] = plans.permit_plan(
                permit, permit_terms, defaults=defaults
            )
        else:
            items = (
                plans.planned_period(permit, permit_terms, kind, label, defaults=defaults)
                for kind, label in pairs
            )
        for item in items:
            if item is not None and item.owed and item.kind in permit_terms.report_kinds:
                owed[(permit.id, item.kind, item.period.label)] = (
                    permit.industry_code,
                    item.due_date,
                    item.period.end < on,
                )
    cells: dict[tuple[str, str, str, date], list[int]] = defaultdict(lambda: [0, 0, 0])
    for (_permit, kind, label), (industry, due_date, _ended) in owed.items():
        cells[(industry, kind, label, due_date)][0] += 1
    reports = (
        select(
            ExecutionReport.permit_id, ExecutionReport.kind, ExecutionReport.period, ExecutionReport.on_time
        )
        .join(Permit, col(Permit.id) == col(ExecutionReport.permit_id))
        .where(
            Permit.region_code == region,
            Permit.status == PermitStatus.ISSUED,
            col(ExecutionReport.first_submitted_at).is_not(None),
        )
    )
    if pairs is not None:
        reports = reports.where(
            sa.or_(
                *(sa.and_(col(ExecutionReport.kind) == k, col(ExecutionReport.period) == p) for k, p in pairs)
            )
        )
    submitted: set[tuple[int, str, str]] = set()
    for permit_id, kind, label, on_time in (await session.exec(reports)).all():
        found = owed.get((permit_id, kind, label))
        if found is not None:
            industry, due_date, _ended = found
            submitted.add((permit_id, kind, label))
            cells[(industry, kind, label, due_date)][1] += 1
            cells[(industry, kind, label, due_date)][2] += 1 if on_time else 0
    numbers = {permit.id: (permit.number or "", permit.enterprise_id) for permit in permits}
    for permit in permits:
        session.expunge(permit)  # a rebuild goes through every district: keep memory flat
    table = FilingRollup.__table__  # type: ignore[attr-defined]
    overdue = FilingOverdue.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    for each in (table, overdue):
        delete = sa.delete(each).where(each.c.region_code == region)
        if pairs is not None:
            delete = delete.where(_pair_filter(each, pairs))
        await connection.execute(delete)
    rows = [
        {
            "region_code": region,
            "industry_code": industry,
            "kind": kind,
            "period": label,
            "due_date": due_date,
            "due": due,
            "submitted": count,
            "on_time": on_time,
        }
        for (industry, kind, label, due_date), (due, count, on_time) in sorted(cells.items())
    ]
    for start in range(0, len(rows), 1000):
        await insert_rows(session, table, rows[start : start + 1000])
    unfiled = [
        {
            "region_code": region,
            "industry_code": industry,
            "permit_id": permit_id,
            "permit_number": numbers[permit_id][0],
            "enterprise_id": numbers[permit_id][1],
            "kind": kind,
            "period": label,
            "due_date": due_date,
        }
        for (permit_id, kind, label), (industry, due_date, ended) in sorted(owed.items())
        if ended and (permit_id, kind, label) not in submitted
    ]
    for start in range(0, len(unfiled), 1000):
        await insert_rows(session, overdue, unfiled[start : start + 1000])


KINDS = ("monthly", "quarterly", "semiannual", "annual")


def _ended_since(since: date, on: date) -> set[Pair]:
    """The periods of every kind that ended on or after ``since`` and before ``on``."""
    return {
        (kind, period.label)
        for kind in KINDS
        for period in rules.periods_between(kind, since - timedelta(days=370), on)
        if since <= period.end < on
    }


async def refresh(session: AsyncSession, *, on: date | None = None) -> Counted:
    """The worker's round: take every mark committed so far and recount what they name; the counts then
    include every change committed before this round began. Nothing when another worker is counting."""
    state = await _state(session, wait=False)
    if state is None:
        return Counted()
    began = utcnow()
    on = on or today()
    marks_table = FilingRollupMark.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    taken = (
        await connection.execute(
            sa.delete(marks_table).returning(
                marks_table.c.region_code, marks_table.c.permit_id, marks_table.c.kind, marks_table.c.period
            )
        )
    ).all()
    regions: set[str] = {region for region, _permit, _kind, _period in taken if region is not None}
    permit_ids = {permit for _region, permit, _kind, _period in taken if permit is not None}
    where: dict[int, str] = {}
    if permit_ids:
        where = {
            permit_id: region
            for permit_id, region in (
                await session.exec(
                    select(Permit.id, Permit.region_code).where(col(Permit.id).in_(sorted(permit_ids)))
                )
            ).all()
            if permit_id is not None
        }
    pairs: dict[str, set[Pair]] = defaultdict(set)
    for _region, permit_id, kind, period in taken:
        if permit_id is None or permit_id not in where:
            continue  # a deleted permit's district was marked with it
        if kind is None or period is None:
            regions.add(where[permit_id])
        else:
            pairs[where[permit_id]].add((kind, period))
    if state.overdue_through is not None and state.overdue_through < on:
        ended = _ended_since(state.overdue_through, on)
        if ended:
            every = await session.exec(
                select(Permit.region_code).where(Permit.status == PermitStatus.ISSUED).distinct()
            )
            for region in every.all():
                pairs[region] |= ended
    for region in sorted(regions):
        await recount(session, region, on=on)
    counted = Counted(regions=len(regions), marks=len(taken), counted_at=began)
    for region, wanted in sorted(pairs.items()):
        if region not in regions:
            await recount(session, region, wanted, on=on)
            counted.periods += len(wanted)
    state.counted_at = began
    state.overdue_through = on
    session.add(state)
    await session.flush()
    if taken:
        log.info(
            "filing rollup: %s marks, %s districts, %s periods", len(taken), counted.regions, counted.periods
        )
    return counted


async def rebuild(session: AsyncSession, *, on: date | None = None) -> Counted:
    """Every district's counts anew, and the marks dropped (after imports and migrations)."""
    state = await _state(session, wait=True)
    assert state is not None
    began = utcnow()
    on = on or today()
    marks = FilingRollupMark.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    taken = len((await connection.execute(sa.delete(marks).returning(marks.c.id))).all())
    await connection.execute(sa.delete(FilingRollup.__table__))  # type: ignore[attr-defined]
    await connection.execute(sa.delete(FilingOverdue.__table__))  # type: ignore[attr-defined]
    regions = (
        await session.exec(select(Permit.region_code).where(Permit.status == PermitStatus.ISSUED).distinct())
    ).all()
    for region in sorted(regions):
        await recount(session, region, on=on)
    state.counted_at = state.rebuilt_at = began
    state.overdue_through = on
    session.add(state)
    await session.flush()
    return Counted(regions=len(regions), marks=taken, counted_at=began)


async def refresh_in(db: Database) -> Counted:
    """One refresh in its own transaction (the worker's round)."""
    async with db.transaction() as session:
        return await refresh(session)


async def rebuild_in(db: Database) -> Counted:
    """The rebuild in its own transaction (``permitwatch rollup-rebuild``, the province-scale demo)."""
    async with db.transaction() as session:
        return await rebuild(session)
