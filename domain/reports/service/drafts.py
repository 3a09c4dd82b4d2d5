"""The unit's draft of a report: saved as often as it likes (autosave), private to the unit and the agency
that files for it, never seen by regulators. Saving a draft opens the report of its period."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.clock import utcnow
from domain.db import insert_unless_present
from domain.errors import ValidationFailed
from domain.permits.models import Permit
from domain.permits.state import target_of
from domain.permits.terms import permit_terms
from domain.reports import checks, lookup, rules
from domain.reports import content as report_content
from domain.reports.models import ExecutionReport


async def open_report(
    session: AsyncSession,
    permit: Permit,
    kind: str,
    period: rules.Period,
    planned: rules.PlannedPeriod | None,
) -> ExecutionReport:
    """The report of a period, opened now unless it exists. The caller has checked that the permit owes it
    (``checks.new_report_errors``)."""
    # Another request may open the same report a moment ago: its row wins and this one is not written
    # (no savepoint needed), then both read the one row.
    await insert_unless_present(
        session,
        ExecutionReport,
        checks.new_report(permit, kind, period, planned),
        ("permit_id", "kind", "period"),
    )
    report = await lookup.report_of(session, permit, kind, period.label)
    assert report is not None
    return report


async def save_draft(
    session: AsyncSession, actor: Actor, *, permit_number: str, kind: str, period: str, content: Any
) -> ExecutionReport:
    """Keep the unit's draft of a period's report, opening the report if needed. Every problem with the
    period or the content is named at once and nothing is saved; an accepted report is closed."""
    permit = await lookup.permit(session, actor, permit_number)
    require(actor, Operation.REPORT_WRITE, target_of(permit))
    nominal, errors = checks.period_errors(kind, period)
    errors += report_content.check_shape(kind, content)
    report, planned = None, None
    if nominal is not None:
        report = await lookup.report_of(session, permit, kind, nominal.label)
        if report is None:
            planned = await checks.planned(session, permit, kind, nominal)
            kinds = (await permit_terms(session, permit)).report_kinds
            errors += checks.new_report_errors(permit, kinds, kind, nominal, planned)
    if errors:
        raise ValidationFailed(errors)
    assert nominal is not None
    checks.check_open(report)
    if report is None:
        report = await open_report(session, permit, kind, nominal, planned)
    report.draft = content
    report.draft_saved_at, report.draft_saved_by = utcnow(), actor.username
    report.draft_on_behalf_of = actor.on_behalf_of
    session.add(report)
    return report
