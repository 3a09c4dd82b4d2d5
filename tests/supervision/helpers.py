"""Arranging what supervision's tests start from: a unit with a permit, a report and an enforcement lead
as review leaves it (``domain.reports.service.review`` writes leads; the arrangement writes the rows)."""

from __future__ import annotations

from datetime import date

from domain.reports.models import EnforcementLead, ExecutionReport


async def make_lead(session, permit, description: str = "瞒报超标排放") -> EnforcementLead:  # type: ignore[no-untyped-def]
    report = ExecutionReport(
        permit_id=permit.id,
        enterprise_id=permit.enterprise_id,
        region_code=permit.region_code,
        industry_code="4411",
        kind="quarterly",
        period="2026-Q2",
        period_start=date(2026, 4, 1),
        period_end=date(2026, 6, 30),
        due_date=date(2026, 7, 15),
        state="returned",
    )
    session.add(report)
    await session.flush()
    lead = EnforcementLead(
        report_id=report.id,
        permit_id=permit.id,
        enterprise_id=permit.enterprise_id,
        region_code=permit.region_code,
        description=description,
        created_by="reviewer",
    )
    session.add(lead)
    await session.flush()
    return lead
