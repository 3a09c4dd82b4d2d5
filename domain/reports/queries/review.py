"""The regulators' side of review (PT §5): the queue of a jurisdiction's reports in a state (for a
department, the reports awaiting its sections first; then those with rule errors), and the review page of
one report for one department: its own sections and the rule findings first, where every department stands
on each section, the feedback form being assembled and what remains. Reviewing is ``service.review``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Role, require
from domain.access.sql import allowed
from domain.enterprises.models import Enterprise
from domain.errors import N_, NotFound
from domain.pagination import Key, Page, Window, check_page_size, keyset_page
from domain.permits import list_filters
from domain.permits.list_filters import ListFilter
from domain.permits.models import Permit
from domain.permits.reference import ReportKind
from domain.permits.state import TARGET_COLUMNS, target_of
from domain.reports import departments, lookup, rounds, rules
from domain.reports.awaiting import stored_awaits
from domain.reports.checks import KINDS, period_error
from domain.reports.content import sections_of
from domain.reports.models import (
    AuditFinding,
    ExecutionReport,
    FeedbackForm,
    ReportSubmission,
)
from domain.reports.queries.report import ReportView, findings_by_field, report_view, severity_first


def reviewing_department(actor: Actor) -> Role | None:
    """The department the actor reviews reports for (PT §5), if any."""
    return actor.role if actor.role in departments.REVIEWING_DEPARTMENTS else None


QUEUE_SORTS = ("due", "unit", "received", "errors", "period")
# The portal's queue counts at most this many reports past the page it shows, then says "more than" (as
# search pages do): the count is read off an index a row at a time, and a city holds 200,000.
COUNT_BOUND = 10_000


def _filtered(statement: Any, filters: ListFilter) -> Any:
    """The queue's filters as SQL, ANDed with the access rule's (they only ever narrow it)."""
    if filters.district:
        statement = statement.where(
            list_filters.district_condition(col(ExecutionReport.region_code), filters.district)
        )
    if filters.industry:
        statement = statement.where(ExecutionReport.industry_code == filters.industry)
    if filters.period:
        statement = statement.where(ExecutionReport.period == filters.period)
    if filters.resubmitted:
        statement = statement.where(resubmitted_after_feedback())
    if filters.search:
        statement = statement.where(
            list_filters.search_condition(
                filters.search,
                name=col(Enterprise.name),
                credit_code=col(Enterprise.credit_code),
                number=col(Permit.number),
            )
        )
    return statement


def resubmitted_after_feedback() -> sa.ColumnElement[bool]:
    """SQL: the unit filed a new version of the report after a feedback form on an earlier one."""
    answered_on = aliased(ReportSubmission)
    return (
        select(FeedbackForm.id)
        .join(answered_on, col(answered_on.id) == col(FeedbackForm.submission_id))
        .where(
            col(FeedbackForm.report_id) == col(ExecutionReport.id),
            col(answered_on.version) < col(ExecutionReport.latest_version),
        )
        .correlate(ExecutionReport)
        .exists()
    )


def late_reply() -> sa.ColumnElement[bool]:
    """SQL: the unit answered a feedback form of the report after its deadline (PT §5)."""
    return (
        select(FeedbackForm.id)
        .where(col(FeedbackForm.report_id) == col(ExecutionReport.id), col(FeedbackForm.late).is_(True))
        .correlate(ExecutionReport)
        .exists()
    )


def check_queue_filter(filters: ListFilter) -> None:
    errors = list_filters.check(filters, states=REVIEW_STATES, sorts=QUEUE_SORTS)
    if filters.period and not any(rules.parse_period(kind, filters.period) for kind in KINDS):
        errors.append(period_error(ReportKind.QUARTERLY))
    list_filters.raise_if(errors)


async def review_queue(
    session: AsyncSession,
    actor: Actor,
    *,
    state: str = "submitted",
    filters: ListFilter | None = None,
    first: int = 50,
    offset: int = 0,
    count_up_to: int | None = None,
) -> tuple[list[tuple[ExecutionReport, Permit, ReportSubmission | None]], int]:
    """Reports of the jurisdiction in a state: for a department, those awaiting its sections first; then
    those with rule errors, then by due date (or in the filter's order); and their number (of at most
    ``count_up_to`` + 1 when given)."""
    check_page_size(first)
    filters = filters or ListFilter()
    check_queue_filter(filters)
    if state not in REVIEW_STATES:
        list_filters.raise_if(list_filters.check(ListFilter(state=state), states=REVIEW_STATES))
    rows, total = await _queue(
        session, actor, state=state, filters=filters, first=first, offset=offset, count_up_to=count_up_to
    )
    return [(r, p, s) for r, p, s, _e, _a, _l, _re in rows], total


async def review_queue_window(
    session: AsyncSession,
    actor: Actor,
    *,
    state: str = "submitted",
    filters: ListFilter | None = None,
    window: Window,
    count: bool = True,
) -> Page[tuple[ExecutionReport, Permit, ReportSubmission | None]]:
    """The same queue, in the same order, paged by keyset (the API's cursors: stable while reports
    arrive, docs/integrators.md), with the exact number of its reports; without ``count`` its total is 0
    and nothing is counted (the API counts only when ``totalCount`` is asked for)."""
    filters = filters or ListFilter()
    check_queue_filter(filters)
    if state not in REVIEW_STATES:
        list_filters.raise_if(list_filters.check(ListFilter(state=state), states=REVIEW_STATES))
    statement, awaiting, total = await _queue_statement(
        session, actor, state=state, filters=filters, count_up_to=None if count else 0
    )
    keys, key_of = _queue_keys(filters.sort, awaiting)
    page = await keyset_page(session, statement, keys, window, key_of, total=total)
    return page.mapped([(r, p, s) for r, p, s, *_rest in page.items])


def _queue_keys(sort: str, awaiting: sa.ColumnElement[bool] | None) -> tuple[tuple[Key, ...], Any]:
    """The queue's order as keyset keys (ending on the report's id) and how to read them off a row."""
    last = Key(col(ExecutionReport.id))
    key = sort.removeprefix("-")
    descending = sort.startswith("-")
    match key:
        case "due":
            return (Key(col(ExecutionReport.due_date), descending=descending), last), lambda row: (
                row[0].due_date,
                row[0].id,
            )
        case "unit":
            return (Key(col(Enterprise.name), descending=descending), last), lambda row: (
                row[3].name,
                row[0].id,
            )
        case "received":
            return (
                Key(col(ReportSubmission.received_at), descending=descending, nullable=True),
                last,
            ), lambda row: (row[2].received_at if row[2] else None, row[0].id)
        case "errors":
            return (
                Key(col(ReportSubmission.error_count), descending=descending, nullable=True),
                last,
            ), lambda row: (row[2].error_count if row[2] else None, row[0].id)
        case "period":
            return (Key(col(ExecutionReport.period_start), descending=descending), last), lambda row: (
                row[0].period_start,
                row[0].id,
            )
    # The stored flags and error count (``domain/reports/awaiting.py``): an index holds this order.
    errors = Key(col(ExecutionReport.latest_error_count), descending=True)
    rest = (errors, Key(col(ExecutionReport.due_date)), last)
    # Read off the latest submission (stored as it is, never stale in the session): the report's copy.
    if awaiting is None:
        return rest, lambda row: (row[2].error_count if row[2] else 0, row[0].due_date, row[0].id)
    return (Key(awaiting, descending=True), *rest), lambda row: (
        bool(row[4]),
        row[2].error_count if row[2] else 0,
        row[0].due_date,
        row[0].id,
    )


_Row = tuple[ExecutionReport, Permit, ReportSubmission | None, Enterprise, bool, bool, bool]


async def _queue_statement(
    session: AsyncSession, actor: Actor, *, state: str, filters: ListFilter, count_up_to: int | None
) -> tuple[Any, sa.ColumnElement[bool] | None, int]:
    """The queue's rows (report, permit, latest submission, unit, awaiting)
    under the reader's access and the filters, unordered; the stored awaiting flag of the reader's
    department (none for other readers); their count, of at most ``count_up_to`` + 1 rows when given
    (a bounded count: a number past the bound only says "more than"; None counts them all, 0 not at
    all)."""
    require(actor, Operation.PERMIT_LIST)
    role = reviewing_department(actor)
    awaiting = stored_awaits(role) if role is not None else None
    # The late-reply and resubmitted marks are read for the page's rows afterwards (``_marks``): as
    # columns here, PostgreSQL costs their subqueries for every report of the jurisdiction and sorts them
    # all instead of reading the order off the queue's index (seconds for a city of the province).
    statement = (
        select(ExecutionReport, Permit, ReportSubmission, Enterprise)
        .add_columns((awaiting if awaiting is not None else sa.false()).label("awaiting"))
        .join(Permit, col(Permit.id) == col(ExecutionReport.permit_id))
        .join(Enterprise, col(Enterprise.id) == col(ExecutionReport.enterprise_id))
        .join(
            ReportSubmission,
            sa.and_(
                col(ReportSubmission.report_id) == col(ExecutionReport.id),
                col(ReportSubmission.version) == col(ExecutionReport.latest_version),
            ),
            isouter=True,
        )
        .where(col(ExecutionReport.state) == state)
    )
    # The SQL form of can(REPORT_VIEW): the reports of the reader's jurisdiction (all: the administrator).
    statement = statement.where(allowed(actor, Operation.REPORT_VIEW, TARGET_COLUMNS))
    statement = _filtered(statement, filters)
    if count_up_to == 0:
        return statement, awaiting, 0
    # Counted on the report and its permit alone (the unit only when the search reads its name): the
    # page's other joins add no row and would make the count read them for every report.
    counted = (
        select(ExecutionReport.id)
        .join(Permit, col(Permit.id) == col(ExecutionReport.permit_id))
        .where(col(ExecutionReport.state) == state, allowed(actor, Operation.REPORT_VIEW, TARGET_COLUMNS))
    )
    if filters.search:
        counted = counted.join(Enterprise, col(Enterprise.id) == col(ExecutionReport.enterprise_id))
    counted = _filtered(counted, filters)
    if count_up_to is not None:
        # At most bound + 1 rows read off the (state, permit_id) index: a city's 200,000 reports cost
        # what 10,000 do (the exact count read them all, most of the page's time at province scale).
        counted = counted.limit(count_up_to + 1)
    total = (await session.exec(select(sa.func.count()).select_from(counted.subquery()))).one()
    return statement, awaiting, int(total)


async def _marks(session: AsyncSession, report_ids: list[int]) -> dict[int, tuple[bool, bool]]:
    """For each report: answered a feedback form late, filed again after a form (the queue's marks)."""
    if not report_ids:
        return {}
    rows = (
        await session.exec(
            select(ExecutionReport.id, late_reply(), resubmitted_after_feedback()).where(
                col(ExecutionReport.id).in_(report_ids)
            )
        )
    ).all()
    return {int(i or 0): (bool(late), bool(again)) for i, late, again in rows}


async def _queue(
    session: AsyncSession,
    actor: Actor,
    *,
    state: str,
    filters: ListFilter,
    first: int,
    offset: int,
    count_up_to: int | None,
    light: bool = False,
) -> tuple[list[_Row], int]:
    statement, awaiting, total = await _queue_statement(
        session, actor, state=state, filters=filters, count_up_to=count_up_to
    )
    if light:
        # The list shows neither the unit's draft nor the submission's content: fifty of each decoded
        # from JSON were a fifth of the page's time. (Never loaded afterwards: a read-only session.)
        unread = (ExecutionReport.draft, ReportSubmission.content)
        statement = statement.options(*(defer(column) for column in unread))  # type: ignore[arg-type]
    chosen = list_filters.order(
        filters.sort,
        {
            "due": [col(ExecutionReport.due_date)],
            "unit": [col(Enterprise.name)],
            "received": [col(ReportSubmission.received_at)],
            "errors": [col(ReportSubmission.error_count)],
            "period": [col(ExecutionReport.period_start)],
        },
    )
    # The stored flags and error count (``domain/reports/awaiting.py``): an index holds this order.
    default = [
        *([awaiting.desc()] if awaiting is not None else []),
        col(ExecutionReport.latest_error_count).desc(),
        col(ExecutionReport.due_date),
    ]
    rows = (
        await session.exec(
            # The id breaks ties: pages of an order that is not total overlap (PostgreSQL).
            statement.order_by(*(chosen or default), col(ExecutionReport.id)).offset(offset).limit(first)
        )
    ).all()
    marks = await _marks(session, [r.id for r, *_rest in rows if r.id is not None])
    return [(r, p, s, e, bool(a), *marks.get(r.id or 0, (False, False))) for r, p, s, e, a in rows], int(
        total
    )


REVIEW_STATES = ("submitted", "returned", "accepted")


@dataclass
class QueueRow:
    report: ExecutionReport
    permit: Permit
    submission: ReportSubmission | None
    enterprise_name: str
    awaiting: bool  # awaits the reader's department (its sections, or a re-check)
    late_reply: bool = False  # a feedback form of the report was answered after its deadline
    resubmitted: bool = False  # a new version came after a feedback form
    credit_code: str = ""


@dataclass
class Queue:
    state: str
    rows: list[QueueRow]
    total: int  # the reports counted, at most ``bound`` + 1
    offset: int
    errors: int  # over the rows shown
    warnings: int
    department: Role | None = None  # the reader's department, whose reports come first
    filters: ListFilter = field(default_factory=ListFilter)
    bound: int | None = None  # counted up to this many (None: all)

    @property
    def more(self) -> bool:
        """More reports than were counted: the page says "more than {bound}"."""
        return self.bound is not None and self.total > self.bound

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.rows) < self.total


async def enterprise_names(session: AsyncSession, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = (
        await session.exec(select(Enterprise.id, Enterprise.name).where(col(Enterprise.id).in_(wanted)))
    ).all()
    return {int(i or 0): str(n) for i, n in rows}


async def review_queue_page(
    session: AsyncSession,
    actor: Actor,
    *,
    state: str = "submitted",
    filters: ListFilter | None = None,
    first: int = 50,
    offset: int = 0,
    count: bool = True,
    light: bool = False,
) -> Queue:
    """Reports of the jurisdiction in a state, filtered, those awaiting the reader's department and those
    with rule errors first (or in the filter's order), with their unit, and their number counted up to
    ``COUNT_BOUND`` past the page (or not at all, without ``count``: an export). ``light`` leaves the
    reports' drafts and the submissions' contents unread (a page's read-only session: they are never
    loaded later). Bad filters raise ``ValidationFailed`` naming each."""
    state = state if state in REVIEW_STATES else "submitted"
    filters = filters or ListFilter()
    check_queue_filter(filters)
    bound = max(COUNT_BOUND, offset + first) if count else 0
    rows, total = await _queue(
        session,
        actor,
        state=state,
        filters=filters,
        first=first,
        offset=offset,
        count_up_to=bound,
        light=light,
    )
    queue_rows = [
        QueueRow(r, p, s, e.name, a, late_reply=late, resubmitted=again, credit_code=e.credit_code)
        for r, p, s, e, a, late, again in rows
    ]
    return Queue(
        state,
        queue_rows,
        total,
        offset,
        errors=sum(s.error_count for _r, _p, s, *_rest in rows if s),
        warnings=sum(s.warning_count for _r, _p, s, *_rest in rows if s),
        department=reviewing_department(actor),
        filters=filters,
        bound=bound,
    )


@dataclass
class ReviewPage:
    view: ReportView
    enterprise: Enterprise
    latest: ReportSubmission
    findings: list[AuditFinding]  # of the latest submission, errors first
    own_sections: tuple[str, ...]  # the sections this department checks (PT §5), first
    other_sections: tuple[str, ...]
    may_review: bool
    round: rounds.Round  # of the latest submission
    earlier: list[rounds.Round]  # of the earlier submissions, newest first (kept, shown)
    department: Role | None  # the reader's department, if it reviews reports

    @property
    def by_department(self) -> list[tuple[str, list[rounds.Verdict]]]:
        """Every reviewing department with its verdicts on its sections, the reader's department first."""
        order = sorted(
            departments.REVIEWING_DEPARTMENTS,
            key=lambda r: (r != self.department, departments.REVIEWING_DEPARTMENTS.index(r)),
        )
        return [(role.value, self.round.of(role.value)) for role in order if self.round.of(role.value)]

    @property
    def mine(self) -> dict[str, rounds.Verdict]:
        """The reader's department's verdicts, by section."""
        if self.department is None:
            return {}
        return {v.section: v for v in self.round.of(self.department.value)}

    @property
    def may_accept(self) -> bool:
        return self.may_review and self.round.all_cleared

    @property
    def remaining(self) -> list[tuple[str, list[str]]]:
        """The sections not cleared, each with the departments that have still to clear it."""
        found: dict[str, list[str]] = {}
        for verdict in self.round.open:
            found.setdefault(verdict.section, []).append(verdict.department)
        return list(found.items())

    @property
    def report(self) -> ExecutionReport:
        return self.view.report

    @property
    def permit(self) -> Permit:
        return self.view.permit

    @property
    def findings_at(self) -> dict[str, list[AuditFinding]]:
        return findings_by_field(self.findings)


async def review_page(session: AsyncSession, actor: Actor, *, report_id: int) -> ReviewPage:
    """The review of a report by one department: its own sections first, rule findings first."""
    view = await report_view(session, actor, report_id=report_id)
    require(actor, Operation.REPORT_REVIEW, target_of(view.permit))
    if not view.submissions:
        raise NotFound(N_("No such report."), field="report")
    latest = view.submissions[0]
    assert latest.id is not None
    enterprise = await session.get(Enterprise, view.permit.enterprise_id)
    assert enterprise is not None
    present = sections_of(view.report.kind)
    own = tuple(s for s in departments.sections_for(actor.role.value if actor.role else None) if s in present)
    view.findings = {k: severity_first(v) for k, v in view.findings.items()}
    found = await lookup.rounds_of(session, view.report, view.submissions)
    return ReviewPage(
        view,
        enterprise,
        latest,
        view.findings.get(latest.id, []),
        own,
        tuple(s for s in present if s not in own),
        may_review=view.report.state == "submitted",
        round=found[latest.id],
        earlier=[found[s.id] for s in view.submissions[1:] if s.id is not None],
        department=reviewing_department(actor),
    )
