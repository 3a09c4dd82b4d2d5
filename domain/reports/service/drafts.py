"""The unit's draft of a report: saved as often as it likes (autosave), private to the unit and the agency
that files for it, never seen by regulators. Saving a draft opens the report of its period."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.clock import utcnow
from domain.db import insert_unless_present
from domain.errors import FieldError, ValidationFailed
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


async def editable_report(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    kind: str,
    period: str,
    errors: list[FieldError] | None = None,
) -> tuple[ExecutionReport, Permit]:
    """The report whose draft the actor edits, opened if needed; every problem with the period is named at
    once with ``errors`` (the caller's own), and nothing is opened; an accepted report is closed."""
    permit = await lookup.permit(session, actor, permit_number)
    require(actor, Operation.REPORT_WRITE, target_of(permit))
    nominal, period_errors = checks.period_errors(kind, period)
    errors = period_errors + (errors or [])
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
    return report, permit


async def save_draft(
    session: AsyncSession, actor: Actor, *, permit_number: str, kind: str, period: str, content: Any
) -> ExecutionReport:
    """Keep the unit's draft of a period's report, opening the report if needed. Every problem with the
    period or the content is named at once and nothing is saved; an accepted report is closed."""
    report, _permit = await editable_report(
        session,
        actor,
        permit_number=permit_number,
        kind=kind,
        period=period,
        errors=report_content.check_shape(kind, content),
    )
    report.draft = content
    report.draft_saved_at, report.draft_saved_by = utcnow(), actor.username
    report.draft_on_behalf_of = actor.on_behalf_of
    session.add(report)
    return report
