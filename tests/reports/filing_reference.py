"""The filing rates as the dashboard computed them before the rollup (issue 19): every permit in force of
the jurisdiction read with its terms and its schedule planned, per request. Kept as the reference the
rollup's counts must equal (tests/reports/test_filing_rollup.py)."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation
from domain.access.sql import allowed
from domain.permits.models import Permit
from domain.permits.rules import PermitStatus
from domain.permits.state import TARGET_COLUMNS
from domain.reports import checks
from domain.reports import schedule as plans
from domain.reports.models import ExecutionReport
from domain.reports.queries.statistics import FilingRate


async def direct_filing_statistics(
    session: AsyncSession, actor: Actor, *, kind: str, period: str, by: str = "region"
) -> list[FilingRate]:
    target = checks.period(kind, period)
    statement = select(Permit).where(
        Permit.status == PermitStatus.ISSUED,
        col(Permit.valid_from) <= target.end,
        col(Permit.valid_until) >= target.start,
        allowed(actor, Operation.PERMIT_VIEW, TARGET_COLUMNS),
    )
    permits = (await session.exec(statement)).all()
    owing = [permit for permit, _item in await plans.owing(session, permits, kind, target.label)]
    reports = {
        r.permit_id: r
        for r in (
            await session.exec(
                select(ExecutionReport).where(
                    ExecutionReport.kind == kind, ExecutionReport.period == target.label
                )
            )
        ).all()
    }
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for permit in owing:
        key = permit.region_code if by == "region" else permit.industry_code
        counts = groups[key]
        counts[0] += 1
        report = reports.get(permit.id or 0)
        if report is not None and report.first_submitted_at is not None:
            counts[1] += 1
            counts[2] += 1 if report.on_time else 0
    return [FilingRate(key, *values) for key, values in sorted(groups.items())]
