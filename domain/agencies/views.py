"""Reads behind the agency pages and API (第三方技术服务机构), one call per page, permissions checked here.

- the directory of agencies with their credit (public: approved and suspended ones only);
- an agency's page for regulators and for its own staff: qualifications (expired ones flagged),
  staff, clients, credit events with the filing behind each, and its traced filings;
- the filings an agency made for its clients (readings in batches, ledger entries, report
  submissions carrying ``on_behalf_of = agency:<credit code>``), grouped by enterprise;
- the public credit page: score, level, score history and the serious problems disclosed;
- the regulators' ranking of agencies in their jurisdiction, falling scores first to the eye;
- an enterprise's authorisations, with their state (in force, not started, expired, revoked).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, jurisdiction_prefix, require
from domain.accounts.models import User
from domain.agencies import evidence, service
from domain.agencies.models import SERVICE_SCOPES, Agency, AgencyAuthorisation, CreditEvent
from domain.agencies.service import (
    BASE_SCORE,
    CREDIT_POINTS,
    LEVELS,
    AgencyListing,
    AuthorisationInput,
    Credit,
    level_of,
)
from domain.clock import china_date, today, utcnow
from domain.enterprises.models import Enterprise
from domain.enterprises.rules import normalize_credit_code
from domain.errors import N_, FieldError, NotFound, PermissionDenied, ValidationFailed
from domain.ledgers.models import LedgerEntry, MonitoringReading
from domain.pagination import Page, check_page_size
from domain.permits.models import Permit
from domain.permits.rules import PermitStatus
from domain.reports.models import ExecutionReport, FeedbackForm, ReportSubmission

# ---------------------------------------------------------------------------
# Labels (message ids; the faces translate them)
# ---------------------------------------------------------------------------

SCOPE_LABELS = {
    "ledger": N_("Ledger keeping"),
    "reports": N_("Execution report filing"),
    "self_monitoring": N_("Self-monitoring"),
    "facility_operation": N_("Facility operation and maintenance"),
}
STATUS_LABELS = {
    "pending": N_("Awaiting review"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "suspended": N_("Suspended"),
}
KIND_LABELS = {
    "finding_error": N_("Audit rule error in a filing"),
    "finding_warning": N_("Audit rule warning in a filing"),
    "feedback_form": N_("Report returned with a feedback form"),
    "late_filing": N_("Report filed late"),
    "falsified_data": N_("Falsified data"),
    "clean_filing_accepted": N_("Filing accepted without findings"),
    "training_passed": N_("Training passed"),
    "assessment_passed": N_("Assessment passed"),
}
AUTHORISATION_STATES = ("in_force", "not_started", "suspended", "expired", "revoked")
AUTHORISATION_STATE_LABELS = {
    "in_force": N_("In force"),
    "suspended": N_("Agency suspended: grants nothing"),
    "not_started": N_("Not started"),
    "expired": N_("Expired"),
    "revoked": N_("Revoked by the unit"),
}
FILING_KINDS = ("readings", "ledger_entry", "report_submission")
FILING_LABELS = {
    "readings": N_("Monitoring readings"),
    "ledger_entry": N_("Ledger entry"),
    "report_submission": N_("Execution report submission"),
}
PUBLIC_STATUSES = ("approved", "suspended")  # an agency the public may look up
RANKED_STATUSES = ("approved", "suspended")  # agencies that act, or acted, for units
TREND_DAYS = 30
CONTRACT_TYPES = {
    "pdf": (b"%PDF", "application/pdf"),
    "jpg": (b"\xff\xd8\xff", "image/jpeg"),
    "jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
}


def formula() -> list[tuple[str, float]]:
    """The points of every kind of event, gains first: what the credit page explains."""
    return sorted(CREDIT_POINTS.items(), key=lambda item: (-item[1], item[0]))


def level_thresholds() -> list[tuple[str, float | None]]:
    """(level, lowest score) pairs, the last level having no floor."""
    return [*LEVELS, ("D", None)]


# ---------------------------------------------------------------------------
# Pure helpers
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QualificationRow:
    name: str
    number: str
    valid_until: date | None
    expired: bool


def qualification_rows(agency: Agency, on: date) -> list[QualificationRow]:
    rows = []
    for item in agency.qualifications or []:
        try:
            until: date | None = date.fromisoformat(str(item.get("valid_until", "")))
        except ValueError:
            until = None
        rows.append(
            QualificationRow(
                name=str(item.get("name", "")),
                number=str(item.get("number", "")),
                valid_until=until,
                expired=until is not None and until < on,
            )
        )
    return rows


def authorisation_state(authorisation: AgencyAuthorisation, agency: Agency, on: date) -> str:
    """What an authorisation grants today: an agency that is not approved (suspended) acts for no one, so
    its unrevoked, unexpired authorisations read as suspended, never in force."""
    if authorisation.revoked_at is not None:
        return "revoked"
    if authorisation.valid_until < on:
        return "expired"
    if agency.status != "approved":
        return "suspended"
    if authorisation.valid_from > on:
        return "not_started"
    return "in_force"


def contract_media_type(file_name: str) -> str:
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    return CONTRACT_TYPES.get(extension, (b"", "application/octet-stream"))[1]


def contract_file_error(file_name: str, content: bytes | None) -> FieldError | None:
    """A contract scan is a PDF, JPG or PNG file of at most 10 MB, and is what its name says."""
    if content is None:
        return None
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if len(content) > service.MAX_CONTRACT_BYTES:
        return FieldError(
            "contract_file", "too_large", N_("The file is larger than {size} MB."), {"size": 10}
        )
    kind = CONTRACT_TYPES.get(extension)
    if kind is None or not content.startswith(kind[0]):
        return FieldError("contract_file", "file_type", N_("Upload the contract as a PDF, JPG or PNG file."))
    return None


# ---------------------------------------------------------------------------
# Access
# ---------------------------------------------------------------------------


def may_oversee(actor: Actor) -> bool:
    """Regulators and the administrator oversee every agency (Target() names none, so agency staff fail)."""
    return can(actor, Operation.AGENCY_OWN, Target())


def _require_oversight(actor: Actor) -> None:
    require(actor, Operation.AGENCY_OWN, Target())


def may_see_full(actor: Actor, agency: Agency) -> bool:
    """The agency's own staff, regulators and the administrator see every event, staff and contacts."""
    return can(actor, Operation.AGENCY_OWN, Target(agency_id=agency.id))


def _in_scope(actor: Actor, region_column: Any) -> Any:
    """Rows of units in the actor's jurisdiction (regulators); no limit for the administrator."""
    prefix = jurisdiction_prefix(actor)
    if prefix is None or actor.is_agency_staff:
        return sa.true()
    return col(region_column).startswith(prefix)


async def _agency(session: AsyncSession, credit_code: str) -> Agency:
    agency = (
        await session.exec(
            select(Agency).where(Agency.credit_code == normalize_credit_code(credit_code or ""))
        )
    ).first()
    if agency is None:
        raise NotFound(N_("No agency with this credit code."), field="credit_code")
    return agency


async def _visible_agency(session: AsyncSession, actor: Actor, credit_code: str) -> Agency:
    """An agency its viewer may open in full; anyone else is told there is no such agency."""
    agency = await _agency(session, credit_code)
    if not may_see_full(actor, agency):
        if not actor.is_authenticated:
            require(actor, Operation.AGENCY_OWN, Target(agency_id=agency.id))
        raise NotFound(N_("No agency with this credit code."), field="credit_code")
    return agency


# ---------------------------------------------------------------------------
# Directory (public) and review lists (legal section)
# ---------------------------------------------------------------------------


def _scores() -> Any:
    return (
        select(CreditEvent.agency_id, sa.func.sum(CreditEvent.points).label("points"))
        .group_by(col(CreditEvent.agency_id))
        .subquery()
    )


def _listing(agency: Agency, points: float | None) -> AgencyListing:
    score = BASE_SCORE + float(points or 0)
    return AgencyListing(agency, round(score, 2), level_of(score))


@dataclass(frozen=True)
class DirectoryFilter:
    query: str = ""
    service: str = ""
    status: str = "approved"
    region_code: str = ""


def _check_filter(actor: Actor, filters: DirectoryFilter) -> DirectoryFilter:
    errors = []
    status = (filters.status or "").strip()
    if status and status not in STATUS_LABELS:
        errors.append(
            FieldError(
                "status", "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(STATUS_LABELS)}
            )
        )
    if filters.service and filters.service not in SERVICE_SCOPES:
        errors.append(
            FieldError(
                "service", "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(SERVICE_SCOPES)}
            )
        )
    if errors:
        raise ValidationFailed(errors)
    # The public reads the directory of agencies that are, or were, allowed to act.
    if not may_oversee(actor) and status and status not in PUBLIC_STATUSES:
        raise PermissionDenied(N_("You are not allowed to do this."), field="status")
    return filters


async def directory(
    session: AsyncSession,
    actor: Actor,
    *,
    filters: DirectoryFilter | None = None,
    first: int = 20,
    offset: int = 0,
) -> Page[AgencyListing]:
    """Agencies with their credit score and level, by name. Anyone reads approved and suspended
    agencies; regulators and the administrator may list every status (empty status: all they may see)."""
    check_page_size(first)
    filters = _check_filter(actor, filters or DirectoryFilter())
    scores = _scores()
    statement = select(Agency, scores.c.points).join(scores, scores.c.agency_id == Agency.id, isouter=True)
    if filters.status:
        statement = statement.where(Agency.status == filters.status)
    elif not may_oversee(actor):
        statement = statement.where(col(Agency.status).in_(PUBLIC_STATUSES))
    text = filters.query.strip()
    if text:
        code = normalize_credit_code(text)
        statement = statement.where(
            sa.or_(col(Agency.name).contains(text), col(Agency.credit_code).startswith(code))
        )
    if filters.service:
        # service_types is a JSON list: its text holds the quoted name on both databases.
        statement = statement.where(
            sa.cast(col(Agency.service_types), sa.Text).contains(f'"{filters.service}"')
        )
    if filters.region_code:
        statement = statement.where(col(Agency.region_code).startswith(filters.region_code.strip()))
    total = (await session.exec(select(sa.func.count()).select_from(statement.subquery()))).one()
    rows = (
        await session.exec(statement.order_by(col(Agency.name), col(Agency.id)).offset(offset).limit(first))
    ).all()
    return Page(items=[_listing(agency, points) for agency, points in rows], offset=offset, total=int(total))


async def approved_choices(session: AsyncSession, limit: int = 500) -> list[AgencyListing]:
    """Approved agencies to pick from when authorising, best credit first."""
    scores = _scores()
    rows = (
        await session.exec(
            select(Agency, scores.c.points)
            .join(scores, scores.c.agency_id == Agency.id, isouter=True)
            .where(Agency.status == "approved")
            .order_by(sa.func.coalesce(scores.c.points, 0).desc(), col(Agency.name))
            .limit(limit)
        )
    ).all()
    return [_listing(agency, points) for agency, points in rows]


@dataclass(frozen=True)
class ReviewList:
    status: str
    counts: dict[str, int]
    items: list[AgencyListing]
    expired_qualifications: dict[int, int]


async def review_list(session: AsyncSession, actor: Actor, *, status: str = "pending") -> ReviewList:
    """The legal section's lists: pending, approved, suspended and rejected agencies."""
    require(actor, Operation.AGENCY_REVIEW_LIST)
    if status not in STATUS_LABELS:
        status = "pending"
    counts = {s: 0 for s in STATUS_LABELS}
    # The SQL form of can(AGENCY_REVIEW, agency): agencies registered in the actor's jurisdiction.
    in_scope = _in_scope(actor, Agency.region_code)
    for value, number in (
        await session.exec(
            select(Agency.status, sa.func.count()).where(in_scope).group_by(col(Agency.status))
        )
    ).all():
        counts[value] = int(number)
    scores = _scores()
    rows = (
        await session.exec(
            select(Agency, scores.c.points)
            .join(scores, scores.c.agency_id == Agency.id, isouter=True)
            .where(Agency.status == status, in_scope)
            .order_by(col(Agency.created_at), col(Agency.id))
            .limit(500)
        )
    ).all()
    on = today()
    items = [_listing(agency, points) for agency, points in rows]
    expired = {
        item.agency.id or 0: sum(1 for q in qualification_rows(item.agency, on) if q.expired)
        for item in items
    }
    return ReviewList(status, counts, items, expired)


# ---------------------------------------------------------------------------
# Credit: events with the filing behind each, score history
# ---------------------------------------------------------------------------


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
class ScorePoint:
    day: date
    score: float


async def score_history(session: AsyncSession, agency: Agency, *, on: date | None = None) -> list[ScorePoint]:
    """The score at the end of each day an event moved it, from registration to today (China dates)."""
    on = on or today()
    rows = (
        await session.exec(
            select(CreditEvent.occurred_at, CreditEvent.points)
            .where(CreditEvent.agency_id == agency.id)
            .order_by(col(CreditEvent.occurred_at))
        )
    ).all()
    start = china_date(agency.created_at)
    moved: dict[date, float] = defaultdict(float)
    for occurred_at, points in rows:
        moved[china_date(occurred_at)] += points
    days = sorted(moved)
    if days and days[0] < start:
        start = days[0]
    points_list = [ScorePoint(start, BASE_SCORE)]
    score = BASE_SCORE
    for day in days:
        score += moved[day]
        if day == points_list[-1].day:
            points_list[-1] = ScorePoint(day, round(score, 2))
        else:
            points_list.append(ScorePoint(day, round(score, 2)))
    if points_list[-1].day < on:
        points_list.append(ScorePoint(on, points_list[-1].score))
    return points_list


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
    agency = (
        await session.exec(
            select(Agency).where(Agency.credit_code == normalize_credit_code(credit_code or ""))
        )
    ).first()
    if agency is None or agency.status not in PUBLIC_STATUSES or agency.id is None:
        raise NotFound(N_("No agency with this credit code."), field="credit_code")
    credit = await service.credit_of(session, agency_id=agency.id, public_only=True)
    return CreditPage(
        agency=agency,
        score=credit.score,
        level=credit.level,
        events=await event_sources(session, credit.events),
        history=await score_history(session, agency),
        formula=formula(),
        levels=level_thresholds(),
    )


# ---------------------------------------------------------------------------
# Filings an agency made for its clients (traced: agency and person)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Filing:
    kind: str  # readings, ledger_entry, report_submission
    at: datetime
    person: str
    enterprise_name: str
    enterprise_credit_code: str
    permit_number: str
    count: int  # readings in the batch; the version of a submission; 1 for an entry
    start: datetime | None
    end: datetime | None
    first_label: str  # outlet / entry kind / report kind
    second_label: str  # pollutant / subject / period
    series: int  # readings: distinct outlet-pollutant series in the batch
    ref_id: int | None  # ledger entry id, report id
    receipt_number: str | None

    @property
    def reading_filters(self) -> dict[str, str]:
        """The readings table's filters that show this batch (outlet and pollutant, China dates)."""
        values = {
            "outlet": self.first_label if self.series == 1 else "",
            "pollutant": self.second_label if self.series == 1 else "",
            "from": china_date(self.start).isoformat() if self.start else "",
            "to": china_date(self.end).isoformat() if self.end else "",
        }
        return {key: value for key, value in values.items() if value}


def _text(value: str) -> Any:
    """An inline SQL string (no bound parameter: PostgreSQL cannot type a bare parameter in a UNION)."""
    return sa.literal_column(f"'{value}'", sa.String)


def _number(value: int) -> Any:
    return sa.literal_column(str(int(value)), sa.Integer)


def _filings_union(tag: str, permit_ids: Any) -> Any:
    readings = (
        select(  # type: ignore[call-overload]
            _text("readings").label("kind"),
            col(MonitoringReading.permit_id).label("permit_id"),
            col(MonitoringReading.entered_at).label("at"),
            sa.func.coalesce(col(MonitoringReading.entered_by), "").label("person"),
            sa.func.count().label("n"),
            sa.func.min(MonitoringReading.measured_at).label("start"),
            sa.func.max(MonitoringReading.period_end).label("finish"),
            sa.func.min(MonitoringReading.outlet_code).label("first_label"),
            sa.func.min(MonitoringReading.pollutant).label("second_label"),
            sa.func.count(
                sa.distinct(col(MonitoringReading.outlet_code) + "/" + col(MonitoringReading.pollutant))
            ).label("series"),
            sa.null().label("ref_id"),
            sa.null().label("receipt"),
        )
        .where(MonitoringReading.on_behalf_of == tag, col(MonitoringReading.permit_id).in_(permit_ids))
        .group_by(
            col(MonitoringReading.permit_id),
            col(MonitoringReading.entered_at),
            col(MonitoringReading.entered_by),
        )
    )
    entries = select(  # type: ignore[call-overload]
        _text("ledger_entry"),
        col(LedgerEntry.permit_id),
        col(LedgerEntry.created_at),
        sa.func.coalesce(col(LedgerEntry.created_by), ""),
        _number(1),
        col(LedgerEntry.period_start),
        col(LedgerEntry.period_end),
        col(LedgerEntry.kind),
        col(LedgerEntry.subject),
        _number(1),
        col(LedgerEntry.id),
        sa.null(),
    ).where(LedgerEntry.on_behalf_of == tag, col(LedgerEntry.permit_id).in_(permit_ids))
    submissions = (
        select(  # type: ignore[call-overload]
            _text("report_submission"),
            col(ExecutionReport.permit_id),
            col(ReportSubmission.received_at),
            col(ReportSubmission.submitted_by),
            col(ReportSubmission.version),
            sa.null(),
            sa.null(),
            col(ExecutionReport.kind),
            col(ExecutionReport.period),
            _number(1),
            col(ExecutionReport.id),
            col(ReportSubmission.receipt_number),
        )
        .join(ExecutionReport, col(ExecutionReport.id) == col(ReportSubmission.report_id))
        .where(ReportSubmission.on_behalf_of == tag, col(ExecutionReport.permit_id).in_(permit_ids))
    )
    return sa.union_all(readings, entries, submissions).subquery("filing")


def _client_permits(actor: Actor, agency: Agency, enterprise_credit_code: str = "") -> Any:
    """Permits of the units that ever authorised the agency (the only ones it may have filed for),
    limited to a regulator's jurisdiction; this also lets the volume tables use their permit index."""
    clients = select(AgencyAuthorisation.enterprise_id).where(AgencyAuthorisation.agency_id == agency.id)
    statement = (
        select(Permit.id)
        .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
        .where(col(Permit.enterprise_id).in_(clients), _in_scope(actor, Enterprise.region_code))
    )
    if enterprise_credit_code:
        statement = statement.where(Enterprise.credit_code == normalize_credit_code(enterprise_credit_code))
    return statement


@dataclass(frozen=True)
class FilingFilter:
    enterprise_credit_code: str = ""
    kind: str = ""


async def filing_agency(session: AsyncSession, actor: Actor, *, credit_code: str | None) -> Agency:
    """The agency whose filings are listed: the one named (if the caller may see it), else the caller's."""
    if credit_code:
        return await _visible_agency(session, actor, credit_code)
    if actor.agency_id is None:
        if not actor.is_authenticated:
            require(actor, Operation.AGENCY_OWN, Target())
        raise NotFound(N_("No agency with this credit code."), field="credit_code")
    agency = await session.get(Agency, actor.agency_id)
    if agency is None:
        raise NotFound(N_("No agency with this credit code."), field="credit_code")
    return agency


async def filings(
    session: AsyncSession,
    actor: Actor,
    *,
    credit_code: str | None = None,
    filters: FilingFilter | None = None,
    first: int = 50,
    offset: int = 0,
) -> Page[Filing]:
    """Every filing the agency made for its clients, newest first: what, for whom, when, by whom.

    Without a credit code, the caller's own agency. Regulators see the filings for units of
    their jurisdiction; the agency sees all of its own.
    """
    check_page_size(first)
    filters = filters or FilingFilter()
    if filters.kind and filters.kind not in FILING_KINDS:
        raise ValidationFailed(
            [
                FieldError(
                    "kind", "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(FILING_KINDS)}
                )
            ]
        )
    agency = await filing_agency(session, actor, credit_code=credit_code)
    union = _filings_union(
        service.agency_tag(agency), _client_permits(actor, agency, filters.enterprise_credit_code)
    )
    statement = (
        select(union, Permit.number, Enterprise.name, Enterprise.credit_code)
        .join(Permit, col(Permit.id) == union.c.permit_id)
        .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
    )
    if filters.kind:
        statement = statement.where(union.c.kind == filters.kind)
    total = (await session.exec(select(sa.func.count()).select_from(statement.subquery()))).one()
    rows: Any = (
        await session.exec(statement.order_by(union.c.at.desc(), union.c.kind).offset(offset).limit(first))
    ).all()
    items = [
        Filing(
            kind=row.kind,
            at=row.at,
            person=row.person or "",
            enterprise_name=row.name,
            enterprise_credit_code=row.credit_code,
            permit_number=row.number or "",
            count=int(row.n or 0),
            start=row.start,
            end=row.finish,
            first_label=row.first_label or "",
            second_label=row.second_label or "",
            series=int(row.series or 0),
            ref_id=row.ref_id,
            receipt_number=row.receipt,
        )
        for row in rows
    ]
    return Page(items=items, offset=offset, total=int(total))


@dataclass
class ClientFilings:
    enterprise_name: str
    enterprise_credit_code: str
    counts: dict[str, int] = field(default_factory=dict)  # filings of each kind
    readings: int = 0  # readings across the batches
    last_at: datetime | None = None


async def filing_summary(session: AsyncSession, actor: Actor, agency: Agency) -> list[ClientFilings]:
    """The agency's filings grouped by enterprise: how many of each kind, and the latest."""
    union = _filings_union(service.agency_tag(agency), _client_permits(actor, agency))
    rows = (
        await session.exec(
            select(  # type: ignore[call-overload]
                Enterprise.name,
                Enterprise.credit_code,
                union.c.kind,
                sa.func.count(),
                sa.func.sum(union.c.n),
                sa.func.max(union.c.at),
            )
            .join(Permit, col(Permit.id) == union.c.permit_id)
            .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
            .group_by(col(Enterprise.name), col(Enterprise.credit_code), union.c.kind)
        )
    ).all()
    grouped: dict[str, ClientFilings] = {}
    for name, code, kind, number, total, last in rows:
        client = grouped.setdefault(code, ClientFilings(name, code))
        client.counts[kind] = int(number)
        if kind == "readings":
            client.readings = int(total or 0)
        if last is not None and (client.last_at is None or last > client.last_at):
            client.last_at = last
    return sorted(grouped.values(), key=lambda c: c.last_at.timestamp() if c.last_at else 0.0, reverse=True)


# ---------------------------------------------------------------------------
# One agency: the regulators' page and the agency's own home
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientRow:
    authorisation: AgencyAuthorisation
    enterprise_name: str
    enterprise_credit_code: str
    state: str
    permit_numbers: tuple[str, ...] = ()  # the unit's permits in force: where the agency files


@dataclass(frozen=True)
class StaffRow:
    username: str
    display_name: str
    email: str | None
    is_active: bool


@dataclass
class AgencyPage:
    agency: Agency
    credit: Credit
    events: list[EventRow]
    qualifications: list[QualificationRow]
    staff: list[StaffRow]
    clients: list[ClientRow]
    summary: list[ClientFilings]
    recent: Page[Filing]
    may_review: bool
    may_record_credit: bool
    is_own: bool
    # The records a credit event that lowers the score may name (for those who may record one).
    evidence_choices: list[evidence.Evidence] = field(default_factory=list)

    @property
    def clients_in_force(self) -> list[ClientRow]:
        return [c for c in self.clients if c.state == "in_force"]


async def _clients(session: AsyncSession, actor: Actor, agency: Agency) -> list[ClientRow]:
    on = today()
    rows = (
        await session.exec(
            select(AgencyAuthorisation, Enterprise.name, Enterprise.credit_code)
            .join(Enterprise, col(Enterprise.id) == col(AgencyAuthorisation.enterprise_id))
            .where(AgencyAuthorisation.agency_id == agency.id, _in_scope(actor, Enterprise.region_code))
            .order_by(col(AgencyAuthorisation.valid_until).desc(), col(AgencyAuthorisation.id).desc())
        )
    ).all()
    permits: dict[int, list[str]] = defaultdict(list)
    enterprise_ids = {a.enterprise_id for a, _name, _code in rows}
    if enterprise_ids:
        for enterprise_id, number in (
            await session.exec(
                select(Permit.enterprise_id, Permit.number)
                .where(
                    col(Permit.enterprise_id).in_(enterprise_ids),
                    Permit.status == PermitStatus.ISSUED,
                    col(Permit.number).is_not(None),
                    sa.or_(col(Permit.valid_until).is_(None), col(Permit.valid_until) >= on),
                )
                .order_by(col(Permit.number))
            )
        ).all():
            permits[enterprise_id].append(number or "")
    return [
        ClientRow(a, name, code, authorisation_state(a, agency, on), tuple(permits.get(a.enterprise_id, ())))
        for a, name, code in rows
    ]


async def _page(session: AsyncSession, actor: Actor, agency: Agency) -> AgencyPage:
    assert agency.id is not None
    credit = await service.credit_of(session, agency_id=agency.id)
    may_record = can(actor, Operation.CREDIT_RECORD, service.agency_target(agency))
    staff = (
        await session.exec(select(User).where(User.agency_id == agency.id).order_by(col(User.username)))
    ).all()
    return AgencyPage(
        agency=agency,
        credit=credit,
        events=await event_sources(session, credit.events),
        qualifications=qualification_rows(agency, today()),
        staff=[StaffRow(u.username, u.display_name, u.email, u.is_active) for u in staff],
        clients=await _clients(session, actor, agency),
        summary=await filing_summary(session, actor, agency),
        recent=await filings(session, actor, credit_code=agency.credit_code, first=20),
        may_review=can(actor, Operation.AGENCY_REVIEW, service.agency_target(agency)),
        may_record_credit=may_record,
        is_own=actor.agency_id is not None and actor.agency_id == agency.id,
        evidence_choices=await evidence.choices(session, agency) if may_record else [],
    )


async def agency_page(session: AsyncSession, actor: Actor, *, credit_code: str) -> AgencyPage:
    """An agency as regulators (and its own staff) see it."""
    return await _page(session, actor, await _visible_agency(session, actor, credit_code))


async def agency_home(session: AsyncSession, actor: Actor) -> AgencyPage:
    """The agency staff's home: clients in force, filings across clients, the agency's credit."""
    if not actor.is_agency_staff or actor.agency_id is None:
        if not actor.is_authenticated:
            require(actor, Operation.AGENCY_OWN, Target(agency_id=-1))
        raise PermissionDenied(N_("You are not allowed to do this."))
    agency = await session.get(Agency, actor.agency_id)
    if agency is None:
        raise NotFound(N_("No agency with this credit code."), field="credit_code")
    return await _page(session, actor, agency)


async def credit_events(
    session: AsyncSession, actor: Actor, *, credit_code: str
) -> tuple[Agency, list[EventRow]]:
    """Every event of an agency with its source (the ranking page opens them one agency at a time)."""
    agency = await _visible_agency(session, actor, credit_code)
    assert agency.id is not None
    credit = await service.credit_of(session, agency_id=agency.id)
    return agency, await event_sources(session, credit.events)


# ---------------------------------------------------------------------------
# The regulators' ranking
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RankingRow:
    rank: int
    agency: Agency
    score: float
    score_before: float
    level: str
    events: int
    clients: int  # units of the jurisdiction the agency acts for today

    @property
    def change(self) -> float:
        return round(self.score - self.score_before, 2)

    @property
    def falling(self) -> bool:
        return self.score < self.score_before


@dataclass(frozen=True)
class Ranking:
    rows: list[RankingRow]
    days: int
    since: datetime

    @property
    def falling(self) -> list[RankingRow]:
        return [row for row in self.rows if row.falling]


async def ranking(session: AsyncSession, actor: Actor, *, days: int = TREND_DAYS) -> Ranking:
    """Agencies registered in, or acting for units of, the regulator's jurisdiction, best score first,
    with the score ``days`` ago beside today's (a falling score is what a regulator looks into)."""
    _require_oversight(actor)
    since = utcnow() - timedelta(days=days)
    on = today()
    prefix = jurisdiction_prefix(actor)
    points = (
        select(
            CreditEvent.agency_id,
            sa.func.sum(CreditEvent.points).label("now"),
            sa.func.sum(
                sa.case((col(CreditEvent.occurred_at) <= since, col(CreditEvent.points)), else_=0.0)
            ).label("before"),
            sa.func.count().label("events"),
        )
        .group_by(col(CreditEvent.agency_id))
        .subquery()
    )
    in_force = (
        select(
            AgencyAuthorisation.agency_id,
            sa.func.count(sa.distinct(col(AgencyAuthorisation.enterprise_id))).label("n"),
        )
        .join(Enterprise, col(Enterprise.id) == col(AgencyAuthorisation.enterprise_id))
        .where(
            col(AgencyAuthorisation.revoked_at).is_(None),
            col(AgencyAuthorisation.valid_from) <= on,
            col(AgencyAuthorisation.valid_until) >= on,
            _in_scope(actor, Enterprise.region_code),
        )
        .group_by(col(AgencyAuthorisation.agency_id))
        .subquery()
    )
    statement = (
        select(Agency, points.c.now, points.c.before, points.c.events, in_force.c.n)  # type: ignore[call-overload]
        .join(points, points.c.agency_id == Agency.id, isouter=True)
        .join(in_force, in_force.c.agency_id == Agency.id, isouter=True)
        .where(col(Agency.status).in_(RANKED_STATUSES))
    )
    if prefix is not None:
        serves = (
            select(AgencyAuthorisation.agency_id)
            .join(Enterprise, col(Enterprise.id) == col(AgencyAuthorisation.enterprise_id))
            .where(col(Enterprise.region_code).startswith(prefix))
        )
        statement = statement.where(
            sa.or_(col(Agency.region_code).startswith(prefix), col(Agency.id).in_(serves))
        )
    best_first = statement.order_by(sa.func.coalesce(points.c.now, 0.0).desc(), col(Agency.name))
    rows = (await session.exec(best_first.limit(1000))).all()
    ranked = sorted(
        (
            (
                agency,
                BASE_SCORE + float(now or 0),
                BASE_SCORE + float(before or 0),
                int(events or 0),
                int(n or 0),
            )
            for agency, now, before, events, n in rows
        ),
        key=lambda item: (-item[1], item[0].name),
    )
    return Ranking(
        rows=[
            RankingRow(index + 1, agency, round(now, 2), round(before, 2), level_of(now), events, clients)
            for index, (agency, now, before, events, clients) in enumerate(ranked)
        ],
        days=days,
        since=since,
    )


# ---------------------------------------------------------------------------
# An enterprise's authorisations
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorisationRow:
    authorisation: AgencyAuthorisation
    agency: Agency
    state: str
    enterprise_name: str = ""
    enterprise_credit_code: str = ""


@dataclass
class AuthorisationsPage:
    enterprise: Enterprise
    rows: list[AuthorisationRow]
    choices: list[AgencyListing]
    may_authorise: bool


async def _own_enterprise(session: AsyncSession, actor: Actor) -> Enterprise:
    if actor.enterprise_id is None:
        require(actor, Operation.ENTERPRISE_VIEW, None)
        raise PermissionDenied(N_("You are not allowed to do this."))
    enterprise = await session.get(Enterprise, actor.enterprise_id)
    if enterprise is None:
        raise NotFound(N_("No such enterprise."))
    require(
        actor,
        Operation.ENTERPRISE_VIEW,
        Target(enterprise_id=enterprise.id, region_code=enterprise.region_code),
    )
    return enterprise


async def authorisations_page(session: AsyncSession, actor: Actor) -> AuthorisationsPage:
    """委托授权: the unit's authorisations with their state; its administrator may add and revoke."""
    enterprise = await _own_enterprise(session, actor)
    on = today()
    rows = [
        AuthorisationRow(
            a, agency, authorisation_state(a, agency, on), enterprise.name, enterprise.credit_code
        )
        for a, agency in await service.authorisations_of_enterprise(session, actor)
    ]
    may = can(
        actor,
        Operation.AGENCY_AUTHORISE,
        Target(enterprise_id=enterprise.id, region_code=enterprise.region_code),
    )
    return AuthorisationsPage(
        enterprise=enterprise,
        rows=rows,
        choices=await approved_choices(session) if may else [],
        may_authorise=may,
    )


async def _row(session: AsyncSession, authorisation: AgencyAuthorisation) -> AuthorisationRow:
    agency = await session.get(Agency, authorisation.agency_id)
    enterprise = await session.get(Enterprise, authorisation.enterprise_id)
    assert agency is not None and enterprise is not None
    return AuthorisationRow(
        authorisation,
        agency,
        authorisation_state(authorisation, agency, today()),
        enterprise.name,
        enterprise.credit_code,
    )


def may_authorise(actor: Actor) -> bool:
    """Whether the caller may authorise agencies for their own unit (its administrator)."""
    return actor.enterprise_id is not None and can(
        actor, Operation.AGENCY_AUTHORISE, Target(enterprise_id=actor.enterprise_id)
    )


async def authorise(
    session: AsyncSession, actor: Actor, *, data: AuthorisationInput, problems: Iterable[FieldError] = ()
) -> AuthorisationRow:
    """Authorise an agency, the contract scan checked to be a PDF, JPG or PNG of at most 10 MB.

    ``problems`` are what the caller found parsing the input (a date that is not one): they are
    reported with every other problem, in place of the service's "required" for the same field.
    """
    found = list(problems)
    problem = contract_file_error(data.contract_file_name, data.contract_file)
    if problem:
        found.append(problem)
    try:
        authorisation = await service.authorise_agency(session, actor, data=data)
    except ValidationFailed as error:
        named = {p.field for p in found}
        raise ValidationFailed([*found, *(e for e in error.errors if e.field not in named)]) from None
    if found:
        raise ValidationFailed(found)
    return await _row(session, authorisation)


async def revoke(
    session: AsyncSession, actor: Actor, *, authorisation_id: int, reason: str = ""
) -> AuthorisationRow:
    authorisation = await service.revoke_authorisation(
        session, actor, authorisation_id=authorisation_id, reason=reason
    )
    return await _row(session, authorisation)


async def authorisations(session: AsyncSession, actor: Actor) -> list[AuthorisationRow]:
    """The caller's authorisations: an enterprise user's unit's, or an agency's clients (for the API)."""
    if actor.is_agency_staff and actor.agency_id is not None:
        agency = await session.get(Agency, actor.agency_id)
        assert agency is not None
        return [
            AuthorisationRow(c.authorisation, agency, c.state, c.enterprise_name, c.enterprise_credit_code)
            for c in await _clients(session, actor, agency)
        ]
    return (await authorisations_page(session, actor)).rows


@dataclass(frozen=True)
class ContractFile:
    file_name: str
    media_type: str
    content: bytes


async def contract_file(session: AsyncSession, actor: Actor, *, authorisation_id: int) -> ContractFile:
    """The contract scan: for the unit, the agency, the unit's regulators and the administrator."""
    authorisation = await session.get(AgencyAuthorisation, authorisation_id)
    enterprise = await session.get(Enterprise, authorisation.enterprise_id) if authorisation else None
    if authorisation is None or enterprise is None:
        raise NotFound(N_("No such authorisation."), field="authorisation")
    target = Target(enterprise_id=enterprise.id, region_code=enterprise.region_code)
    if actor.is_agency_staff:
        allowed = actor.agency_id == authorisation.agency_id
    else:  # the unit's own users, regulators of its jurisdiction, the administrator
        allowed = can(actor, Operation.ENTERPRISE_VIEW, target)
    if not allowed or not authorisation.contract_file:
        if not actor.is_authenticated:
            require(actor, Operation.ENTERPRISE_VIEW, target)
        raise NotFound(N_("No such authorisation."), field="authorisation")
    name = authorisation.contract_file_name or f"contract-{authorisation_id}"
    return ContractFile(name, contract_media_type(name), authorisation.contract_file)


# ---------------------------------------------------------------------------
# The agency as the API and the public read it
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyView:
    agency: Agency
    score: float
    level: str
    events: list[CreditEvent]
    full: bool  # events, staff and contacts beyond the public subset


async def view_agency(session: AsyncSession, actor: Actor, *, credit_code: str) -> AgencyView | None:
    """An agency for the API: in full for its staff and regulators; the public subset of an approved
    or suspended agency for anyone else; None when there is no such agency for this caller."""
    agency = (
        await session.exec(
            select(Agency).where(Agency.credit_code == normalize_credit_code(credit_code or ""))
        )
    ).first()
    if agency is None or agency.id is None:
        return None
    full = may_see_full(actor, agency)
    if not full and agency.status not in PUBLIC_STATUSES:
        return None
    credit = await service.credit_of(session, agency_id=agency.id, public_only=not full)
    return AgencyView(agency, credit.score, credit.level, credit.events, full)


async def events_of(
    session: AsyncSession, actor: Actor, agency_ids: list[int]
) -> dict[int, list[CreditEvent]]:
    """Events of several agencies in one query: all where the caller may see them, else the public ones."""
    if not agency_ids:
        return {}
    rows = (
        await session.exec(
            select(CreditEvent)
            .where(col(CreditEvent.agency_id).in_(agency_ids))
            .order_by(col(CreditEvent.occurred_at).desc(), col(CreditEvent.id).desc())
        )
    ).all()
    oversee = may_oversee(actor)
    grouped: dict[int, list[CreditEvent]] = {agency_id: [] for agency_id in agency_ids}
    for event in rows:
        if event.public or oversee or actor.agency_id == event.agency_id:
            grouped[event.agency_id].append(event)
    return grouped
