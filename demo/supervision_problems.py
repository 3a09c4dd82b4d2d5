"""A year of problems and rectification in the demo city (docs/supervision.md, "Problems and
rectification"): problems raised from a report's audit finding, a ledger exceedance, a complaint, an
inspection and a monitoring result; units reporting progress month by month; the districts verifying,
re-checking and closing (销号), one reopened after a failed re-check, one overdue, one awaiting its order,
申普 (shenpu-staff) with an item due soon. Everything goes through the use cases as the city's own people,
each step stamped at its moment in the past (``clock.history_at``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor
from domain.clock import CHINA_OFFSET, history_at
from domain.enterprises.models import Enterprise
from domain.ledgers.models import Exceedance
from domain.permits.models import Permit
from domain.permits.rules import PermitStatus
from domain.reports.models import AuditFinding, ExecutionReport, ReportSubmission
from domain.supervision.problems import intake, lookup, service
from domain.supervision.problems.intake import Wording
from domain.supervision.problems.models import Problem
from domain.supervision.problems.rules import Figure, ProgressInput, RectificationInput

REG_ART_34 = "《排污许可管理条例》第三十四条"


@dataclass(frozen=True)
class Regulators:
    ecology: Actor
    enforcement: Actor
    station: Actor
    permitting: Actor
    jinan: Actor


def _today() -> date:
    """The real date in China, also inside a ``history_at`` block (whose ``today()`` is the past one)."""
    return (datetime.now(UTC) + CHINA_OFFSET).date()


def _at(days_ago: int, hour: int = 10) -> datetime:
    """A working-hours moment ``days_ago`` days back, China time, as UTC."""
    day = _today() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour), tzinfo=UTC) - CHINA_OFFSET


def _order(measures: str, days: int, person: str, *, ago: int) -> RectificationInput:
    """An order given ``ago`` days back with ``days`` to fix it."""
    return RectificationInput(
        measures=measures,
        deadline=_today() - timedelta(days=ago) + timedelta(days=days),
        responsible_person=person,
    )


async def _permits(session: AsyncSession, prefix: str) -> list[tuple[Permit, Enterprise]]:
    rows = await session.exec(
        select(Permit, Enterprise)
        .join(Enterprise, col(Enterprise.id) == col(Permit.enterprise_id))
        .where(Permit.status == PermitStatus.ISSUED, col(Permit.region_code).startswith(prefix))
        .order_by(col(Permit.id))
    )
    return [(p, e) for p, e in rows.all()]


async def _item_id(session: AsyncSession, problem: Problem) -> int:
    item = await lookup.item_of(session, problem.id or 0)
    assert item is not None and item.id is not None
    return item.id


async def _progress(
    session: AsyncSession,
    unit: Actor,
    item_id: int,
    days_ago: Sequence[int],
    texts: Sequence[str],
    figure: str,
) -> None:
    for step, (ago, text) in enumerate(zip(days_ago, texts, strict=True)):
        with history_at(_at(ago, 16)):
            await service.report_progress(
                session,
                unit,
                item_id=item_id,
                data=ProgressInput(
                    text=text, figures=[Figure(figure, round(60 + 13.5 * (step + 1), 1), "%")]
                ),
            )


async def _hand(
    session: AsyncSession,
    who: Actor,
    days_ago: int,
    key: str,
    permit: Permit,
    enterprise: Enterprise,
    **words: object,
) -> Problem:
    source = str(words.pop("source", "manual"))
    with history_at(_at(days_ago)):
        return await intake.raise_by_hand(
            session,
            who,
            source_kind=source,
            request_key=f"demo-{key}",
            credit_code=enterprise.credit_code,
            permit_number=permit.number or "",
            wording=Wording(**words),  # type: ignore[arg-type]
        )


async def keep_problems(
    session: AsyncSession, regulators: Regulators, units: dict[int, Actor], shenpu_id: int
) -> int:
    """Write the year's problems; returns how many. Units without someone to report for them are skipped."""
    putuo = [(p, e) for p, e in await _permits(session, "310107") if e.id in units]
    jinan = [(p, e) for p, e in await _permits(session, "3701") if e.id in units]
    if len(putuo) < 5:
        return 0
    shenpu = next(((p, e) for p, e in putuo if e.id == shenpu_id), putuo[0])
    others = [(p, e) for p, e in putuo if e.id != shenpu[1].id]
    count = 0

    # 1. An audit finding on a filed report becomes an item, reported on, verified on paper, closed.
    candidates = (
        await session.exec(
            select(AuditFinding, ExecutionReport, ReportSubmission)
            .join(ReportSubmission, col(ReportSubmission.id) == col(AuditFinding.submission_id))
            .join(ExecutionReport, col(ExecutionReport.id) == col(ReportSubmission.report_id))
            .where(ExecutionReport.region_code == "310107", AuditFinding.severity == "error")
            .order_by(col(ReportSubmission.received_at).desc(), col(AuditFinding.id))
        )
    ).all()
    for found, report, submission in candidates:
        unit = units.get(report.enterprise_id)
        ago = (_today() - (submission.received_at + CHINA_OFFSET).date()).days - 7
        if unit is None or not 90 <= ago <= 330:
            continue
        with history_at(_at(ago)):
            problem = await intake.raise_from_record(
                session,
                regulators.ecology,
                source_kind="audit_finding",
                source_id=found.id or 0,
                wording=Wording(
                    department="ecology",
                    rectification=_order(
                        "按排污许可证要求重新核算实际排放量，更正执行报告并说明原因", 30, "环保专员", ago=ago
                    ),
                ),
            )
        item_id = await _item_id(session, problem)
        await _progress(
            session,
            unit,
            item_id,
            [ago - 12],
            ["已按自动监测数据重新核算排放量，更正后的报告已重新提交。"],
            "核算完成率",
        )
        with history_at(_at(ago - 20)):
            await service.verify_rectification(
                session,
                regulators.ecology,
                item_id=item_id,
                method="paper",
                outcome="passed",
                note="更正后的报告与台账一致。",
            )
        with history_at(_at(ago - 21)):
            await service.close_rectification(session, regulators.ecology, item_id=item_id, note="同意销号。")
        count += 1
        break

    # 2. A ledger exceedance: the brigade orders repairs; monthly progress; verified on site; closed this
    #    month; a spot re-check of the outlet two days later passes.
    exceedance = (
        await session.exec(
            select(Exceedance).where(Exceedance.region_code == "310107").order_by(col(Exceedance.started_at))
        )
    ).first()
    if exceedance is not None and exceedance.enterprise_id in units:
        unit = units[exceedance.enterprise_id]
        with history_at(_at(150)):
            problem = await intake.raise_from_record(
                session,
                regulators.enforcement,
                source_kind="exceedance",
                source_id=exceedance.id or 0,
                wording=Wording(
                    rectification=_order(
                        "检修脱硫设施，更换喷淋层，超标时段原因书面说明并完善台账",
                        120,
                        "设备部 王工",
                        ago=150,
                    ),
                ),
            )
        item_id = await _item_id(session, problem)
        await _progress(
            session,
            unit,
            item_id,
            [125, 95, 64, 33],
            [
                "已委托设备厂家现场诊断，确认喷淋层堵塞，备件已订购。",
                "停炉检修期间更换喷淋层，恢复运行后小时浓度稳定达标。",
                "补充完善了超标时段的台账说明和检修记录。",
                "连续一个月在线监测数据全部达标，申请核查销号。",
            ],
            "完成进度",
        )
        closed_ago = max(1, min(2, _today().day - 1))  # this month when it can be, never ahead of now
        with history_at(_at(closed_ago + 3)):
            await service.verify_rectification(
                session,
                regulators.enforcement,
                item_id=item_id,
                method="on_site",
                outcome="passed",
                note="现场检查脱硫设施运行正常，在线数据达标。",
            )
        with history_at(_at(closed_ago, 11)):
            await service.close_rectification(
                session, regulators.enforcement, item_id=item_id, note="整改到位，予以销号。"
            )
        with history_at(_at(closed_ago, 15)):
            await service.recheck_rectification(
                session,
                regulators.station,
                item_id=item_id,
                sample="DA001 二氧化硫在线数据及比对监测",
                outcome="passed",
                note="比对监测结果达标。",
            )
        count += 1

    # 3. A complaint closed in spring, re-checked in autumn and found again: reopened with a new deadline.
    permit, enterprise = others[0]
    problem = await _hand(
        session,
        regulators.enforcement,
        300,
        "complaint-odour",
        permit,
        enterprise,
        source="complaint",
        title="厂界异味扰民投诉",
        description="周边居民通过12345热线反映夜间厂界有刺激性气味。",
        legal_basis=REG_ART_34,
        evidence="12345 热线工单及夜间现场嗅辨记录",
        department="enforcement",
        rectification=_order("对储罐区呼吸阀加装活性炭吸附装置，夜间加强巡查", 60, "安环部 李经理", ago=300),
    )
    item_id = await _item_id(session, problem)
    await _progress(
        session,
        units[enterprise.id or 0],
        item_id,
        [270, 245],
        ["吸附装置已采购。", "吸附装置已安装投运，夜间巡查记录已建立。"],
        "完成进度",
    )
    with history_at(_at(238)):
        await service.verify_rectification(
            session,
            regulators.enforcement,
            item_id=item_id,
            method="on_site",
            outcome="passed",
            note="现场已无明显异味。",
        )
    with history_at(_at(237)):
        await service.close_rectification(session, regulators.enforcement, item_id=item_id, note="")
    with history_at(_at(40)):
        await service.recheck_rectification(
            session,
            regulators.enforcement,
            item_id=item_id,
            sample="夜间厂界嗅辨、吸附装置更换记录",
            outcome="failed",
            note="活性炭逾期未更换，厂界再次出现异味。",
        )
    with history_at(_at(39)):
        await service.reopen_rectification(
            session,
            regulators.enforcement,
            item_id=item_id,
            reason="抽查复核发现活性炭逾期未更换，异味复现。",
            deadline=_today() + timedelta(days=21),
        )
    count += 1

    # 4. An inspection finding whose deadline passed with one progress report: overdue.
    permit, enterprise = others[1]
    problem = await _hand(
        session,
        regulators.enforcement,
        80,
        "inspection-ledger",
        permit,
        enterprise,
        source="inspection",
        title="环境管理台账记录不全",
        description="现场检查发现污染治理设施运行台账缺少三个月的记录。",
        legal_basis="《排污许可管理条例》第二十一条",
        evidence="现场检查笔录及照片",
        department="enforcement",
        rectification=_order("补齐台账记录，建立台账专人负责制度", 30, "环保专员 赵敏", ago=80),
    )
    item_id = await _item_id(session, problem)
    await _progress(
        session,
        units[enterprise.id or 0],
        item_id,
        [60],
        ["已指定专人负责台账，正在补录历史记录。"],
        "补录进度",
    )
    count += 1

    # 5. A monitoring result at 申普 (the demo's own unit): being rectified, due soon.
    permit, enterprise = shenpu
    problem = await _hand(
        session,
        regulators.station,
        25,
        "monitoring-shenpu",
        permit,
        enterprise,
        source="monitoring",
        title="执法监测氮氧化物浓度超标",
        description="执法监测中1#锅炉烟囱氮氧化物浓度为62 mg/m³，超过许可限值50 mg/m³。",
        legal_basis="《排污许可管理条例》第十七条、第三十四条第（一）项",
        evidence="监测报告 PT-JC-2026-118",
        department="monitoring_station",
        outlet_code="DA001",
        rectification=_order("优化SCR脱硝喷氨控制，检查催化剂活性，整改后委托比对监测", 35, "刘洋", ago=25),
    )
    item_id = await _item_id(session, problem)
    await _progress(
        session,
        units[enterprise.id or 0],
        item_id,
        [10],
        ["已更换部分催化剂模块，喷氨控制参数已调整，待比对监测。"],
        "完成进度",
    )
    count += 1

    # 6. A problem the permitting section just recorded, awaiting its rectification order.
    permit, enterprise = others[2]
    await _hand(
        session,
        regulators.permitting,
        3,
        "permit-quality",
        permit,
        enterprise,
        source="manual",
        title="许可证载明的排放口与现场不一致",
        description="现场核查发现雨水排放口未在许可证中载明。",
        legal_basis="《排污许可管理条例》第十五条",
        evidence="现场核查照片",
        department="permitting",
    )
    count += 1

    # 7. Jinan: one closed, one being rectified.
    for index, (permit, enterprise) in enumerate(jinan[:2]):
        problem = await _hand(
            session,
            regulators.jinan,
            200 - 120 * index,
            f"jinan-{index}",
            permit,
            enterprise,
            source="inspection",
            title="自行监测频次不足" if index == 0 else "危险废物贮存场所标识不规范",
            description="抽查发现部分季度手工监测未按许可证要求开展。"
            if index == 0
            else "现场检查发现贮存场所未设置规范标识。",
            legal_basis="《排污许可管理条例》第二十条",
            evidence="检查记录",
            department="enforcement",
            rectification=_order(
                "补测并按许可证要求完善自行监测方案",
                45 if index == 0 else 120,
                "环保负责人",
                ago=200 - 120 * index,
            ),
        )
        item_id = await _item_id(session, problem)
        unit = units[enterprise.id or 0]
        if index == 0:
            await _progress(
                session, unit, item_id, [180, 160], ["已补测。", "自行监测方案已修订并公开。"], "完成进度"
            )
            with history_at(_at(150)):
                await service.verify_rectification(
                    session,
                    regulators.jinan,
                    item_id=item_id,
                    method="paper",
                    outcome="passed",
                    note="材料齐全。",
                )
            with history_at(_at(149)):
                await service.close_rectification(session, regulators.jinan, item_id=item_id, note="")
        else:
            await _progress(session, unit, item_id, [50], ["标识已定制，正在安装。"], "完成进度")
        count += 1
    return count
