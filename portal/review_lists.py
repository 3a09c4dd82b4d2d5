"""The regulators' lists (issue 17): the review queue with its filters, search, order and export.

The filters are read from the URL into ``domain.permits.list_filters.ListFilter`` (so a filtered list is a
bookmark, kept by the pager, the state tabs and the export link); the domain query checks them and does
the filtering, in SQL ANDed with the access rule's. A bad filter is named beside the form and the list is
shown without it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.enterprises.rules import industry_name
from domain.errors import N_
from domain.i18n import translations_for
from domain.permits import list_filters
from domain.permits.list_filters import ListFilter
from domain.permits.reference import REPORT_KIND_LABELS
from domain.regions import region_name
from domain.reports.queries import review, statistics
from domain.spreadsheets import Sheet, write_xlsx
from portal import report_forms as forms
from portal.list_pages import choices, download, filtered, page_number
from portal.reports import _helpers  # the report pages' labels (kinds, states, counts)
from portal.responses import actor_of, db_of, render
from portal.templating import field_errors, local_time
from web.request_context import request_locale

QUEUE_PAGE_SIZE = 50
QUEUE_SORTS = (
    ("", N_("Awaiting my department, then rule errors")),
    ("due", N_("Due date, earliest first")),
    ("-due", N_("Due date, latest first")),
    ("-received", N_("Latest submission, newest first")),
    ("-errors", N_("Most rule errors first")),
    ("unit", N_("Unit name")),
    ("-period", N_("Period, latest first")),
)


async def queue_page(request: Request) -> Response:
    actor = await actor_of(request)
    number = page_number(request.query_params.get("page"))

    async def read(filters: ListFilter) -> review.Queue:
        async with db_of(request).read() as session:
            return await review.review_queue_page(
                session,
                actor,
                state=filters.state or "submitted",
                filters=filters,
                first=QUEUE_PAGE_SIZE,
                offset=(number - 1) * QUEUE_PAGE_SIZE,
                light=True,
            )

    found, filters, errors = await filtered(request, read)
    query = filters.query()
    return render(
        request,
        "reports/queue.html",
        {
            **_helpers(request),
            "queue": found,
            "states": review.REVIEW_STATES,
            "page_number": number,
            # Counted up to a bound (``review.COUNT_BOUND``): past it the last page is not known, the
            # pager says "200+" and offers the next page while there is one.
            "last_page": max(1, -(-min(found.total, found.bound or found.total) // QUEUE_PAGE_SIZE)),
            "filters": filters,
            "query": urlencode(query),
            "tab_query": urlencode({k: v for k, v in query.items() if k != "state"}),
            "errors": field_errors(errors),
            "districts": list_filters.districts_within(actor.region_code),
            "industries": list_filters.industries(),
            "sorts": choices(request, QUEUE_SORTS),
        },
        status_code=400 if errors else 200,
    )


async def queue_export(request: Request) -> Response:
    """The queue as filtered, as an XLSX workbook with Chinese headings (the reader's language)."""
    actor = await actor_of(request)
    locale = request_locale(request)
    gettext = translations_for(locale).gettext

    async def read(filters: ListFilter) -> review.Queue:
        async with db_of(request).read() as session:
            return await review.review_queue_page(
                session,
                actor,
                state=filters.state or "submitted",
                filters=filters,
                first=list_filters.EXPORT_MAX_ROWS,
                count=False,  # a workbook has no pager
                light=True,
            )

    found, _filters, _errors = await filtered(request, read)
    header = [
        gettext(N_("Unit")),
        gettext(N_("Unified social credit code")),
        gettext(N_("Permit number")),
        gettext(N_("District")),
        gettext(N_("Industry")),
        gettext(N_("Report")),
        gettext(N_("Period")),
        gettext(N_("Due date")),
        gettext(N_("First submitted")),
        gettext(N_("Version")),
        gettext(N_("Rule errors")),
        gettext(N_("Rule warnings")),
        gettext(N_("State")),
        gettext(N_("Resubmitted after feedback")),
        gettext(N_("Feedback answered late")),
    ]
    yes, no = gettext(N_("Yes")), gettext(N_("No"))

    def state_of(state: str) -> str:
        return gettext(forms.STATE_LABELS[state]) if state in forms.STATE_LABELS else state

    rows = [
        [
            row.enterprise_name,
            row.credit_code,
            row.permit.number or "",
            region_name(row.report.region_code, locale),
            industry_name(row.report.industry_code, locale),
            gettext(REPORT_KIND_LABELS.get(row.report.kind, row.report.kind)),
            row.report.period,
            row.report.due_date.isoformat(),
            local_time(row.report.first_submitted_at),
            row.report.latest_version,
            row.submission.error_count if row.submission else 0,
            row.submission.warning_count if row.submission else 0,
            state_of(row.report.state),
            yes if row.resubmitted else no,
            yes if row.late_reply else no,
        ]
        for row in found.rows
    ]
    title = gettext(N_("Report review"))
    return download(write_xlsx([Sheet(title[:31], header, rows)]), f"review-{found.state}.xlsx")


async def overdue_export(request: Request) -> Response:
    """The dashboard's overdue reports of a period as filtered, as an XLSX workbook (催报 list)."""
    actor = await actor_of(request)
    locale = request_locale(request)
    gettext = translations_for(locale).gettext
    kind = request.query_params.get("kind", "quarterly")[:16]
    period = request.query_params.get("period", "")[:8]

    async def read(filters: ListFilter) -> tuple[str, str, list[statistics.OverdueReport]]:
        """Every overdue row (no page): the rollup's rows read in one statement, nothing planned."""
        async with db_of(request).read() as session:
            chosen, label = statistics.overdue_target(kind, period)
            found = await statistics.overdue_reports(
                session, actor, kind=chosen, period=label, filters=filters
            )
            return chosen, label, found

    (found_kind, found_label, overdue), _filters, _errors = await filtered(request, read)
    header = [
        gettext(N_("Unit")),
        gettext(N_("Permit number")),
        gettext(N_("District")),
        gettext(N_("Industry")),
        gettext(N_("Report")),
        gettext(N_("Period")),
        gettext(N_("Due date")),
        gettext(N_("Days overdue")),
        gettext(N_("State")),
    ]
    rows = [
        [
            o.enterprise_name,
            o.permit.number or "",
            region_name(o.permit.region_code, locale),
            industry_name(o.permit.industry_code, locale),
            gettext(REPORT_KIND_LABELS.get(found_kind, found_kind)),
            found_label,
            o.due_date.isoformat(),
            o.days_overdue,
            gettext(N_("draft started, not submitted") if o.report else N_("nothing filed")),
        ]
        for o in overdue
    ]
    title = gettext(N_("Overdue reports"))
    return download(write_xlsx([Sheet(title[:31], header, rows)]), f"overdue-{found_label}.xlsx")


routes = [
    Route("/review", queue_page, methods=["GET"], name="review_queue"),
    Route("/review/export.xlsx", queue_export, methods=["GET"], name="review_queue_export"),
    Route("/review/dashboard/overdue.xlsx", overdue_export, methods=["GET"], name="review_overdue_export"),
]
