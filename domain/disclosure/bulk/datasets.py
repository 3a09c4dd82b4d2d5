"""The rows of each dataset of the bulk download: what the public pages list, read with their own filters.

Each reader uses the public read it mirrors (the register's statement, the expired lists' conditions, the
agency directory's public statuses, the published penalties) or, where the page reads one permit at a time,
the same conditions over all permits at once: disclosed permits only (``disclosed()``), their current
version, outlets that are not fugitive sources, annual reports once filed, without the sections the unit
marked as commercial secret (``domain.reports.content.disclosed``), never who filed them.

A reader yields its rows in chunks of at most ``CHUNK`` rows, read through a server-side cursor
(``session.stream``), so the export holds one chunk at a time, not a province's datasets: the annual reports
alone (a million reports, each with its content) would not fit in memory.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import ANONYMOUS
from domain.agencies.models import Agency, CreditEvent
from domain.agencies.queries.directory import DirectoryFilter, directory
from domain.agencies.rules import PUBLIC_STATUSES as AGENCY_STATUSES
from domain.clock import china_date, today
from domain.disclosure.queries.permits import disclosed
from domain.disclosure.queries.register import (
    PublicPermitFilter,
    all_expired_not_renewed,
    register_order,
    register_rows,
    searched_row,
)
from domain.enterprises.models import Enterprise
from domain.enterprises.rules import industry_name
from domain.pagination import MAX_PAGE_SIZE
from domain.permits import rules
from domain.permits.models import Permit, PermitLimit, PermitOutlet, PermitVersion
from domain.permits.reference import ReportKind, pollutant_name
from domain.regions import region_name
from domain.reports.content import disclosed as disclosed_content
from domain.reports.models import ExecutionReport, ReportSubmission
from domain.supervision.cases.queries import public_penalties

Rows = list[list[Any]]
Chunks = AsyncIterator[Rows]

# Rows a reader yields at a time (and the partition its cursor fetches).
CHUNK = 2_000

# Penalties are read through their public query, which bounds what it returns.
MAX_PENALTIES = 1_000_000


async def _streamed(
    session: AsyncSession, statement: Any, size: int | None = None
) -> AsyncIterator[list[Any]]:
    """The statement's result rows, ``size`` (by default ``CHUNK``) at a time, from a server-side cursor."""
    size = size or CHUNK
    result = await session.stream(statement.execution_options(yield_per=size))
    async for partition in result.partitions(size):
        yield list(partition)


def _chunked(rows: list[list[Any]]) -> Iterator[Rows]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def permit_page(number: str) -> str:
    return f"/public/permits/{quote(number, safe='')}"


def _registration_page(number: str) -> str:
    return f"/public/registrations/{quote(number, safe='')}"


async def permits(session: AsyncSession) -> Chunks:
    """The public register whole: the search's rows, in its order."""
    on = today()
    found = register_rows(PublicPermitFilter(), on)
    async for rows in _streamed(session, sa.select(found).order_by(*register_order(found))):
        yield [_register_row(searched_row(raw, on)) for raw in rows]


def _register_row(row: Any) -> list[Any]:
    page = permit_page(row.number) if row.kind == "permit" else _registration_page(row.number)
    return [
        row.kind,
        row.number,
        row.unit_name,
        row.credit_code,
        row.region_code,
        region_name(row.region_code),
        row.industry_code,
        industry_name(row.industry_code),
        row.category,
        row.status,
        row.issuing_authority,
        row.valid_from,
        row.valid_until,
        page,
    ]


def _with_version(*columns: Any) -> Any:
    """Disclosed permits with their unit and what ``columns`` read of their current version (only what is
    needed: a version's whole content is large, and a row is read per outlet)."""
    return (
        select(Permit, Enterprise, *columns)
        .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
        .join(
            PermitVersion,
            sa.and_(
                col(PermitVersion.permit_id) == col(Permit.id),
                col(PermitVersion.version) == col(Permit.content_version),
            ),
            isouter=True,
        )
        .where(*disclosed())
    )


async def outlets(session: AsyncSession) -> Chunks:
    """Every outlet page: the outlets (not fugitive sources) of each disclosed permit's current version."""
    on = today()
    statement = (
        _with_version(col(PermitVersion.basic_info), PermitOutlet)
        .join(
            PermitOutlet,
            sa.and_(
                col(PermitOutlet.permit_id) == col(Permit.id),
                col(PermitOutlet.version) == col(Permit.content_version),
            ),
        )
        .where(col(PermitOutlet.is_fugitive).is_(False))
        .order_by(col(Permit.number), col(PermitOutlet.code))
    )
    async for rows in _streamed(session, statement):
        yield [
            _outlet_row(permit, enterprise, basic_info, outlet, on)
            for permit, enterprise, basic_info, outlet in rows
        ]


def _outlet_row(
    permit: Permit, enterprise: Enterprise, basic_info: Any, outlet: PermitOutlet, on: Any
) -> list[Any]:
    name = str((basic_info or {}).get("name") or "") or enterprise.name
    return [
        permit.number,
        name,
        rules.display_status(permit.status, permit.valid_until, on),
        outlet.code,
        outlet.name,
        outlet.medium,
        outlet.kind,
        outlet.location,
        outlet.direction,
        outlet.longitude,
        outlet.latitude,
        outlet.height_m,
        outlet.online_monitoring,
        f"/public/outlets/{quote(permit.number or '', safe='')}/{quote(outlet.code, safe='')}",
    ]


async def outlet_limits(session: AsyncSession) -> Chunks:
    """The limits each outlet page lists: of the permit's current version, at outlets not fugitive."""
    statement = (
        select(Permit.number, PermitLimit)
        .join(
            PermitLimit,
            sa.and_(
                col(PermitLimit.permit_id) == col(Permit.id),
                col(PermitLimit.version) == col(Permit.content_version),
            ),
        )
        .join(
            PermitOutlet,
            sa.and_(
                col(PermitOutlet.permit_id) == col(Permit.id),
                col(PermitOutlet.version) == col(Permit.content_version),
                col(PermitOutlet.code) == col(PermitLimit.point_code),
            ),
        )
        .where(*disclosed(), col(PermitOutlet.is_fugitive).is_(False))
        .order_by(col(Permit.number), col(PermitLimit.point_code), col(PermitLimit.id))
    )
    async for rows in _streamed(session, statement):
        yield [
            [
                number,
                limit.point_code,
                limit.pollutant,
                pollutant_name(limit.pollutant),
                limit.concentration_limit,
                limit.unit,
                limit.annual_quantity_limit,
                limit.standard,
            ]
            for number, limit in rows
        ]


# Reports read at a time: each brings its submissions, one of them with its content.
REPORTS_AT_A_TIME = 500


async def annual_reports(session: AsyncSession) -> Chunks:
    """Every submission of every filed annual report of a disclosed permit (``queries.public`` per permit)."""
    statement = (
        _with_version(col(PermitVersion.content), ExecutionReport)
        .join(ExecutionReport, col(ExecutionReport.permit_id) == col(Permit.id))
        .where(ExecutionReport.kind == ReportKind.ANNUAL, col(ExecutionReport.latest_version) > 0)
        .order_by(col(Permit.number), col(ExecutionReport.period).desc())
    )
    async for reports in _streamed(session, statement, min(REPORTS_AT_A_TIME, CHUNK)):
        submissions: dict[int, list[ReportSubmission]] = {}
        for submission in (
            await session.exec(
                select(ReportSubmission)
                .where(col(ReportSubmission.report_id).in_([report.id for *_, report in reports]))
                .order_by(col(ReportSubmission.report_id), col(ReportSubmission.version))
            )
        ).all():
            submissions.setdefault(submission.report_id, []).append(submission)
        out: Rows = []
        for permit, enterprise, content, report in reports:
            # No content of the permit to read its secrets from: everything that could be secret stays hidden.
            secret = list(content.get("secret_sections") or []) if content is not None else None
            filed = submissions.get(report.id, [])
            for submission in filed:
                latest = submission is filed[-1]
                shown, hidden = disclosed_content(dict(submission.content), secret)
                out.append(
                    [
                        permit.number,
                        enterprise.name,
                        report.period,
                        report.due_date,
                        report.on_time,
                        submission.version,
                        submission.received_at,
                        submission.receipt_number,
                        submission.content_hash,
                        latest,
                        ";".join(hidden),
                        json.dumps(shown, ensure_ascii=False, sort_keys=True) if latest else None,
                    ]
                )
        yield out


async def expired(session: AsyncSession) -> Chunks:
    """Every monthly list of permits expired and not renewed."""
    rows = [
        [
            month.strftime("%Y-%m"),
            row.number,
            row.unit_name,
            row.credit_code,
            row.region_code,
            region_name(row.region_code),
            row.industry_code,
            industry_name(row.industry_code),
            row.category,
            row.valid_until,
            row.status,
            row.issuing_authority,
        ]
        for month, row in await all_expired_not_renewed(session)
    ]
    for chunk in _chunked(rows):
        yield chunk


async def agencies(session: AsyncSession) -> Chunks:
    """The agency directory as the public reads it (approved and suspended agencies), page by page."""
    offset = 0
    while True:
        page = await directory(
            session, ANONYMOUS, filters=DirectoryFilter(status=""), first=MAX_PAGE_SIZE, offset=offset
        )
        yield [
            [
                item.agency.credit_code,
                item.agency.name,
                item.agency.region_code,
                region_name(item.agency.region_code),
                item.agency.status,
                ";".join(item.agency.service_types),
                item.score,
                item.level,
                f"/public/agencies/{quote(item.agency.credit_code, safe='')}",
            ]
            for item in page.items
        ]
        offset += MAX_PAGE_SIZE
        if offset >= page.total or not page.items:
            return


async def agency_credit_events(session: AsyncSession) -> Chunks:
    """The events the agencies' public credit pages disclose (``credit_of(public_only=True)``)."""
    statement = (
        select(Agency, CreditEvent)
        .join(CreditEvent, col(CreditEvent.agency_id) == col(Agency.id))
        .where(col(Agency.status).in_(AGENCY_STATUSES), col(CreditEvent.public).is_(True))
        .order_by(col(Agency.credit_code), col(CreditEvent.occurred_at).desc(), col(CreditEvent.id))
    )
    async for rows in _streamed(session, statement):
        yield [
            [
                agency.credit_code,
                agency.name,
                china_date(event.occurred_at),
                event.kind,
                event.points,
                event.note,
            ]
            for agency, event in rows
        ]


async def penalties(session: AsyncSession) -> Chunks:
    """The published penalties: closed cases with a penalty, newest decision first."""
    rows = [
        [
            penalty.case_number,
            penalty.unit_name,
            penalty.credit_code,
            penalty.permit_number,
            penalty.outlet_code,
            penalty.classification,
            penalty.legal_basis,
            penalty.decided_on,
            penalty.closed_on,
            penalty.penalty_yuan,
            ";".join(penalty.measures),
        ]
        for penalty in await public_penalties(session, limit=MAX_PENALTIES)
    ]
    for chunk in _chunked(rows):
        yield chunk


READERS: dict[str, Callable[[AsyncSession], Chunks]] = {
    "permits": permits,
    "outlets": outlets,
    "outlet_limits": outlet_limits,
    "annual_reports": annual_reports,
    "expired": expired,
    "agencies": agencies,
    "agency_credit_events": agency_credit_events,
    "penalties": penalties,
}
