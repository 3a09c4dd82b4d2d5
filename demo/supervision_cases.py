"""The demo city's enforcement (执法): violations found in review become leads (through the review use case),
the brigade dismisses one with a reason, opens a case from another and closes it with a fine (so the
penalty is public on the list, the permit's page and the outlet's page), keeps one under investigation,
and closes a case against a unit discharging without a permit; the last lead waits in the inbox. Written
through the use cases as the departments' users, each step on its day."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor
from domain.clock import CHINA, history_at, today
from domain.permits.queries.visible import find_outlet
from domain.reports.queries.review import review_queue
from domain.reports.rules import FeedbackItemInput
from domain.reports.service import review
from domain.supervision.cases import queries, service
from domain.supervision.cases.rules import CaseInput, DecisionInput, DocumentInput

# A one-page PDF standing for the scanned decision (处罚决定书).
DECISION_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


class _Base:
    """The real day the demo is written on: inside ``history_at`` the clock reads the past."""

    day = today()


BASE = _Base()


def _at(days_ago: int, hour: int = 10) -> datetime:
    day = BASE.day - timedelta(days=days_ago)
    return datetime.combine(day, time(hour), tzinfo=CHINA).astimezone(UTC)


def _day(days_ago: int):  # type: ignore[no-untyped-def]
    return BASE.day - timedelta(days=days_ago)


async def _outlet(session: AsyncSession, actor: Actor, permit_number: str) -> str:
    for code in ("DW001", "DA001"):
        if await find_outlet(session, actor, permit_number=permit_number, code=code) is not None:
            return code
    return ""


async def run_cases(session: AsyncSession, people: dict[str, Actor]) -> int:
    """Write the enforcement history; ``people`` are the Putuo departments' actors by login name. Returns
    how many cases were opened."""
    BASE.day = today()
    ecology, enforcement = people["pt-ecology"], people["pt-enforcement"]
    rows, _total = await review_queue(session, ecology, state="submitted", first=100)
    one_per_unit: dict[int, int] = {}  # a report of each of four units
    for report, permit, _submission in rows:
        if permit.region_code == "310107" and permit.enterprise_id not in one_per_unit:
            one_per_unit[permit.enterprise_id] = report.id or 0
    violations = (
        "执行报告称污染防治设施正常运行，但台账显示 8 月停运 6 天未报告。",
        "执行报告中废水总排口化学需氧量月均浓度高于许可排放浓度，企业未如实说明超标原因。",
        "自行监测频次低于许可证要求，且未在执行报告中说明。",
        "执行报告中二氧化硫实际排放量明显低于台账记录的燃料用量推算值，疑似瞒报。",
    )
    for report_id, problem in zip(list(one_per_unit.values())[:4], violations, strict=False):
        with history_at(_at(60)):
            await review.issue_feedback(
                session,
                ecology,
                report_id=report_id,
                items=[FeedbackItemInput(problem, is_violation=True)],
                deadline=_day(60) + timedelta(days=15),
            )
    with history_at(_at(59, 9)):
        inbox = (await queries.leads_inbox(session, enforcement)).items
    # Each lead by what it says (the order in which they came in is the same moment's).
    leads = [
        next((row for row in inbox if keyword in row.lead.description), None)
        for keyword in ("停运", "化学需氧量", "自行监测")
    ]
    opened = 0
    if leads[0] is not None:
        with history_at(_at(55)):
            await service.dismiss_lead(
                session,
                enforcement,
                lead_id=leads[0].lead.id or 0,
                reason="经现场核查，停运期间系计划检修并已提前报备，执行报告漏写说明，已责令补正，不构成违法。",
            )
    if leads[1] is not None:
        lead = leads[1]
        outlet = await _outlet(session, enforcement, lead.permit_number)
        with history_at(_at(50)):
            case = await service.open_case(
                session,
                enforcement,
                data=CaseInput(
                    facts=(
                        "经查，该单位二季度废水总排口化学需氧量月均浓度 612 mg/L，"
                        "超过许可排放浓度 500 mg/L，"
                        "且在执行报告中未如实说明。"
                    ),
                    legal_basis="《排污许可管理条例》第三十四条第一款第一项",
                    classification="against_permit",
                    opened_on=_day(50),
                    lead_id=lead.lead.id,
                    outlet_code=outlet,
                ),
            )
            opened += 1
        with history_at(_at(25)):
            await service.add_document(
                session,
                enforcement,
                case_id=case.id or 0,
                data=DocumentInput(kind="decision", file_name="普环罚〔2026〕18号.pdf", content=DECISION_PDF),
            )
            await service.decide_case(
                session,
                enforcement,
                case_id=case.id or 0,
                data=DecisionInput(
                    decision="责令立即改正违法行为，处罚款人民币贰拾叁万元整。",
                    decided_on=_day(25),
                    penalty_yuan=Decimal("230000"),
                    measures=("order_correction",),
                    case_number="普环罚〔2026〕18号",
                ),
            )
        with history_at(_at(10)):
            await service.close_case(session, enforcement, case_id=case.id or 0, closed_on=_day(10))
    if leads[2] is not None:
        with history_at(_at(8)):
            await service.open_case(
                session,
                enforcement,
                data=CaseInput(
                    facts="自行监测频次低于许可证要求（废气季度监测仅开展 1 次），正在调取监测报告核实。",
                    legal_basis="《排污许可管理条例》第三十六条第五项",
                    classification="against_permit",
                    opened_on=_day(8),
                    lead_id=leads[2].lead.id,
                ),
            )
            opened += 1
    # A unit discharging without a permit: found on patrol, fined, closed (public on the "without" list).
    with history_at(_at(90)):
        unpermitted = await service.open_case(
            session,
            enforcement,
            data=CaseInput(
                facts="日常巡查发现该加工点未取得排污许可证，通过雨水管网排放电镀清洗废水。",
                legal_basis="《排污许可管理条例》第三十三条第一项",
                classification="without_permit",
                opened_on=_day(90),
                unit_name="上海某五金电镀加工点（长征镇）",
            ),
        )
        opened += 1
    with history_at(_at(70)):
        await service.decide_case(
            session,
            enforcement,
            case_id=unpermitted.id or 0,
            data=DecisionInput(
                decision="责令停止排污，处罚款人民币贰拾万元整。",
                decided_on=_day(70),
                penalty_yuan=Decimal("200000"),
                measures=("suspend_production",),
                case_number="普环罚〔2026〕11号",
            ),
        )
    with history_at(_at(40)):
        await service.close_case(session, enforcement, case_id=unpermitted.id or 0, closed_on=_day(40))
    return opened
