"""The demo city's filing history: execution reports since each permit took effect, as they were filed.

Every report goes through the product's own use cases (draft pre-filled from the ledger, submit, accept,
feedback form), each stamped as if the server had received it at that moment (``clock.history_at``), so
receipts, hash chains, on-time judgements, the review queue and the filing dashboard all show a
believable past: most reports on time, some late, a few never filed (overdue), some resubmitted, older
ones accepted by the district, and one report returned with a feedback form the unit has yet to answer.
Which report gets which fate follows from its name (a checksum), so every load tells the same story.
"""

from __future__ import annotations

import copy
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from demo.city import DEMO_AGENCY_CLIENTS, DEMO_AGENCY_SINCE_DAYS, DEMO_PASSWORD, LOGINS
from domain.access import Actor, Role
from domain.accounts.models import User
from domain.accounts.queries import find_user
from domain.accounts.service.users import create_user
from domain.actors import actor_for, actor_for_user
from domain.clock import CHINA_OFFSET, history_at, today, utcnow
from domain.enterprises.models import Enterprise
from domain.permits.models import Permit
from domain.permits.reference import ReportKind
from domain.permits.rules import PermitStatus
from domain.permits.terms import PermitTerms, terms_of
from domain.reports import rounds
from domain.reports import schedule as plans
from domain.reports.queries import editor
from domain.reports.rules import FeedbackItemInput
from domain.reports.service import review, submission

LOOKBACK_DAYS = (
    1100  # periods that ended in these three years get a history (the permit, the dashboard trend)
)
LATE_ANSWER_AFTER_DAYS = 19  # the late answer: 14 days after a form with a ten-day deadline
REVIEWED_AFTER_DAYS = 20  # the district accepts a clean report about this long after it arrived


@dataclass(frozen=True)
class Filed:
    report_id: int
    permit: Permit
    kind: str
    moment: datetime
    errors: int  # of the latest submission: a regulator accepts only a report the rules find clean
    filer: Actor | None = None
    period: str = ""


def _fate(name: str) -> int:
    return zlib.crc32(name.encode()) % 20


def _at(day: date, hour: int) -> datetime:
    """``hour`` o'clock China time on that day, as UTC."""
    return datetime.combine(day, time(hour), tzinfo=UTC) - CHINA_OFFSET


def _completed(
    kind: str, content: dict[str, Any], terms: PermitTerms, fate: int, share_of_year: float
) -> dict[str, Any]:
    """What the unit's officer makes of the pre-filled draft before filing: quantities the ledger cannot
    give estimated from emission factors, a statement, and for the annual report its further sections."""
    content = copy.deepcopy(content)
    limits = {(limit.point, limit.pollutant): limit for limit in terms.limits}
    share = 0.35 + (fate % 5) / 20  # of the permitted annual quantity
    for row in content["emissions"]:
        limit = limits.get((row["outlet"], row["pollutant"]))
        if limit is None:
            continue
        if row["concentration_avg"] is None and row["method"] != "factor":
            # No monitoring result in the ledger: the quantity is estimated from emission factors
            # (M48 §36), which come without a concentration.
            row["method"], row["concentration_max"], row["compliant"] = "factor", None, True
        if row["quantity_t"] is None and limit.annual_quantity_limit:
            row["quantity_t"] = round(limit.annual_quantity_limit * share * share_of_year, 3)
    content["statement"] = (
        content.get("statement") or "本期按照排污许可证要求排放污染物，污染防治设施正常运行。"
    )
    if kind == ReportKind.ANNUAL:
        content["production"] = {
            "operating_days": 330 - fate % 20,
            "main_products": "主要产品按许可证载明的生产工艺生产",
            "output": "与上年基本持平",
        }
        content["control_facilities"] = [
            {"name": "污染防治设施（按许可证载明）", "operating_hours": 7800, "abnormal_hours": fate % 7}
        ]
        content["disclosure"] = {
            "done": True,
            "channels": "全国排污许可证管理信息平台、企业网站",
            "notes": "",
        }
        content["management_system"] = {"responsible_person": "环保专员", "training_sessions": 4, "notes": ""}
    return content


async def file_demo_reports(
    session: AsyncSession,
    filers: dict[int, Actor],
    reviewers: dict[str, dict[Role, Actor]],
    returned_by: int,
    handovers: dict[int, tuple[date, Actor]] | None = None,
) -> int:
    """``filers``: enterprise id → who files its reports; ``handovers``: enterprise id → from which day
    someone else files them (an agency, once authorised); ``reviewers``: province prefix of the region
    code ("31", "37") → the reviewer of each department that checks reports (PT §5). The latest quarterly
    report of enterprise ``returned_by`` is returned with a feedback form. Returns the number of
    submissions written."""
    handovers = handovers or {}
    now, on = utcnow(), today()
    permits = (
        await session.exec(
            select(Permit)
            .where(col(Permit.enterprise_id).in_(sorted(filers)), Permit.status == PermitStatus.ISSUED)
            .order_by(col(Permit.number))
        )
    ).all()
    terms = await terms_of(session, permits)
    written = 0
    filed: list[Filed] = []
    for permit in permits:
        assert permit.id is not None and permit.number is not None
        if permit.valid_from is None or permit.valid_until is None:
            continue
        start = max(permit.valid_from, on - timedelta(days=LOOKBACK_DAYS))
        last = min(on - timedelta(days=1), permit.valid_until)
        for item in plans.permit_plan(permit, terms[permit.id], until=last):
            kind, period = item.kind, item.period
            if not item.owed or period.end >= on or item.begins < start or period.end > permit.valid_until:
                continue
            name = f"{permit.number}/{kind}/{period.label}"
            fate = _fate(name)
            if fate < 2:
                continue  # never filed: overdue, or still open
            due = item.due_date
            if fate < 5:
                moment = _at(due + timedelta(days=2 + fate % 12), 15)  # late
            else:
                moment = _at(due - timedelta(days=1 + fate % 9), 10)  # on time
            moment = min(moment, now - timedelta(hours=6))
            if moment <= _at(period.end + timedelta(days=1), 9):
                continue  # too recent to have been filed yet
            filer = filers[permit.enterprise_id]
            since, successor = handovers.get(permit.enterprise_id, (None, None))
            if since is not None and successor is not None and moment >= _at(since, 0):
                filer = successor
            with history_at(moment):
                draft = await editor.get_draft(
                    session, filer, permit_number=permit.number, kind=kind, period=period.label
                )
                share_of_year = ((period.end - period.start).days + 1) / 365
                content = _completed(kind, draft.content, terms[permit.id], fate, share_of_year)
                result = await submission.submit_report(
                    session,
                    filer,
                    permit_number=permit.number,
                    kind=kind,
                    period=period.label,
                    content=content,
                    idempotency_key=f"demo-{name}",
                )
            written += 1
            latest, errors = moment, result.submission.error_count
            if fate == 5 and moment + timedelta(days=2) < now:  # corrected two days later
                latest = moment + timedelta(days=2)
                with history_at(latest):
                    corrected = await submission.submit_report(
                        session,
                        filer,
                        permit_number=permit.number,
                        kind=kind,
                        period=period.label,
                        content={**content, "statement": "更正：补充了非正常工况说明。"},
                        idempotency_key=f"demo-{name}-v2",
                    )
                written += 1
                errors = corrected.submission.error_count
            assert result.report.id is not None
            filed.append(Filed(result.report.id, permit, kind, latest, errors, filer, period.label))
    await _review(session, filed, reviewers, returned_by, now)
    return written


async def _review(
    session: AsyncSession,
    filed: list[Filed],
    reviewers: dict[str, dict[Role, Actor]],
    returned_by: int,
    now: datetime,
) -> None:
    """Review split by department (PT §5), through the review use cases: older reports the rules find
    clean are cleared section by section by the ecology, pollution prevention and permitting sections over
    a few days and then accepted by the permitting section (which leads the review); some wait for the
    permitting section after the other two cleared theirs; the others wait in the queue, errors first. The
    returned unit's latest quarterly report: the ecology and pollution prevention sections record problems
    in their sections, and the permitting section, which cannot wait, issues the one feedback form now."""
    returned = max(
        (f for f in filed if f.permit.enterprise_id == returned_by and f.kind == "quarterly"),
        key=lambda f: f.moment,
        default=None,
    )
    # A Putuo unit's clean quarterly report returned with a form and corrected after its deadline: the
    # district sees the late answer in its queue (issue 17).
    late = max(
        (
            f
            for f in filed
            if f.permit.region_code.startswith("31")
            and f.kind == "quarterly"
            and f.permit.enterprise_id != returned_by
            and not f.errors
            and f.moment + timedelta(days=LATE_ANSWER_AFTER_DAYS + 5) < now
        ),
        key=lambda f: f.moment,
        default=None,
    )
    for item in filed:
        by = reviewers.get(item.permit.region_code[:2])
        if by is None:
            continue
        if item is returned:
            await _return(session, item, by, now)
            continue
        if item is late:
            await _answered_late(session, item, by)
            continue
        accepted_at = item.moment + timedelta(days=REVIEWED_AFTER_DAYS)
        if item.errors or accepted_at >= now:
            continue
        fate = _fate(f"accept/{item.report_id}")
        order = (Role.ECOLOGY, Role.POLLUTION_PREVENTION, Role.PERMITTING)
        for days_before, role in zip((3, 2, 1), order, strict=True):
            if fate % 3 == 0 and role == Role.PERMITTING:
                break  # waits for the permitting section
            with history_at(accepted_at - timedelta(days=days_before)):
                for section in _sections(item.kind, role):
                    await review.clear_section(session, by[role], report_id=item.report_id, section=section)
        if fate % 3:
            with history_at(accepted_at):
                await review.accept_report(session, by[Role.PERMITTING], report_id=item.report_id)


def _sections(kind: str, role: Role) -> list[str]:
    return [section for section, department in rounds.pairs(kind) if department == role.value]


async def _answered_late(session: AsyncSession, item: Filed, by: dict[Role, Actor]) -> None:
    """The ecology section returns the report with a form and a ten-day deadline; the unit files a
    corrected version four days after it (the form is answered late, PT §5)."""
    assert item.filer is not None and item.permit.number is not None
    issued = item.moment + timedelta(days=5)
    with history_at(issued):
        await review.issue_feedback(
            session,
            by[Role.ECOLOGY],
            report_id=item.report_id,
            items=[FeedbackItemInput(problem="请核实二氧化硫排放浓度，并补充污染防治设施运行情况的说明。")],
            deadline=(issued + CHINA_OFFSET).date() + timedelta(days=10),
        )
    with history_at(item.moment + timedelta(days=LATE_ANSWER_AFTER_DAYS)):
        draft = await editor.get_draft(
            session, item.filer, permit_number=item.permit.number, kind=item.kind, period=item.period
        )
        await submission.submit_report(
            session,
            item.filer,
            permit_number=item.permit.number,
            kind=item.kind,
            period=item.period,
            content={**draft.content, "statement": "已按问题反馈意见单核实更正，并补充了设施运行情况说明。"},
            idempotency_key=f"demo-late-answer-{item.report_id}",
        )


async def _return(session: AsyncSession, item: Filed, by: dict[Role, Actor], now: datetime) -> None:
    issued = min(item.moment + timedelta(days=5), now - timedelta(hours=1))
    with history_at(issued - timedelta(days=2)):
        await review.record_section_problems(
            session,
            by[Role.POLLUTION_PREVENTION],
            report_id=item.report_id,
            section="abnormal_operation",
            items=[FeedbackItemInput(problem="非正常工况记录与台账不一致，请补充说明原因和采取的措施。")],
        )
        for section in _sections(item.kind, Role.POLLUTION_PREVENTION):
            if section != "abnormal_operation":
                await review.clear_section(
                    session, by[Role.POLLUTION_PREVENTION], report_id=item.report_id, section=section
                )
    with history_at(issued - timedelta(days=1)):
        await review.record_section_problems(
            session,
            by[Role.ECOLOGY],
            report_id=item.report_id,
            section="statement",
            items=[FeedbackItemInput(problem="请补充本季度污染防治设施运行情况的说明。")],
        )
        for section in ("emissions", "exceedances"):
            await review.clear_section(session, by[Role.ECOLOGY], report_id=item.report_id, section=section)
    with history_at(issued):
        await review.issue_feedback(
            session,
            by[Role.PERMITTING],
            report_id=item.report_id,
            items=[],
            deadline=(issued + CHINA_OFFSET).date() + timedelta(days=30),
        )


async def report_filers(
    session: AsyncSession, actor: Actor, users: dict[str, User], codes: list[str]
) -> tuple[dict[int, Actor], dict[int, tuple[date, Actor]], int]:
    """Who files each unit's reports in the demo history (enterprise id → actor), who takes over and
    when, and 申普's id: the units with logins file as those users (真如 through its agency's clerk since
    it authorised the agency); every other unit with a permit in force gets a staff login of its own,
    unitNN-staff, so that its filings are traced to a person."""
    with_permit = {
        code: enterprise_id
        for code, enterprise_id in (
            await session.exec(
                select(Enterprise.credit_code, Enterprise.id)
                .join(Permit, col(Permit.enterprise_id) == col(Enterprise.id))
                .where(col(Enterprise.credit_code).in_(codes), Permit.status == PermitStatus.ISSUED)
            )
        ).all()
    }
    own = {
        login.enterprise_index: users[login.username]
        for login in reversed(LOGINS)  # the environmental officer before the administrator
        if login.enterprise_index is not None
    }
    clerk = next(login.username for login in LOGINS if login.role == Role.AGENCY_STAFF)
    agency_client = DEMO_AGENCY_CLIENTS[1][0]  # authorised for reports only: its agency files them
    filers: dict[int, Actor] = {}
    handovers: dict[int, tuple[date, Actor]] = {}
    for index, code in enumerate(codes):
        enterprise_id = with_permit.get(code)
        if enterprise_id is None:
            continue
        if index == agency_client:
            user = await find_user(session, username=clerk)
            assert user is not None
            since = today() - timedelta(days=DEMO_AGENCY_SINCE_DAYS)
            handovers[enterprise_id] = (since, await actor_for_user(session, user, channel="demo"))
        user = own.get(index) or await create_user(
            session,
            actor,
            username=f"unit{index:02d}-staff",
            password=DEMO_PASSWORD,
            role=Role.ENTERPRISE_STAFF.value,
            display_name="环保专员",
            enterprise_credit_code=code,
        )
        filers[enterprise_id] = actor_for(user, channel="demo")
    first = with_permit[codes[0]]
    assert first is not None
    return filers, handovers, first
