"""The demo city's three-supervision linkage (三监联动, PT §8): one task across three departments, fed back by
each and archived by the permitting section at last month's dispatch meeting; one still open, past its
feedback date (the enforcement brigade has received it and not fed back); and an enforcement finding of
a unit discharging without a permit (应发未发) sent back to permitting. Written through the use cases as the
departments' own users, each step on the day it happened."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from demo.city import ENTERPRISES, Story
from domain.access import Actor
from domain.clock import CHINA, history_at, today
from domain.supervision.linkage import service
from domain.supervision.linkage.rules import PermitFindingInput, StepInput, TaskInput


class _Base:
    """The real day the demo is written on: inside ``history_at`` the clock reads the past."""

    day = today()


BASE = _Base()


def _at(days_ago: int, hour: int = 10) -> datetime:
    """A working hour ``days_ago`` days back, China time."""
    day = BASE.day - timedelta(days=days_ago)
    return datetime.combine(day, time(hour), tzinfo=CHINA).astimezone(UTC)


def _step(text: str, handler: str, responsible: str, days_ago: int, remarks: str = "") -> StepInput:
    return StepInput(
        text=text,
        handler=handler,
        responsible_person=responsible,
        done_on=BASE.day - timedelta(days=days_ago),
        remarks=remarks,
    )


async def run_linkage(session: AsyncSession, people: dict[str, Actor], codes: list[str]) -> int:
    """Write the linkage history; ``people`` are the Putuo departments' actors by login name. Returns how
    many tasks were initiated."""
    BASE.day = today()
    putuo = [
        code
        for item, code in zip(ENTERPRISES, codes, strict=True)
        if item.region_code == "310107" and item.story == Story.IN_FORCE
    ]
    enforcement, station = people["pt-enforcement"], people["pt-station"]
    pollution, ecology, permitting = people["pt-pollution"], people["pt-ecology"], people["pt-permitting"]

    # 1. Across three departments, archived.
    with history_at(_at(45)):
        archived = await service.initiate_task(
            session,
            enforcement,
            data=TaskInput(
                description=(
                    "双随机检查发现该单位废水总排口在线监测数据连续 3 日为恒定值，疑似设备故障或人为干预。"
                ),
                requested_action=(
                    "监测站对废水总排口开展执法监测；污防科核查在线监测设备运维记录；"
                    "生态科核对其排污许可执行报告中的监测数据。"
                ),
                receivers=("monitoring_station", "pollution_prevention", "ecology"),
                handler="王建国",
                responsible_person="赵大队长",
                initiated_on=BASE.day - timedelta(days=45),
                due_on=BASE.day - timedelta(days=30),
                credit_code=putuo[0],
                outlet_code="DW001",
            ),
        )
    steps = (
        (
            44,
            station,
            "record_execution",
            _step("已于现场采集废水样品 2 组，送实验室分析。", "孙敏", "钱站长", 44),
        ),
        (
            43,
            pollution,
            "record_execution",
            _step("调取近三个月运维记录，发现 COD 分析仪试剂过期。", "周强", "吴科长", 43),
        ),
        (
            42,
            ecology,
            "record_execution",
            _step("核对 2026 年二季度执行报告，监测数据与在线平台一致。", "郑洁", "冯科长", 42),
        ),
        (
            38,
            station,
            "feed_back",
            _step("两组样品 COD 分别为 86、92 mg/L，均未超过许可排放浓度。", "孙敏", "钱站长", 38),
        ),
        (
            36,
            pollution,
            "feed_back",
            _step("已督促运维单位更换试剂并校准，设备恢复正常。", "周强", "吴科长", 36),
        ),
        (35, ecology, "feed_back", _step("执行报告数据无异常，无需退回。", "郑洁", "冯科长", 35)),
    )
    for days_ago, who, use_case, data in steps:
        with history_at(_at(days_ago, 15)):
            await getattr(service, use_case)(session, who, task_id=archived.id or 0, data=data)
    with history_at(_at(30, 16)):
        await service.archive_task(
            session,
            permitting,
            task_id=archived.id or 0,
            data=_step("三个部门均已反馈，问题已整改，于季度调度会归档。", "陈晓", "李科长", 30),
        )

    # 2. Open and overdue: the permitting section fed back, the enforcement brigade has not.
    with history_at(_at(20)):
        overdue = await service.initiate_task(
            session,
            station,
            data=TaskInput(
                description="执法监测发现该单位 1# 锅炉烟囱氮氧化物小时均值 2 次超过许可排放浓度。",
                requested_action="执法大队现场核查并依法处理；审批科核对许可证载明的排放限值。",
                receivers=("enforcement", "permitting"),
                handler="孙敏",
                responsible_person="钱站长",
                initiated_on=BASE.day - timedelta(days=20),
                due_on=BASE.day - timedelta(days=5),
                credit_code=putuo[1],
                outlet_code="DA001",
            ),
        )
    with history_at(_at(18, 11)):
        await service.receive_task(
            session, enforcement, task_id=overdue.id or 0, data=_step("", "王建国", "赵大队长", 18)
        )
    with history_at(_at(12, 14)):
        await service.record_execution(
            session,
            permitting,
            task_id=overdue.id or 0,
            data=_step(
                "许可证载明的氮氧化物限值为 50 mg/m³，与执法监测采用的标准一致。", "陈晓", "李科长", 12
            ),
        )
        await service.feed_back(
            session,
            permitting,
            task_id=overdue.id or 0,
            data=_step("许可限值无误，请执法大队依法处理。", "陈晓", "李科长", 12),
        )

    # 3. An enforcement finding back to permitting: a unit discharging without the permit it should hold.
    with history_at(_at(3)):
        await service.refer_permit_finding(
            session,
            enforcement,
            data=PermitFindingInput(
                kind="unpermitted",
                description="日常巡查发现真如镇某电镀加工点有电镀废水排放，未取得排污许可证。",
                handler="王建国",
                responsible_person="赵大队长",
                found_on=BASE.day - timedelta(days=3),
                unit_name="上海某金属表面处理加工点（真如镇）",
                source_type="patrol",
            ),
        )
    return 3
