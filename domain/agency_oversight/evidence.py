"""The record a credit event that lowers an agency's score rests on (issue 12, Access): never free text.

Evidence is a kind and a reference to a record of that kind, checked to exist and to concern the agency:

- ``submission``: a report submission the agency filed, by its receipt number;
- ``feedback_form``: a feedback form issued on a submission the agency filed (the form's number);
- ``readings``: the monitoring readings the agency entered for a permit, by the permit number.

Each kind is one resolver in ``RESOLVERS``; the supervision records to come (inspection records,
enforcement cases) add theirs the same way, with nothing else to change: the event stores the kind and
the reference (``CreditEvent.source_type`` / ``source_id``), and pages show the record by name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.agencies.models import Agency
from domain.agencies.rules import agency_tag
from domain.enterprises.models import Enterprise
from domain.errors import N_
from domain.ledgers.models import MonitoringReading
from domain.permits.models import Permit
from domain.reports.models import ExecutionReport, FeedbackForm, ReportSubmission

EVIDENCE_LABELS = {
    "submission": N_("Report submission"),
    "feedback_form": N_("Feedback form"),
    "readings": N_("Monitoring readings"),
}


@dataclass(frozen=True)
class Evidence:
    """A record, as people name it: whose, what and when; never an internal id."""

    kind: str
    reference: str
    enterprise_name: str
    report_kind: str | None = None
    period: str | None = None

    @property
    def value(self) -> str:
        """How a form names the choice: kind and reference."""
        return f"{self.kind}:{self.reference}"


def _submissions(agency: Agency):  # type: ignore[no-untyped-def]
    return (
        select(ReportSubmission.receipt_number, Enterprise.name, ExecutionReport.kind, ExecutionReport.period)
        .join(ExecutionReport, col(ExecutionReport.id) == col(ReportSubmission.report_id))
        .join(Enterprise, col(Enterprise.id) == col(ExecutionReport.enterprise_id))
        .where(ReportSubmission.on_behalf_of == agency_tag(agency))
    )


def _forms(agency: Agency):  # type: ignore[no-untyped-def]
    return (
        select(FeedbackForm.id, Enterprise.name, ExecutionReport.kind, ExecutionReport.period)
        .join(ReportSubmission, col(ReportSubmission.id) == col(FeedbackForm.submission_id))
        .join(ExecutionReport, col(ExecutionReport.id) == col(FeedbackForm.report_id))
        .join(Enterprise, col(Enterprise.id) == col(ExecutionReport.enterprise_id))
        .where(ReportSubmission.on_behalf_of == agency_tag(agency))
    )


def _readings(agency: Agency):  # type: ignore[no-untyped-def]
    entered = select(MonitoringReading.permit_id).where(MonitoringReading.on_behalf_of == agency_tag(agency))
    return (
        select(Permit.number, Enterprise.name)
        .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
        .where(col(Permit.id).in_(entered), col(Permit.number).is_not(None))
    )


async def _submission(session: AsyncSession, agency: Agency, reference: str) -> Evidence | None:
    row = (
        await session.exec(_submissions(agency).where(ReportSubmission.receipt_number == reference))
    ).first()
    return Evidence("submission", reference, row[1], row[2], row[3]) if row else None


async def _feedback_form(session: AsyncSession, agency: Agency, reference: str) -> Evidence | None:
    if not reference.isdigit() or len(reference) > 18:
        return None
    row = (await session.exec(_forms(agency).where(FeedbackForm.id == int(reference)))).first()
    return Evidence("feedback_form", reference, row[1], row[2], row[3]) if row else None


async def _permit_readings(session: AsyncSession, agency: Agency, reference: str) -> Evidence | None:
    row = (await session.exec(_readings(agency).where(Permit.number == reference))).first()
    return Evidence("readings", reference, row[1]) if row else None


RESOLVERS: dict[str, Callable[[AsyncSession, Agency, str], Awaitable[Evidence | None]]] = {
    "submission": _submission,
    "feedback_form": _feedback_form,
    "readings": _permit_readings,
}


async def resolve(session: AsyncSession, agency: Agency, kind: str, reference: str) -> Evidence | None:
    """The record, if it exists and concerns this agency; None otherwise (or for an unknown kind)."""
    resolver = RESOLVERS.get(kind)
    return await resolver(session, agency, reference.strip()[:64]) if resolver else None


async def choices(session: AsyncSession, agency: Agency, *, limit: int = 30) -> list[Evidence]:
    """The records a regulator may name for this agency, newest first, for the form's list."""
    found: list[Evidence] = []
    for form_id, name, kind, period in (
        await session.exec(_forms(agency).order_by(col(FeedbackForm.id).desc()).limit(limit))
    ).all():
        found.append(Evidence("feedback_form", str(form_id), name, kind, period))
    for receipt, name, kind, period in (
        await session.exec(_submissions(agency).order_by(col(ReportSubmission.id).desc()).limit(limit))
    ).all():
        found.append(Evidence("submission", receipt, name, kind, period))
    for number, name in (
        await session.exec(_readings(agency).order_by(col(Permit.number)).limit(limit))
    ).all():
        found.append(Evidence("readings", number or "", name))
    return found
