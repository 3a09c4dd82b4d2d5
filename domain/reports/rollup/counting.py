"""Counting the filing rollup: a district's counts recounted from its permits and reports (all periods, or
the periods a report mark names), the worker's round over the marks, and the full rebuild.

The count is the filing dashboard's rule (``reports.schedule.owing``): a permit issued and in force during
the period owes the report when its terms require the kind and its plan does not exempt the period
(held too short, or folded into a longer report); it was submitted when the report has a first
submission, on time when that submission was."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from domain.clock import utcnow
from domain.db import Database, insert_rows
from domain.permits.models import Permit
from domain.permits.rules import PermitStatus
from domain.permits.terms import terms_of
from domain.reports import rules
from domain.reports import schedule as plans
from domain.reports.models import ExecutionReport
from domain.reports.rollup.models import FilingRollup, FilingRollupMark, FilingRollupState

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


async def recount(session: AsyncSession, region: str, pairs: set[Pair] | None = None) -> None:
    """Replace a district's counts (of the given kinds and periods, else of all) by a count from its
    permits and reports."""
    permits = list((await session.exec(_permits_of(region, pairs))).all())
    terms = await terms_of(session, permits)
    defaults = plans.default_due_days()
    owed: dict[tuple[int, str, str], str] = {}  # (permit, kind, period) -> the permit's industry
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
                owed[(permit.id, item.kind, item.period.label)] = permit.industry_code
    cells: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for (_permit, kind, label), industry in owed.items():
        cells[(industry, kind, label)][0] += 1
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
    for permit_id, kind, label, on_time in (await session.exec(reports)).all():
        owner = owed.get((permit_id, kind, label))
        if owner is not None:
            cells[(owner, kind, label)][1] += 1
            cells[(owner, kind, label)][2] += 1 if on_time else 0
    for permit in permits:
        session.expunge(permit)  # a rebuild goes through every district: keep memory flat
    table = FilingRollup.__table__  # type: ignore[attr-defined]
    delete = sa.delete(table).where(table.c.region_code == region)
    if pairs is not None:
        delete = delete.where(sa.or_(*(sa.and_(table.c.kind == k, table.c.period == p) for k, p in pairs)))
    await (await session.connection()).execute(delete)
    rows = [
        {
            "region_code": region,
            "industry_code": industry,
            "kind": kind,
            "period": label,
            "due": due,
            "submitted": submitted,
            "on_time": on_time,
        }
        for (industry, kind, label), (due, submitted, on_time) in sorted(cells.items())
    ]
    for start in range(0, len(rows), 1000):
        await insert_rows(session, table, rows[start : start + 1000])


async def refresh(session: AsyncSession) -> Counted:
    """The worker's round: take every mark committed so far and recount what they name; the counts then
    include every change committed before this round began. Nothing when another worker is counting."""
    state = await _state(session, wait=False)
    if state is None:
        return Counted()
    began = utcnow()
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
    for region in sorted(regions):
        await recount(session, region)
    counted = Counted(regions=len(regions), marks=len(taken), counted_at=began)
    for region, wanted in sorted(pairs.items()):
        if region not in regions:
            await recount(session, region, wanted)
            counted.periods += len(wanted)
    state.counted_at = began
    session.add(state)
    await session.flush()
    if taken:
        log.info(
            "filing rollup: %s marks, %s districts, %s periods", len(taken), counted.regions, counted.periods
        )
    return counted


async def rebuild(session: AsyncSession) -> Counted:
    """Every district's counts anew, and the marks dropped (after imports and migrations)."""
    state = await _state(session, wait=True)
    assert state is not None
    began = utcnow()
    marks = FilingRollupMark.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    taken = len((await connection.execute(sa.delete(marks).returning(marks.c.id))).all())
    await connection.execute(sa.delete(FilingRollup.__table__))  # type: ignore[attr-defined]
    regions = (
        await session.exec(select(Permit.region_code).where(Permit.status == PermitStatus.ISSUED).distinct())
    ).all()
    for region in sorted(regions):
        await recount(session, region)
    state.counted_at = state.rebuilt_at = began
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
