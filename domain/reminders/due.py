"""Reminders before deadlines (JN ch. 1 (2); AP (4)): nobody misses a deadline because nobody told them.

``send_due_reminders`` is idempotent: every notice has a key made of the object,
the deadline cycle, the stage and the recipient, so running it twice on a day (or
every hour) writes nothing the second time.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import ENTERPRISE_ROLES
from domain.accounts.models import User
from domain.agencies.recipients import unit_and_agency_users as _recipients
from domain.calendar.rules import working_days_before
from domain.enterprises.models import Enterprise
from domain.permits.models import Permit, PermitApplication
from domain.permits.rules import ApplicationKind, PermitStatus
from domain.permits.terms import terms_of
from domain.reminders.letters import TEMPLATES, ReminderSummary, notify, renewal_basis
from domain.reports import schedule as report_schedule
from domain.reports.models import ExecutionReport, FeedbackForm
from domain.settings import get_settings

RENEWAL_KIND = "permit_renewal"
PASSED = "passed"
OPEN_STATUSES = ("submitted", "accepted", "granted")


def renewal_stages(renewal_due: date, leads: tuple[int, ...]) -> list[tuple[str, date]]:
    """(stage, day to send) pairs: N working days before the renewal deadline, and the day after it passes."""
    stages = [
        (f"{lead}wd", working_days_before(renewal_due, lead).date) for lead in sorted(leads, reverse=True)
    ]
    stages.append((PASSED, renewal_due + timedelta(days=1)))
    return stages


def current_stage(renewal_due: date, valid_until: date, on: date, leads: tuple[int, ...]) -> str | None:
    """The latest stage whose day has come, or None; once a permit has expired no renewal notice is due."""
    if on > valid_until:
        return None
    chosen = None
    for stage, send_on in renewal_stages(renewal_due, leads):
        if send_on <= on:
            chosen = stage
    return chosen


async def send_due_reminders(session: AsyncSession, *, on: date) -> ReminderSummary:
    """Write today's renewal reminders (notices and mail) for every unit whose stage has come."""
    settings = get_settings()
    leads = settings.renewal_reminder_lead_days
    horizon = on + timedelta(days=int(max(leads, default=0) * 1.6) + 30)
    renewing = select(PermitApplication.permit_id).where(
        PermitApplication.kind == ApplicationKind.RENEWAL, col(PermitApplication.status).in_(OPEN_STATUSES)
    )
    rows = (
        await session.exec(
            select(Permit, Enterprise)
            .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
            .where(
                Permit.status == PermitStatus.ISSUED,
                col(Permit.renewal_due).is_not(None),
                col(Permit.renewal_due) <= horizon,
                col(Permit.valid_until) >= on,
                col(Permit.id).not_in(renewing),
            )
        )
    ).all()
    summary = ReminderSummary()
    users_by_enterprise: dict[int, list[User]] = {}
    if rows:
        enterprise_ids = {permit.enterprise_id for permit, _ in rows}
        users = (
            await session.exec(
                select(User).where(
                    col(User.enterprise_id).in_(enterprise_ids),
                    col(User.is_active).is_(True),
                    col(User.role).in_([r.value for r in ENTERPRISE_ROLES]),
                )
            )
        ).all()
        for user in users:
            assert user.enterprise_id is not None
            users_by_enterprise.setdefault(user.enterprise_id, []).append(user)
    for permit, enterprise in rows:
        assert permit.renewal_due is not None and permit.valid_until is not None
        stage = current_stage(permit.renewal_due, permit.valid_until, on, leads)
        if stage is None:
            continue
        summary.permits.add(permit.id or 0)
        context = {
            "enterprise": enterprise.name,
            "number": permit.number,
            "renewal_due": permit.renewal_due.isoformat(),
            "valid_until": permit.valid_until.isoformat(),
            "passed": stage == PASSED,
            "approximate": permit.renewal_due_approximate,
            "link": f"{settings.base_url.rstrip('/')}/permits/{permit.number}",
            **renewal_basis(permit),
        }
        if stage == PASSED:
            title = f"【排污许可】延续申请期限已过：{permit.number} / Renewal deadline passed"
        else:
            title = (
                f"【排污许可】延续提醒：请于 {permit.renewal_due.isoformat()} 前申请延续 {permit.number} "
                f"/ Renewal reminder: apply by {permit.renewal_due.isoformat()}"
            )
        text = TEMPLATES.get_template("permit_renewal.txt").render(**context)
        html = TEMPLATES.get_template("permit_renewal.html").render(**context)
        for user in users_by_enterprise.get(permit.enterprise_id, []):
            key = f"renewal:{permit.id}:{permit.valid_until.isoformat()}:{stage}:{user.id}"
            await notify(
                session,
                user=user,
                kind=RENEWAL_KIND,
                key=key,
                title=title,
                body=text,
                link=f"/permits/{permit.number}",
                email_text=text,
                email_html=html,
                summary=summary,
            )
    return summary


REPORT_KIND = "report_due"
FEEDBACK_KIND = "feedback_due"
OVERDUE = "overdue"


def report_stage(due: date, on: date, leads: tuple[int, ...]) -> str | None:
    """Which report reminder is due today: N days before the due date, or the day after it passed."""
    if on == due + timedelta(days=1):
        return OVERDUE
    for lead in sorted(leads):
        if on == due - timedelta(days=lead):
            return f"{lead}d"
    return None


async def send_report_reminders(session: AsyncSession, *, on: date) -> ReminderSummary:
    """Reports due in 10 and 3 days (configurable) and reports that became overdue yesterday, once each."""
    settings = get_settings()
    leads = settings.report_reminder_lead_days
    summary = ReminderSummary()
    rows = (
        await session.exec(
            select(Permit, Enterprise)
            .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
            .where(
                Permit.status == PermitStatus.ISSUED,
                col(Permit.valid_from) <= on,
                col(Permit.valid_until) >= on - timedelta(days=62),
            )
        )
    ).all()
    if not rows:
        return summary
    ids = [p.id for p, _ in rows]
    terms = await terms_of(session, [p for p, _ in rows])
    defaults = report_schedule.default_due_days()
    filed = {
        (r.permit_id, r.kind, r.period)
        for r in (
            await session.exec(
                select(ExecutionReport).where(
                    col(ExecutionReport.permit_id).in_(ids),
                    col(ExecutionReport.first_submitted_at).is_not(None),
                )
            )
        ).all()
    }
    window_start = on - timedelta(days=400)
    for permit, enterprise in rows:
        assert permit.id is not None
        # A period the permit does not owe (held too short, or a longer report stands for it) is never
        # reminded: the report that covers it is.
        for item in report_schedule.permit_plan(permit, terms[permit.id], until=on, defaults=defaults):
            if not item.owed or item.period.end < window_start:
                continue
            kind, period, due = item.kind, item.period, item.due_date
            stage = report_stage(due, on, leads)
            if stage is None or (permit.id, kind, period.label) in filed or period.end >= on:
                continue
            link = f"/reports/{permit.number}/{kind}/{period.label}"
            context = {
                "enterprise": enterprise.name,
                "number": permit.number,
                "kind": kind,
                "period": period.label,
                "due": due.isoformat(),
                "overdue": stage == OVERDUE,
                "link": settings.base_url.rstrip("/") + link,
            }
            day = due.isoformat()
            if stage == OVERDUE:
                title = f"【排污许可】执行报告已逾期：{permit.number} {period.label} / Report overdue"
            else:
                title = f"【排污许可】请于 {day} 前提交执行报告 {period.label} / Report due {day}"
            text = TEMPLATES.get_template("report_due.txt").render(**context)
            html = TEMPLATES.get_template("report_due.html").render(**context)
            for user in await _recipients(session, permit.enterprise_id, "reports", on):
                key = f"report:{permit.id}:{kind}:{period.label}:{stage}:{user.id}"
                await notify(
                    session,
                    user=user,
                    kind=REPORT_KIND,
                    key=key,
                    title=title,
                    body=text,
                    link=link,
                    email_text=text,
                    email_html=html,
                    summary=summary,
                )
                summary.permits.add(permit.id or 0)
    return summary


async def send_feedback_reminders(session: AsyncSession, *, on: date) -> ReminderSummary:
    """Feedback forms whose deadline is in 3 days or is today, while still unanswered."""
    summary = ReminderSummary()
    forms = (
        await session.exec(
            select(FeedbackForm, ExecutionReport, Permit, Enterprise)
            .join(ExecutionReport, col(ExecutionReport.id) == col(FeedbackForm.report_id))
            .join(Permit, col(Permit.id) == col(ExecutionReport.permit_id))
            .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
            .where(
                FeedbackForm.status == "open", col(FeedbackForm.deadline).in_([on, on + timedelta(days=3)])
            )
        )
    ).all()
    for form, report, permit, enterprise in forms:
        stage = "today" if form.deadline == on else "3d"
        title = (
            f"【排污许可】执行报告问题反馈意见单须于 {form.deadline.isoformat()} 前答复 "
            f"/ Feedback form due {form.deadline.isoformat()}"
        )
        text = (
            f"{enterprise.name}：执行报告 {permit.number} {report.kind} {report.period} 的问题反馈意见单须于 "
            f"{form.deadline.isoformat()} 前修改报告或提交说明；逾期未答复的问题将移交执法。\n"
            f"Feedback form on report {report.period} must be answered by {form.deadline.isoformat()}."
        )
        link = f"/reports/id/{report.id}"
        for user in await _recipients(session, permit.enterprise_id, "reports", on):
            await notify(
                session,
                user=user,
                kind=FEEDBACK_KIND,
                key=f"feedback:{form.id}:{stage}:{user.id}",
                title=title,
                body=text,
                link=link,
                email_text=text,
                email_html=f"<p>{text}</p>",
                summary=summary,
            )
    return summary
