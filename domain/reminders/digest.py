"""The regulators' monthly digest (AP (4)): permits expiring in the jurisdiction, permits expired and
not renewed last month — the very list the public page shows — and reports that became overdue.

Sent on the first day of each month (by ``permitwatch remind`` or the worker's scheduler), once per
regulator and month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain import regions
from domain.access import Target, jurisdiction_of
from domain.access.sql import TargetColumns
from domain.accounts.models import User
from domain.disclosure.queries.register import expired_not_renewed
from domain.enterprises.models import Enterprise
from domain.permits.models import Permit
from domain.permits.rules import PermitStatus
from domain.permits.terms import terms_of
from domain.reminders.letters import TEMPLATES, ReminderSummary, notify
from domain.reports import schedule as report_schedule
from domain.reports.models import ExecutionReport
from domain.settings import get_settings

DIGEST_KIND = "monthly_digest"
EXPIRING_DAYS = 60


@dataclass
class DigestContent:
    month: date  # the month the digest looks back on (its first day)
    expiring: list[tuple[Permit, Enterprise]] = field(default_factory=list)
    expired: list[tuple[str, str, date | None]] = field(default_factory=list)  # number, unit, last valid day
    overdue: list[tuple[Permit, Enterprise, str, str, date]] = field(
        default_factory=list
    )  # kind, period, due


def previous_month(on: date) -> date:
    return (on.replace(day=1) - timedelta(days=1)).replace(day=1)


async def digest_for(session: AsyncSession, *, jurisdiction: str, on: date) -> DigestContent:
    """What one jurisdiction's regulators are told on ``on`` about the month before."""
    # The permits its regulators see: the same condition as can(PERMIT_VIEW) for a regulator of it.
    covered = jurisdiction_of(jurisdiction)
    in_region = covered.where(TargetColumns(region_code=col(Permit.region_code)))
    month = previous_month(on)
    content = DigestContent(month=month)
    in_force = (
        await session.exec(
            select(Permit, Enterprise)
            .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
            .where(
                Permit.status == PermitStatus.ISSUED,
                in_region,
                col(Permit.valid_until) >= on,
            )
            .order_by(col(Permit.valid_until))
        )
    ).all()
    content.expiring = [
        (p, e) for p, e in in_force if p.valid_until and p.valid_until <= on + timedelta(days=EXPIRING_DAYS)
    ]
    public_list = await expired_not_renewed(session, month=month)
    content.expired = [
        (row.number, row.unit_name, row.valid_until)
        for row in public_list.rows
        if covered.holds(Target(region_code=row.region_code))
    ]
    month_end = on.replace(day=1) - timedelta(days=1)
    permits = [p for p, _e in in_force] + [
        p
        for p, _e in (
            await session.exec(
                select(Permit, Enterprise)
                .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
                .where(
                    Permit.status == PermitStatus.ISSUED,
                    in_region,
                    col(Permit.valid_until) < on,
                    col(Permit.valid_until) >= month,
                )
            )
        ).all()
    ]
    enterprises = {e.id: e for _p, e in in_force}
    if permits:
        terms = await terms_of(session, permits)
        defaults = report_schedule.default_due_days()
        filed = {
            (r.permit_id, r.kind, r.period)
            for r in (
                await session.exec(
                    select(ExecutionReport).where(
                        col(ExecutionReport.permit_id).in_([p.id for p in permits]),
                        col(ExecutionReport.first_submitted_at).is_not(None),
                    )
                )
            ).all()
        }
        for permit in permits:
            assert permit.id is not None
            for item in report_schedule.permit_plan(
                permit, terms[permit.id], until=month_end, defaults=defaults
            ):
                kind, label, due = item.kind, item.period.label, item.due_date
                if item.owed and month <= due <= month_end and (permit.id, kind, label) not in filed:
                    enterprise = enterprises.get(permit.enterprise_id) or await session.get(
                        Enterprise, permit.enterprise_id
                    )
                    assert enterprise is not None
                    content.overdue.append((permit, enterprise, kind, label, due))
    return content


async def send_monthly_digests(session: AsyncSession, *, on: date) -> ReminderSummary:
    """On the first day of a month: one digest per regulator (with its jurisdiction), written once."""
    summary = ReminderSummary()
    if on.day != 1:
        return summary
    settings = get_settings()
    regulators = (
        await session.exec(
            select(User).where(
                col(User.is_active).is_(True),
                col(User.region_code).is_not(None),
                col(User.role).in_(
                    [
                        "permitting",
                        "ecology",
                        "pollution_prevention",
                        "legal",
                        "enforcement",
                        "monitoring_station",
                    ]
                ),
            )
        )
    ).all()
    cache: dict[str, DigestContent] = {}
    for user in regulators:
        assert user.region_code is not None
        digest = cache.get(user.region_code)
        if digest is None:
            digest = cache[user.region_code] = await digest_for(session, jurisdiction=user.region_code, on=on)
        label = f"{digest.month:%Y-%m}"
        context = {
            "region": regions.region_name(user.region_code),
            "month": label,
            "digest": digest,
            "base_url": settings.base_url.rstrip("/"),
        }
        title = (
            f"【排污许可】{label} 月度监管简报：{len(digest.expiring)} 张即将到期，"
            f"{len(digest.expired)} 张到期未延续，{len(digest.overdue)} 份执行报告逾期 / Monthly digest"
        )
        text = TEMPLATES.get_template("monthly_digest.txt").render(**context)
        html = TEMPLATES.get_template("monthly_digest.html").render(**context)
        await notify(
            session,
            user=user,
            kind=DIGEST_KIND,
            key=f"digest:{label}:{user.id}",
            title=title,
            body=text,
            link=f"/public/expired?month={label}",
            email_text=text,
            email_html=html,
            summary=summary,
        )
    return summary
