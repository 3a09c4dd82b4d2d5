"""The leaders' statistics (docs/statistics.md): the figures of a jurisdiction by period, district and
industry, with charts, a workbook and a CSV; and the monthly dispatch summary (调度) a section head prints
for the bureau's meeting (PT §3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain import regions
from domain.clock import as_utc, in_china, today, utcnow
from domain.enterprises.rules import category_label, industry_name
from domain.errors import FieldError, ValidationFailed
from domain.i18n import translations_for
from domain.permits.labels import EVENT_LABELS, STATUS_LABELS
from domain.permits.reference import pollutant_name
from domain.spreadsheets import Sheet, write_csv, write_xlsx
from domain.statistics import dispatch, leaders
from domain.statistics.scope import districts_of, industries, scope_of
from domain.supervision.credit.rules import LEVEL_LABELS as CREDIT_LEVEL_LABELS
from domain.supervision.grading.rules import GRADE_LABELS, Grade
from portal.responses import actor_of, db_of, render
from portal.templating import field_errors
from web.request_context import request_locale


async def dispatch_page(request: Request) -> Response:
    actor = await actor_of(request)
    months = dispatch.months_back(12)
    raw = request.query_params.get("month", "")
    errors = []
    try:
        month = dispatch.month_of(raw) if raw else months[1]  # the month that has just ended
    except ValidationFailed as failure:
        errors, month = failure.errors, months[1]
    async with db_of(request).read() as session:
        summary = await dispatch.dispatch_summary(session, actor, month=month)
    return render(
        request,
        "statistics/dispatch.html",
        {
            "summary": summary,
            "months": months,
            "kinds": dispatch.PERMIT_EVENT_KINDS,
            "event_labels": EVENT_LABELS,
            "errors": field_errors(errors),
        },
        status_code=400 if errors else 200,
    )


# ---------------------------------------------------------------------------
# The leaders' statistics (docs/statistics.md): one page, its workbook and its CSV
# ---------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Table:
    """One table of the page as people read it (names, never codes): the page shows it beside its chart,
    the workbook has it as a sheet."""

    key: str
    title: str
    header: list[str]
    rows: list[list[object]]
    chart: list[tuple[str, float]] = field(default_factory=list)  # (label, value) bars, when drawn
    chart_title: str = ""  # what the bars show, when not the table's title


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def tables(figures: leaders.LeaderStatistics, locale: str) -> list[Table]:
    _ = translations_for(locale).gettext
    found: list[Table] = []
    figures_header = [
        _("Permits in force"),
        _("Problems open"),
        _("Rectifications overdue"),
        _("Problems closed in the period"),
        _("Cases decided in the period"),
        _("Fines decided (yuan)"),
    ]

    def industry_label(code: str) -> str:
        return industry_name(code, locale) if code else _(leaders.NO_INDUSTRY)

    def group_row(name: str, row: leaders.GroupRow) -> list[object]:
        return [
            name,
            row.permits_in_force,
            row.problems_open,
            row.rectification_overdue,
            row.problems_closed,
            row.cases_decided,
            row.fines_yuan,
        ]

    found.append(
        Table(
            "districts",
            _("Figures by district"),
            [_("District"), *figures_header],
            [group_row(regions.region_name(row.key, locale), row) for row in figures.districts],
            [(regions.region_name(row.key, locale), row.problems_open) for row in figures.districts],
            _("Problems open by district"),
        )
    )
    found.append(
        Table(
            "industries",
            _("Figures by industry"),
            [_("Industry"), *figures_header],
            [group_row(industry_label(row.key), row) for row in figures.industries],
            [(industry_label(row.key), row.problems_open) for row in figures.industries],
            _("Problems open by industry"),
        )
    )
    categories = sorted({row.category for row in figures.permits})
    statuses = sorted({row.status for row in figures.permits})
    counts = {(row.status, row.category): row.count for row in figures.permits}
    found.append(
        Table(
            "permits",
            _("Permits by status and management category"),
            [_("Status"), *(category_label(c, locale) for c in categories), _("Total")],
            [
                [
                    _(STATUS_LABELS.get(status, status)),
                    *(counts.get((status, c), 0) for c in categories),
                    sum(counts.get((status, c), 0) for c in categories),
                ]
                for status in statuses
            ],
            [
                (_(STATUS_LABELS.get(status, status)), sum(counts.get((status, c), 0) for c in categories))
                for status in statuses
            ],
        )
    )
    filing = figures.filing
    found.append(
        Table(
            "double-hundred",
            _("Renewal and the double hundred"),
            [_("Figure"), _("Owed"), _("Done"), _("Rate")],
            [
                [
                    _("Renewal applications on time"),
                    figures.renewals.whole,
                    figures.renewals.part,
                    _rate(figures.renewals.rate),
                ],
                [
                    _("Reports filed"),
                    filing.due,
                    filing.submitted,
                    _rate(filing.submitted / filing.due if filing.due else None),
                ],
                [_("Reports filed on time"), filing.due, filing.on_time, _rate(filing.on_time_rate)],
                [
                    _("Permits quality-checked within three years"),
                    figures.quality_checked.whole,
                    figures.quality_checked.part,
                    _rate(figures.quality_checked.rate),
                ],
            ],
        )
    )
    if figures.plan is not None:
        plan = figures.plan
        found.append(
            Table(
                "plan",
                _("Inspection coverage against the year's plan"),
                [_("Figure"), _("Units"), _("Target"), _("Done")],
                [
                    [_("Plan lines"), plan.total, plan.total, plan.done],
                    [_("Plan lines behind"), plan.behind, "", ""],
                    *([_(label), total, target, done] for label, total, target, done in plan.lines),
                ],
                [(_(label), done) for label, _total, _target, done in plan.lines],
                _("Units inspected, by target"),
            )
        )
    rect = figures.rectification
    found.append(
        Table(
            "rectification",
            _("Rectification progress"),
            [_("Figure"), _("Count")],
            [
                [_("Problems open"), rect.open],
                [_("Rectifications overdue"), rect.overdue],
                [_("Problems closed in the period"), rect.closed],
                [
                    _("Average days to close"),
                    "—" if rect.average_days_to_close is None else rect.average_days_to_close,
                ],
            ],
        )
    )
    found.append(
        Table(
            "months",
            _("Month by month in the year"),
            [_("Month"), _("Problems raised"), _("Problems closed"), _("Cases decided")],
            [
                [f"{figures.scope.year}-{p.month:02d}", p.problems_raised, p.problems_closed, p.cases_decided]
                for p in figures.months
            ],
            [(f"{p.month:02d}", p.problems_closed) for p in figures.months],
            _("Problems closed by month"),
        )
    )
    found.append(
        Table(
            "cases",
            _("Cases and penalties"),
            [_("Figure"), _("Count")],
            [
                [_("Cases opened"), figures.cases_opened],
                [_("Cases decided"), figures.cases_decided],
                [_("Fines decided (yuan)"), figures.fines_yuan],
            ],
        )
    )
    found.append(
        Table(
            "standing",
            _("Grading and the positive list"),
            [_("Figure"), _("Units")],
            [
                *([_(GRADE_LABELS[Grade(grade)]), number] for grade, number in figures.grades.items()),
                [_("On the positive list now"), figures.positive_list],
            ],
            [(_(GRADE_LABELS[Grade(grade)]), number) for grade, number in figures.grades.items()],
        )
    )
    found.append(
        Table(
            "unit_credit",
            _("Enterprise environmental credit by district"),
            [_("District"), *(_(label) for label in CREDIT_LEVEL_LABELS.values())],
            [
                [regions.region_name(district, locale), *counts.values()]
                for district, counts in figures.unit_credit.items()
            ],
            [
                (_(label), sum(counts[level] for counts in figures.unit_credit.values()))
                for level, label in CREDIT_LEVEL_LABELS.items()
            ],
            _("Units by credit level"),
        )
    )
    if figures.agency_levels is not None:
        found.append(
            Table(
                "agencies",
                _("Agency credit by level"),
                [_("Credit level"), _("Agencies")],
                [[level, number] for level, number in figures.agency_levels.items()],
                [(level, number) for level, number in figures.agency_levels.items()],
            )
        )
    found.append(
        Table(
            "emissions",
            _("Reported emissions by pollutant"),
            [_("Pollutant"), _("Tonnes")],
            [[pollutant_name(row.pollutant, locale), row.quantity_t] for row in figures.emissions],
            [(pollutant_name(row.pollutant, locale), row.quantity_t) for row in figures.emissions],
        )
    )
    return found


def _filters(request: Request) -> dict[str, str]:
    return {name: request.query_params.get(name, "") for name in ("year", "month", "district", "industry")}


async def _figures(request: Request) -> tuple[leaders.LeaderStatistics, dict[str, str], list[FieldError]]:
    """The figures of the filters as typed; bad filters are named and the default scope is shown."""
    actor = await actor_of(request)
    filters = _filters(request)
    errors: list[FieldError] = []
    try:
        scope = scope_of(actor, **filters)
    except ValidationFailed as failure:
        errors, scope = failure.errors, scope_of(actor)
    async with db_of(request).read() as session:
        figures = await leaders.leader_statistics(session, actor, scope)
    return figures, filters, errors


async def statistics_page(request: Request) -> Response:
    figures, filters, errors = await _figures(request)
    actor = await actor_of(request)
    locale = request_locale(request)
    query = urlencode({name: value for name, value in filters.items() if value and not errors})
    counted = figures.filing.counted_at
    return render(
        request,
        "statistics/leaders.html",
        {
            "figures": figures,
            # The filing half's age: the worker keeps the rollup it comes from (docs/statistics.md).
            "filing_counted_text": in_china(counted).strftime("%Y-%m-%d %H:%M") if counted else None,
            "filing_counted_minutes": max(0, int((utcnow() - as_utc(counted)).total_seconds() // 60))
            if counted
            else None,
            "tables": tables(figures, locale),
            "years": list(range(today().year, dispatch.FIRST_MONTH.year - 1, -1)),
            "districts": districts_of(actor),
            "industries": industries(),
            "query": query,
            "errors": field_errors(errors),
        },
        status_code=400 if errors else 200,
    )


def _download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


async def statistics_xlsx(request: Request) -> Response:
    figures, _filters_typed, _errors = await _figures(request)
    sheets = [
        Sheet(table.title[:31], table.header, table.rows)
        for table in tables(figures, request_locale(request))
    ]
    return _download(write_xlsx(sheets), XLSX, f"statistics-{figures.scope.period_label}.xlsx")


async def statistics_csv(request: Request) -> Response:
    """The by-district table as CSV (the workbook holds every table)."""
    figures, _filters_typed, _errors = await _figures(request)
    table = tables(figures, request_locale(request))[0]
    return _download(
        write_csv(table.header, table.rows),
        "text/csv; charset=utf-8",
        f"statistics-{figures.scope.period_label}.csv",
    )


routes = [
    Route("/statistics", statistics_page, methods=["GET"], name="leader_statistics"),
    Route("/statistics.xlsx", statistics_xlsx, methods=["GET"], name="leader_statistics_xlsx"),
    Route("/statistics.csv", statistics_csv, methods=["GET"], name="leader_statistics_csv"),
    Route("/statistics/dispatch", dispatch_page, methods=["GET"], name="dispatch_summary"),
]
