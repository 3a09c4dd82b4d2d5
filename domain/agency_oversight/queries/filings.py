"""The filings an agency made for its clients (readings in batches, ledger entries, report submissions
carrying ``on_behalf_of = agency:<credit code>``): listed newest first with the person, and grouped by
client. Regulators see the filings for units of their jurisdiction; the agency sees all of its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, require
from domain.access.sql import TargetColumns, allowed
from domain.agencies.labels import FILING_KINDS
from domain.agencies.models import Agency, AgencyAuthorisation
from domain.agencies.queries.lookup import visible_agency
from domain.agencies.rules import agency_tag
from domain.clock import china_date
from domain.enterprises.models import Enterprise
from domain.enterprises.rules import normalize_credit_code
from domain.errors import N_, FieldError, NotFound, ValidationFailed
from domain.ledgers.models import LedgerEntry, MonitoringReading
from domain.pagination import Key, Page, Window, check_page_size, keyset_page, sort_order
from domain.permits.models import Permit
from domain.reports.models import ExecutionReport, ReportSubmission


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
    """Permits of the units that ever authorised the agency (the only ones it may have filed for), those
    whose filings the actor may see (the SQL form of can(AGENCY_WORK_VIEW): the agency all of them, a
    regulator the permits of its jurisdiction); this also lets the volume tables use their permit index."""
    clients = select(AgencyAuthorisation.enterprise_id).where(AgencyAuthorisation.agency_id == agency.id)
    work = TargetColumns(
        agency_id=sa.literal(agency.id),
        enterprise_id=col(Permit.enterprise_id),
        region_code=col(Permit.region_code),
    )
    statement = (
        select(Permit.id)
        .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
        .where(col(Permit.enterprise_id).in_(clients), allowed(actor, Operation.AGENCY_WORK_VIEW, work))
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
        return await visible_agency(session, actor, credit_code)
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
    window: Window | None = None,
) -> Page[Filing]:
    """Every filing the agency made for its clients, newest first: what, for whom, when, by whom.

    Without a credit code, the caller's own agency. Regulators see the filings for permits of
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
    union = _filings_union(agency_tag(agency), _client_permits(actor, agency, filters.enterprise_credit_code))
    statement = (
        select(union, Permit.number, Enterprise.name, Enterprise.credit_code)
        .join(Permit, col(Permit.id) == union.c.permit_id)
        .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
    )
    if filters.kind:
        statement = statement.where(union.c.kind == filters.kind)
    total = (await session.exec(select(sa.func.count()).select_from(statement.subquery()))).one()
    # A total order (ties broken by permit, person, record), so pages never overlap.
    order = (
        Key(union.c.at, descending=True),
        Key(union.c.kind),
        Key(union.c.permit_id),
        Key(union.c.person),
        Key(union.c.ref_id, nullable=True),
        Key(union.c.n),
    )
    page: Page[Any] | None = None
    if window is not None:
        page = await keyset_page(
            session,
            statement,
            order,
            window,
            lambda r: (r.at, r.kind, r.permit_id, r.person, r.ref_id, r.n),
            total=int(total),
        )
        rows: Any = page.items
    else:
        rows = (await session.exec(statement.order_by(*sort_order(order)).offset(offset).limit(first))).all()
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
    if page is not None:
        return page.mapped(items)
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
    union = _filings_union(agency_tag(agency), _client_permits(actor, agency))
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
