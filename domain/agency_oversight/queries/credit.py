"""Credit as the oversight pages show it: each event with the record it rests on (a report and its receipt,
a feedback form, a permit's readings), the public credit page (信用公示) and one agency's events for the
ranking page. The score itself is ``domain.agencies.queries.credit``; the sources are read here, above the
reports, so that the agencies' register stays below the areas that move an agency's credit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor
from domain.agencies.models import Agency, CreditEvent
from domain.agencies.queries.credit import credit_of, score_history
from domain.agencies.queries.lookup import agency_by_code, visible_agency
from domain.agencies.rules import PUBLIC_STATUSES, formula, level_thresholds
from domain.enterprises.models import Enterprise
from domain.errors import N_, NotFound
from domain.permits.models import Permit
from domain.reports.models import ExecutionReport, FeedbackForm, ReportSubmission
from domain.scoring import ScorePoint


@dataclass(frozen=True)
class EventSource:
    """What a credit event points at, resolved for a link: a report (and receipt) or a permit's readings."""

    kind: str  # report, readings, none
    report_id: int | None = None
    receipt_number: str | None = None
    permit_number: str | None = None
    enterprise_name: str | None = None
    report_kind: str | None = None
    period: str | None = None


@dataclass(frozen=True)
class EventRow:
    event: CreditEvent
    source: EventSource


def _receipt_of(event: CreditEvent) -> str | None:
    if event.source_type == "finding":
        return event.source_id.split(":", 1)[0]
    if event.source_type in ("submission", "regulator"):
        return event.source_id
    return None


async def event_sources(session: AsyncSession, events: Iterable[CreditEvent]) -> list[EventRow]:
    """Resolve every event's source in a few batched queries (callers have checked the viewer)."""
    events = list(events)
    receipts = {r for r in (_receipt_of(e) for e in events) if r}
    form_ids = {
        int(e.source_id) for e in events if e.source_type == "feedback_form" and e.source_id.isdigit()
    }
    report_ids = {int(e.source_id) for e in events if e.source_type == "report" and e.source_id.isdigit()}
    numbers = {e.source_id for e in events if e.source_type in ("regulator", "readings")}

    report_of_receipt: dict[str, int] = {}
    if receipts:
        for receipt_number, report_id in (
            await session.exec(
                select(ReportSubmission.receipt_number, ReportSubmission.report_id).where(
                    col(ReportSubmission.receipt_number).in_(receipts)
                )
            )
        ).all():
            report_of_receipt[receipt_number] = report_id
    report_of_form: dict[int, int] = {}
    if form_ids:
        for form_id, report_id in (
            await session.exec(
                select(FeedbackForm.id, FeedbackForm.report_id).where(col(FeedbackForm.id).in_(form_ids))
            )
        ).all():
            report_of_form[form_id or 0] = report_id
    wanted = set(report_of_receipt.values()) | set(report_of_form.values()) | report_ids
    reports: dict[int, tuple[ExecutionReport, str, str]] = {}
    if wanted:
        for report, number, name in (
            await session.exec(
                select(ExecutionReport, Permit.number, Enterprise.name)
                .join(Permit, col(Permit.id) == col(ExecutionReport.permit_id))
                .join(Enterprise, col(Enterprise.id) == col(ExecutionReport.enterprise_id))
                .where(col(ExecutionReport.id).in_(wanted))
            )
        ).all():
            reports[report.id or 0] = (report, number or "", name)
    permits: dict[str, str] = {}
    if numbers:
        for number, name in (
            await session.exec(
                select(Permit.number, Enterprise.name)
                .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
                .where(col(Permit.number).in_(numbers))
            )
        ).all():
            permits[number or ""] = name

    def report_source(report_id: int | None, receipt: str | None) -> EventSource:
        found = reports.get(report_id or -1)
        if found is None:
            return EventSource("none")
        report, number, name = found
        return EventSource(
            "report",
            report_id=report.id,
            receipt_number=receipt,
            permit_number=number,
            enterprise_name=name,
            report_kind=report.kind,
            period=report.period,
        )

    rows = []
    for event in events:
        receipt = _receipt_of(event)
        source: EventSource
        if receipt and receipt in report_of_receipt:
            source = report_source(report_of_receipt[receipt], receipt)
        elif event.source_type == "feedback_form" and event.source_id.isdigit():
            source = report_source(report_of_form.get(int(event.source_id)), None)
        elif event.source_type == "report" and event.source_id.isdigit():
            source = report_source(int(event.source_id), None)
        elif event.source_type in ("regulator", "readings") and event.source_id in permits:
            source = EventSource(
                "readings", permit_number=event.source_id, enterprise_name=permits[event.source_id]
            )
        else:
            source = EventSource("none")
        rows.append(EventRow(event, source))
    return rows


@dataclass(frozen=True)
class CreditPage:
    agency: Agency
    score: float
    level: str
    events: list[EventRow]  # the public ones, each with the record it rests on
    history: list[ScorePoint]
    formula: list[tuple[str, float]]
    levels: list[tuple[str, float | None]]


async def public_credit_page(session: AsyncSession, *, credit_code: str) -> CreditPage:
    """信用公示: anyone's view of an approved (or suspended) agency's credit; serious problems only."""
    agency = await agency_by_code(session, credit_code)
    if agency is None or agency.status not in PUBLIC_STATUSES or agency.id is None:
        raise NotFound(N_("No agency with this credit code."), field="credit_code")
    credit = await credit_of(session, agency_id=agency.id, public_only=True)
    return CreditPage(
        agency=agency,
        score=credit.score,
        level=credit.level,
        events=await event_sources(session, credit.events),
        history=await score_history(session, agency),
        formula=formula(),
        levels=level_thresholds(),
    )


async def credit_events(
    session: AsyncSession, actor: Actor, *, credit_code: str
) -> tuple[Agency, list[EventRow]]:
    """Every event of an agency with its source (the ranking page opens them one agency at a time)."""
    agency = await visible_agency(session, actor, credit_code)
    assert agency.id is not None
    credit = await credit_of(session, agency_id=agency.id)
    return agency, await event_sources(session, credit.events)
