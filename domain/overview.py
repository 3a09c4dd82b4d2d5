"""What the home page shows each kind of user: a summary of what they may see, and for regulators the
state of the closed loop in their jurisdiction (docs/supervision.md): rectification, the year's inspection
plan, linkage tasks, enforcement leads and cases, the positive list. Each figure comes from the part's own
read (the same query its page uses), filtered by the access rule, so the home page and the pages agree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can
from domain.accounts.queries import list_users
from domain.audit.models import AuditEntry
from domain.audit.service import recent
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.enterprises.queries import get_enterprise_by_id, list_enterprises
from domain.ledgers.models import Exceedance
from domain.ledgers.queries.exceedances import list_exceedances
from domain.permits.models import Permit
from domain.permits.queries.worklist import regulator_worklist
from domain.reports.models import FeedbackForm
from domain.reports.queries.review import COUNT_BOUND, review_queue
from domain.reports.queries.schedule import ScheduledReport, my_schedules
from domain.reports.queries.statistics import latest_due_period, overdue_count
from domain.supervision.cases import queries as case_queries
from domain.supervision.inspections.queries import plan as plan_queries
from domain.supervision.linkage import queries as linkage_queries
from domain.supervision.problems import queries as problem_queries
from domain.supervision.standing import queries as standing_queries


@dataclass(frozen=True)
class SupervisionSummary:
    """The closed loop at a glance, as the regulator's pages count it (None: not the reader's to see)."""

    problems_open: int
    rectification_overdue: int
    closed_this_month: int
    average_days_to_close: float | None
    plan_year: int
    plan_due: int | None
    plan_behind: int | None
    plan_done: int | None
    linkage_mine: int
    linkage_overdue: int
    leads_waiting: int | None
    cases_active: int
    positive_list: int
    yellow_cards_this_year: int


async def supervision_summary(session: AsyncSession, actor: Actor) -> SupervisionSummary | None:
    """For a regulator or the administrator; None for anyone else."""
    if not (actor.is_regulator or actor.is_admin):
        return None
    board = (await problem_queries.board(session, actor, by="region")).total
    year = today().year
    plan: dict[str, int] | None = None
    if actor.region_code and can(actor, Operation.INSPECTION_VIEW, Target(region_code=actor.region_code)):
        plan = (
            await plan_queries.plan_summary(session, actor, region_code=actor.region_code, year=year)
        ).counts
    may_take_leads = (
        can(actor, Operation.CASE_MANAGE, Target(region_code=actor.region_code)) or actor.is_admin
    )
    return SupervisionSummary(
        problems_open=board.open,
        rectification_overdue=board.overdue,
        closed_this_month=board.closed_this_month,
        average_days_to_close=board.average_days_to_close,
        plan_year=year,
        plan_due=plan.get("due", 0) if plan is not None else None,
        plan_behind=plan.get("behind", 0) if plan is not None else None,
        plan_done=plan.get("done", 0) if plan is not None else None,
        linkage_mine=(await linkage_queries.task_list(session, actor, view="mine", first=1)).total,
        linkage_overdue=(await linkage_queries.task_list(session, actor, view="overdue", first=1)).total,
        leads_waiting=(await case_queries.leads_inbox(session, actor, first=1)).total
        if may_take_leads
        else None,
        cases_active=(await case_queries.case_list(session, actor, view="active", first=1)).total,
        positive_list=await standing_queries.count_listed(session, actor),
        yellow_cards_this_year=await standing_queries.count_cards_of_year(session, actor, year=year),
    )


# What the unit's side must do about a report: the schedule's states that wait for it.
WAITING = ("returned", "overdue", "open", "draft")
WORK_ROWS = 12


@dataclass(frozen=True)
class ReportTask:
    """A report the unit (or its agency) must write, finish, or correct and resubmit."""

    enterprise_name: str
    permit_number: str
    item: ScheduledReport
    answer_by: date | None  # a returned report's feedback deadline (the earliest open form's)

    @property
    def deadline(self) -> date:
        return self.answer_by or self.item.due_date

    @property
    def answer_late(self) -> bool:
        """The feedback form's deadline has passed without an answer."""
        return self.answer_by is not None and self.answer_by < today()


@dataclass
class UnitWork:
    """The home page of the unit's staff and of an agency's clerk: what is due, overdue and returned,
    with the exceedances to explain and the rectification items open, each from its own page's query (the
    same access rule), first things first."""

    reports: list[ReportTask]
    reports_waiting: int  # all of them, the list shows the first WORK_ROWS
    clients: int  # units whose reports the reader files (an agency's clients; 1 for a unit)
    exceedances: list[tuple[Exceedance, Permit]]
    exceedances_open: int
    rectification: list[problem_queries.ProblemRow]
    rectification_open: int


async def unit_work(session: AsyncSession, actor: Actor) -> UnitWork | None:
    if not actor.is_unit_side:
        return None
    schedules = await my_schedules(session, actor)
    tasks = [
        (schedule, item)
        for schedule in schedules
        for item in schedule.items
        if item.state in WAITING and (item.state != "draft" or item.due_date <= today())
    ]
    returned = [item.report.id for _s, item in tasks if item.state == "returned" and item.report is not None]
    answer_by: dict[int, date] = {}
    if returned:
        forms = await session.exec(
            select(col(FeedbackForm.report_id), col(FeedbackForm.deadline)).where(
                col(FeedbackForm.report_id).in_(returned), FeedbackForm.status == "open"
            )
        )
        for report_id, deadline in forms.all():
            answer_by[report_id] = min(deadline, answer_by.get(report_id, deadline))
    reports = sorted(
        (
            ReportTask(
                schedule.enterprise.name,
                schedule.permit.number or "",
                item,
                answer_by.get(item.report.id or 0) if item.report is not None else None,
            )
            for schedule, item in tasks
        ),
        key=lambda task: (WAITING.index(task.item.state), task.deadline, task.enterprise_name),
    )
    exceedances = await list_exceedances(session, actor, status="open", first=5)
    items = await problem_queries.rectification_items(session, actor, first=5)
    return UnitWork(
        reports=reports[:WORK_ROWS],
        reports_waiting=len(reports),
        clients=len({schedule.enterprise.id for schedule in schedules}),
        exceedances=exceedances.items,
        exceedances_open=exceedances.total,
        rectification=list(items.items),
        rectification_open=items.total,
    )


@dataclass(frozen=True)
class RegulatorWork:
    """A regulator's day, each figure from its page's own query: reports waiting for review, exceedance
    warnings not yet explained, open applications (and those past their time limit), and the quarterly
    reports overdue for the last period due, which the dashboard's overdue list reminds (催报)."""

    reviews_waiting: int  # counted up to ``reviews_bound`` + 1: past the bound, "more than"
    warnings_open: int
    applications_open: int
    applications_overdue: int
    overdue_period: str
    reports_overdue: int
    reviews_bound: int = COUNT_BOUND

    @property
    def reviews_more(self) -> bool:
        return self.reviews_waiting > self.reviews_bound


async def regulator_work(session: AsyncSession, actor: Actor) -> RegulatorWork | None:
    if not (actor.is_regulator or actor.is_admin) or not can(actor, Operation.PERMIT_LIST):
        return None
    # Counted up to a bound, as the queue's own page counts (a city's queue holds a six-figure number).
    _rows, reviews = await review_queue(session, actor, state="submitted", first=1, count_up_to=COUNT_BOUND)
    warnings = await list_exceedances(session, actor, status="open", first=1)
    worklist = await regulator_worklist(session, actor, first=1)
    period = latest_due_period("quarterly", today())
    overdue = await overdue_count(session, actor, kind="quarterly", period=period.label)
    return RegulatorWork(
        reviews_waiting=reviews,
        reviews_bound=COUNT_BOUND,
        warnings_open=warnings.total,
        applications_open=worklist.page.total,
        applications_overdue=worklist.overdue,
        overdue_period=period.label,
        reports_overdue=overdue,
    )


@dataclass
class Overview:
    enterprise_total: int | None = None
    recent_enterprises: list[Enterprise] = field(default_factory=list)
    own_enterprise: Enterprise | None = None
    user_count: int | None = None
    recent_audit: list[AuditEntry] = field(default_factory=list)
    supervision: SupervisionSummary | None = None
    work: UnitWork | None = None
    daily: RegulatorWork | None = None


async def home_overview(session: AsyncSession, actor: Actor) -> Overview:
    overview = Overview()
    if can(actor, Operation.ENTERPRISE_LIST):
        page = await list_enterprises(session, actor, first=5)
        overview.enterprise_total = page.total
        overview.recent_enterprises = page.items
    if actor.enterprise_id is not None:
        overview.own_enterprise = await get_enterprise_by_id(
            session, actor, enterprise_id=actor.enterprise_id
        )
    if can(actor, Operation.USER_MANAGE):
        overview.user_count = len(await list_users(session, actor))
    if can(actor, Operation.AUDIT_VIEW):
        overview.recent_audit = await recent(session, actor, limit=8)
    overview.supervision = await supervision_summary(session, actor)
    overview.work = await unit_work(session, actor)
    overview.daily = await regulator_work(session, actor)
    return overview
