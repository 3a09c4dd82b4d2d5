"""Who is told what as a problem is fixed (docs/supervision.md): the unit (and the agency filing its
reports) when rectification is required and at each regulator's step; the owning department when a
problem is raised for it and when the unit reports progress; both before the deadline and when it has
passed (JN; AP (4)). Every notice is written in the step's own transaction (``notifications.notices``),
once per key."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.accounts.models import User
from domain.agencies.recipients import unit_and_agency_users
from domain.clock import china_midnight, today
from domain.enterprises.models import Enterprise
from domain.errors import N_
from domain.i18n import translate
from domain.notifications.notices import tell
from domain.supervision.departments import department_label, department_users
from domain.supervision.problems import rules
from domain.supervision.problems.models import Problem, RectificationItem, RectificationStep

KIND_REQUIRED = "rectification_required"
KIND_STEP = "rectification_step"
KIND_RAISED = "problem_raised"
KIND_DISMISSED = "problem_dismissed"
KIND_PROGRESS = "rectification_progress"
KIND_DUE = "rectification_due"
KIND_MONTHLY = "rectification_monthly"
REMINDER_LEAD_DAYS = (7, 1)
# From this day of the month, a unit that has not reported the month's progress is reminded (AP action 18).
MONTHLY_REMINDER_DAY = 20
OVERDUE = "overdue"


def link(problem: Problem) -> str:
    return f"/supervision/problems/{problem.id}"


def _in_both(message: str, **params: object) -> str:
    return " / ".join(translate(message, locale, **params) for locale in ("zh_Hans", "en"))


async def _unit_name(session: AsyncSession, problem: Problem) -> str:
    enterprise = await session.get(Enterprise, problem.enterprise_id)
    return enterprise.name if enterprise else ""


async def _unit(session: AsyncSession, problem: Problem) -> list[User]:
    return await unit_and_agency_users(session, problem.enterprise_id, "reports", today())


async def _department(session: AsyncSession, problem: Problem, *, besides: int | None = None) -> list[User]:
    users = await department_users(session, role=problem.department, region_code=problem.region_code)
    return [u for u in users if u.id != besides]


async def rectification_required(
    session: AsyncSession,
    problem: Problem,
    item: RectificationItem,
    step: RectificationStep,
    *,
    reopened: bool = False,
) -> int:
    """The unit learns what to fix, by when, and who at the bureau owns it."""
    params = {
        "enterprise": await _unit_name(session, problem),
        "title": problem.title,
        "deadline": item.deadline.isoformat(),
    }
    title = _in_both(
        N_("Rectification reopened: {title}") if reopened else N_("Rectification required: {title}"),
        **params,
    )
    body = " / ".join(
        translate(
            N_(
                '{enterprise}: rectify "{title}" by {deadline} ({department}). Measures required: '
                "{measures}. Report progress every month until it is closed."
            ),
            locale,
            department=department_label(problem.department, locale),
            measures=item.measures,
            **params,
        )
        for locale in ("zh_Hans", "en")
    )
    return await tell(
        session,
        await _unit(session, problem),
        kind=KIND_REQUIRED,
        key=f"rectification_step:{step.id}",
        title=title,
        body=body,
        link=link(problem),
    )


async def problem_raised(session: AsyncSession, problem: Problem, *, by_user_id: int | None) -> int:
    """The owning department hears of a problem raised for it (by someone else of the bureau)."""
    params = {"enterprise": await _unit_name(session, problem), "title": problem.title}
    return await tell(
        session,
        await _department(session, problem, besides=by_user_id),
        kind=KIND_RAISED,
        key=f"problem:{problem.id}:raised",
        title=_in_both(N_("New problem for your department: {title}"), **params),
        body=_in_both(N_("{enterprise}: {title}. Decide the rectification it requires."), **params),
        link=link(problem),
    )


async def problem_dismissed(session: AsyncSession, problem: Problem, *, by_user_id: int | None) -> int:
    """The owning department (but the one who decided) and the unit (with the agency filing its reports)
    hear that a problem was dismissed as unfounded, with the reason."""
    params = {
        "enterprise": await _unit_name(session, problem),
        "title": problem.title,
        "reason": problem.dismissal_reason or "",
    }
    recipients = {
        u.id: u
        for u in [*await _department(session, problem, besides=by_user_id), *await _unit(session, problem)]
    }
    return await tell(
        session,
        list(recipients.values()),
        kind=KIND_DISMISSED,
        key=f"problem:{problem.id}:dismissed",
        title=_in_both(N_("Problem dismissed as unfounded: {title}"), **params),
        body=_in_both(N_("{enterprise}: {title}. Dismissed as unfounded: {reason}"), **params),
        link=link(problem),
    )


async def progress_reported(session: AsyncSession, problem: Problem, step: RectificationStep) -> int:
    params = {"enterprise": await _unit_name(session, problem), "title": problem.title}
    return await tell(
        session,
        await _department(session, problem),
        kind=KIND_PROGRESS,
        key=f"rectification_step:{step.id}",
        title=_in_both(N_("Rectification progress reported: {title}"), **params),
        body=_in_both(N_('{enterprise} reported progress on "{title}". Verify it when done.'), **params),
        link=link(problem),
    )


STEP_MESSAGES = {
    (rules.VERIFICATION, rules.PASSED): N_("Rectification verified: {title}"),
    (rules.VERIFICATION, rules.FAILED): N_("Rectification not accepted on verification: {title}"),
    (rules.RECHECK, rules.PASSED): N_("Spot re-check passed: {title}"),
    (rules.RECHECK, rules.FAILED): N_("Spot re-check failed: {title}"),
    (rules.CLOSURE, None): N_("Rectification closed (销号): {title}"),
}


async def step_taken(session: AsyncSession, problem: Problem, step: RectificationStep) -> int:
    """The unit hears of each regulator's step: verified or not, re-checked, closed."""
    message = STEP_MESSAGES.get((step.kind, step.outcome))
    if message is None:
        return 0
    params = {"enterprise": await _unit_name(session, problem), "title": problem.title}
    note = f"\n{step.note}" if step.note else ""
    return await tell(
        session,
        await _unit(session, problem),
        kind=KIND_STEP,
        key=f"rectification_step:{step.id}",
        title=_in_both(message, **params),
        body=_in_both(message, **params) + note,
        link=link(problem),
    )


def reminder_stage(deadline: date, on: date) -> str | None:
    """Which reminder is due: 7 days before, the day before, and once the deadline has passed; the
    latest whose day has come, so a day the worker missed is caught up (each stage is sent once)."""
    if on > deadline:
        return OVERDUE
    for lead in sorted(REMINDER_LEAD_DAYS):
        if on >= deadline - timedelta(days=lead):
            return f"{lead}d"
    return None


async def send_rectification_reminders(session: AsyncSession, *, on: date) -> int:
    """Remind the unit and the owning department before each rectification deadline and when it has
    passed (JN; AP (4)), once per item, deadline and stage; and the unit, once a month from the 20th,
    of an item ordered before this month whose month's progress it has not reported (AP action 18).
    Returns how many notices were written."""
    return await _deadline_reminders(session, on=on) + await _monthly_reminders(session, on=on)


async def _monthly_reminders(session: AsyncSession, *, on: date) -> int:
    if on.day < MONTHLY_REMINDER_DAY:
        return 0
    month_start = china_midnight(on.replace(day=1))
    rows = (
        await session.exec(
            select(RectificationItem, Problem)
            .join(Problem, col(Problem.id) == col(RectificationItem.problem_id))
            .where(
                RectificationItem.state == rules.RECTIFYING,
                col(RectificationItem.created_at) < month_start,
                or_(
                    col(RectificationItem.last_progress_at).is_(None),
                    col(RectificationItem.last_progress_at) < month_start,
                ),
            )
            .order_by(col(RectificationItem.id))
        )
    ).all()
    written = 0
    month = rules.month_of(on)
    for item, problem in rows:
        params = {"enterprise": await _unit_name(session, problem), "title": problem.title, "month": month}
        written += await tell(
            session,
            await _unit(session, problem),
            kind=KIND_MONTHLY,
            key=f"rectification:{item.id}:monthly:{month}",
            title=_in_both(N_("Report this month's rectification progress: {title}"), **params),
            body=_in_both(
                N_('{enterprise}: the progress of "{title}" for {month} has not been reported yet.'), **params
            ),
            link=link(problem),
        )
    return written


async def _deadline_reminders(session: AsyncSession, *, on: date) -> int:
    horizon = on + timedelta(days=max(REMINDER_LEAD_DAYS))
    rows = (
        await session.exec(
            select(RectificationItem, Problem)
            .join(Problem, col(Problem.id) == col(RectificationItem.problem_id))
            .where(RectificationItem.state == rules.RECTIFYING, col(RectificationItem.deadline) <= horizon)
            .order_by(col(RectificationItem.id))
        )
    ).all()
    written = 0
    for item, problem in rows:
        stage = reminder_stage(item.deadline, on)
        if stage is None:
            continue
        params = {
            "enterprise": await _unit_name(session, problem),
            "title": problem.title,
            "deadline": item.deadline.isoformat(),
        }
        if stage == OVERDUE:
            title = _in_both(N_("Rectification overdue: {title}"), **params)
            body = _in_both(
                N_('{enterprise}: the rectification of "{title}" was due on {deadline} and is not done.'),
                **params,
            )
        else:
            title = _in_both(N_("Rectification due {deadline}: {title}"), **params)
            body = _in_both(
                N_('{enterprise}: rectify "{title}" and report it by {deadline}.'),
                **params,
            )
        key = f"rectification:{item.id}:{item.deadline.isoformat()}:{stage}"
        users = await _unit(session, problem) + await _department(session, problem)
        written += await tell(
            session, users, kind=KIND_DUE, key=key, title=title, body=body, link=link(problem)
        )
    return written
