"""Marks of what may change the filing rollup, left in the transaction of the change itself.

A listener on every session's flush looks at the permits, permit versions and execution reports being
written and adds a ``FilingRollupMark`` for each district, permit or report whose counts may move, so no
write path (portal, GraphQL, imports, the demo) can change the figures without the worker hearing of it.
Writes that bypass the ORM tell ``permits.written`` (the permit import: ``mark_regions`` hears it) or leave
it to ``permitwatch rollup-rebuild`` (the province-scale demo's bulk filings).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.permits.models import Permit, PermitVersion
from domain.permits.rules import PermitStatus
from domain.permits.written import on_bulk_written
from domain.reports.models import ExecutionReport
from domain.reports.rollup.models import FilingRollupMark

# What a permit's counts depend on: whether it is in force, its validity, where it is counted, its terms;
# and what the overdue rows keep of it (its number and unit: the list's order and access).
PERMIT_FIELDS = (
    "status",
    "valid_from",
    "valid_until",
    "region_code",
    "industry_code",
    "content_version",
    "number",
    "enterprise_id",
)
# What a report's counts depend on: whether and when it was first submitted, and which period it is.
REPORT_FIELDS = ("first_submitted_at", "on_time", "permit_id", "kind", "period")

Key = tuple[str | None, int | None, str | None, str | None]


def _changed(obj: Any, fields: tuple[str, ...]) -> bool:
    attrs = sa.inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in fields)


def _old_and_new(obj: Any, field: str) -> set[Any]:
    history = sa.inspect(obj).attrs[field].history
    return {*history.deleted, *history.added, getattr(obj, field)} - {None}


def _keys(session: Session) -> set[Key]:
    keys: set[Key] = set()
    for obj in session.new:
        if isinstance(obj, Permit) and obj.status == PermitStatus.ISSUED and obj.region_code:
            keys.add((obj.region_code, None, None, None))
        elif isinstance(obj, PermitVersion) and obj.permit_id is not None:
            keys.add((None, obj.permit_id, None, None))
        elif isinstance(obj, ExecutionReport) and obj.first_submitted_at is not None:
            keys.add((None, obj.permit_id, obj.kind, obj.period))
    for obj in session.dirty:
        if isinstance(obj, Permit) and _changed(obj, PERMIT_FIELDS):
            keys |= {(region, None, None, None) for region in _old_and_new(obj, "region_code")}
        elif isinstance(obj, PermitVersion) and obj.permit_id is not None:
            keys.add((None, obj.permit_id, None, None))
        elif isinstance(obj, ExecutionReport) and _changed(obj, REPORT_FIELDS):
            for permit_id in _old_and_new(obj, "permit_id"):
                for kind in _old_and_new(obj, "kind"):
                    keys |= {(None, permit_id, kind, period) for period in _old_and_new(obj, "period")}
    for obj in session.deleted:
        if isinstance(obj, Permit) and obj.region_code:
            keys.add((obj.region_code, None, None, None))
        elif isinstance(obj, (PermitVersion, ExecutionReport)) and obj.permit_id is not None:
            keys.add((None, obj.permit_id, None, None))
    return keys


def mark_reports_written(session: Session | AsyncSession, reports: list[ExecutionReport]) -> None:
    """Marks for reports whose changes are written without the ORM's flush (the filing desk updates a
    batch's reports in one statement, so the listener below never sees them change): call it before the
    reports' attributes are told they are stored, while their history still holds the change."""
    keys = {
        (report.permit_id, report.kind, report.period)
        for report in reports
        if _changed(report, REPORT_FIELDS)
    }
    for permit_id, kind, period in sorted(keys):
        session.add(FilingRollupMark(permit_id=permit_id, kind=kind, period=period))


@event.listens_for(Session, "before_flush")
def _mark(session: Session, _context: Any, _instances: Any) -> None:
    for region_code, permit_id, kind, period in sorted(_keys(session), key=repr):
        session.add(FilingRollupMark(region_code=region_code, permit_id=permit_id, kind=kind, period=period))


@on_bulk_written
async def mark_regions(session: AsyncSession, region_codes: frozenset[str]) -> None:
    """Whole districts to recount, for a write that bypasses the ORM (the permit import's bulk insert)."""
    session.add_all(FilingRollupMark(region_code=region) for region in sorted(region_codes))
    await session.flush()
