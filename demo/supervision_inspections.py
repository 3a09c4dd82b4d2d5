"""A year of inspections in Putuo (PT §6-7), through the use cases as the brigade and the station do it: the
year's plan from the permits, a double-random draw of registration units in spring and one of simplified
units for enforcement monitoring in autumn (fixed seeds, so the demo city is the same every time it
loads), and a dozen inspection and monitoring records on the annex-3 checklist over the months, some with
findings (which become problems, one sent back to permitting). Some key units' first-half visits are left
undone, so the plan shows who is behind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from demo.city import DEMO_PASSWORD
from domain.access import Actor, Role
from domain.accounts.models import User
from domain.accounts.service.users import create_user
from domain.actors import actor_for
from domain.clock import history_at, today
from domain.supervision.credit.queries import inspection_weights, warned_units
from domain.supervision.inspections import rules
from domain.supervision.inspections.queries import draws as draw_queries
from domain.supervision.inspections.queries import plan as plan_queries
from domain.supervision.inspections.service import draws, plans, records

REGION = "310107"
# The brigade and the station beyond the demo logins: a visit needs two people, and nobody goes twice in a
# row to the same unit, so a district's roster holds a few.
BRIGADE = (("pt-insp-wang", "王海峰"), ("pt-insp-li", "李建军"), ("pt-insp-zhao", "赵敏"))
STATION = (("pt-station-chen", "陈磊"),)
SPRING_SEED, AUTUMN_SEED = 20260301, 20260902

# What the visits found, by checklist item: the note an inspector writes.
FINDINGS = {
    "2.1": "DA001排放口标志牌缺失，采样平台未按规范设置。",
    "4.3": "环境管理台账缺少9月份治理设施运行记录，部分记录为事后补记。",
    "3.3": "在线监测设备数据传输中断3天，未按规定报告。",
    "4.4": "突发环境事件应急预案已过期，未重新备案。",
}


@dataclass(frozen=True)
class Visit:
    month: int
    day: int
    failed: tuple[str, ...] = ()


def _moment(year: int, month: int, day: int, hour: int = 2) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


async def _people(
    session: AsyncSession, operator: Actor, wanted: tuple[tuple[str, str], ...], role: Role
) -> list[User]:
    return [
        await create_user(
            session,
            operator,
            username=username,
            password=DEMO_PASSWORD,
            role=role.value,
            display_name=name,
            region_code=REGION,
        )
        for username, name in wanted
    ]


def _answers(
    kind: rules.InspectionKind, holds_permit: bool, failed: tuple[str, ...]
) -> list[rules.ItemAnswer]:
    answers = []
    for item in rules.checklist_for(kind, holds_permit=holds_permit):
        if item.code in failed:
            note = FINDINGS.get(item.code, "现场核查发现实际产能已超过排污登记管理上限，应申领排污许可证。")
            answers.append(rules.ItemAnswer(item.code, "failed", note))
        elif item.code in ("2.6", "1.3"):
            answers.append(rules.ItemAnswer(item.code, "not_applicable", ""))
        else:
            answers.append(rules.ItemAnswer(item.code, "passed", ""))
    return answers


async def keep_demo_inspections(session: AsyncSession, operator: Actor, chief: User, station: User) -> int:
    """The year's plan, two draws and the records; returns the number of records written."""
    brigade = [chief, *await _people(session, operator, BRIGADE, Role.ENFORCEMENT)]
    monitors = [station, *await _people(session, operator, STATION, Role.MONITORING_STATION)]
    planner = actor_for(chief, channel="demo")
    year = today().year
    await plans.generate_plan(session, planner, region_code=REGION, year=year, raised_by=warned_units)
    lines = (await plan_queries.plan_lines(session, planner, region_code=REGION, year=year, first=100)).items
    key = sorted({r.permit_number for r in lines if r.line.basis == "key_half_year" and r.permit_number})
    yearly = sorted(
        {
            r.permit_number
            for r in lines
            if r.line.basis in ("simplified_yearly", "key_yearly") and r.permit_number
        }
    )
    written = 0

    async def visit(
        kind: rules.InspectionKind,
        when: Visit,
        *,
        team: list[User],
        permit_number: str = "",
        registration_number: str = "",
        rectify: bool = False,
    ) -> None:
        nonlocal written
        on = date(year, when.month, when.day)
        if on > today():
            return
        author = actor_for(team[0], channel="demo")
        with history_at(_moment(year, when.month, when.day, 9)):
            await records.record_inspection(
                session,
                author,
                data=records.RecordInput(
                    kind=kind.value,
                    permit_number=permit_number,
                    registration_number=registration_number,
                    inspected_on=on,
                    inspector_ids=[u.id or 0 for u in team[:2]],
                    items=_answers(kind, bool(permit_number), when.failed),
                    summary="现场检查，企业正常生产，主要负责人在场配合检查。"
                    if not when.failed
                    else "现场检查发现问题，已当场告知企业负责人，要求限期整改。",
                    rectify_by=on + timedelta(days=30) if rectify and when.failed else None,
                    responsible_person="企业环保负责人" if rectify and when.failed else "",
                ),
            )
        written += 1

    enforcement, monitoring = rules.InspectionKind.ENFORCEMENT, rules.InspectionKind.MONITORING
    # First half: two of the key units visited (one with findings), the others left behind.
    schedule = [(3, 12, ()), (4, 18, ("2.1", "4.3")), (9, 9, ()), (10, 22, ("3.3",)), (11, 6, ())]
    for index, permit_number in enumerate(key[:5]):
        month, day, failed = schedule[index]
        team = brigade[index % 2 :] + brigade[: index % 2]
        await visit(
            enforcement, Visit(month, day, failed), team=team, permit_number=permit_number, rectify=True
        )
    for index, permit_number in enumerate(yearly[:3]):
        month, day, failed = ((5, 20, ()), (8, 14, ("4.4",)), (10, 10, ()))[index]
        team = brigade[2:] + brigade[:2]
        await visit(
            enforcement, Visit(month, day, failed), team=team, permit_number=permit_number, rectify=True
        )
    # Enforcement monitoring of key units by the station.
    for index, permit_number in enumerate(key[:3]):
        month, day = ((4, 8), (6, 25), (9, 17))[index]
        await visit(monitoring, Visit(month, day), team=monitors, permit_number=permit_number)
    # Spring: the registration units' 20 % drawn; the one drawn visited in April.
    if date(year, 3, 2) >= today():
        return written
    with history_at(_moment(year, 3, 2)):
        spring = await draws.make_draw(
            session,
            planner,
            region_code=REGION,
            year=year,
            kind="enforcement",
            pool="registration",
            seed=SPRING_SEED,
            weighed_by=inspection_weights,
        )
        spring_page = await draw_queries.draw_page(session, reference=spring.reference)
    by_id = {u.id: u for u in brigade}
    for pick in spring_page.picks:
        number = pick.registration_number or ""
        team = [
            by_id[i]
            for i in sorted(spring.roster)
            if by_id.get(i) and by_id[i].display_name in pick.inspectors
        ]
        if len(team) >= 2 and number:
            await visit(
                enforcement, Visit(4, 23, ("R.1",)), team=team, registration_number=number
            )  # 产能已超登记上限: back to permitting
    # Autumn: 30 % of the simplified units drawn for enforcement monitoring.
    if date(year, 9, 1) >= today():
        return written
    with history_at(_moment(year, 9, 1)):
        await draws.make_draw(
            session,
            planner,
            region_code=REGION,
            year=year,
            kind="monitoring",
            pool="simplified",
            seed=AUTUMN_SEED,
            weighed_by=inspection_weights,
        )
    return written
