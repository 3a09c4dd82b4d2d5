"""What the home page shows each kind of user: a summary of what they may see, and for regulators the
state of the closed loop in their jurisdiction (docs/supervision.md): rectification, the year's inspection
plan, linkage tasks, enforcement leads and cases, the positive list. Each figure comes from the part's own
read (the same query its page uses), filtered by the access rule, so the home page and the pages agree."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can
from domain.accounts.queries import list_users
from domain.audit.models import AuditEntry
from domain.audit.service import recent
from domain.clock import today
from domain.enterprises.models import Enterprise
from domain.enterprises.queries import get_enterprise_by_id, list_enterprises
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


@dataclass
class Overview:
    enterprise_total: int | None = None
    recent_enterprises: list[Enterprise] = field(default_factory=list)
    own_enterprise: Enterprise | None = None
    user_count: int | None = None
    recent_audit: list[AuditEntry] = field(default_factory=list)
    supervision: SupervisionSummary | None = None


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
    return overview
