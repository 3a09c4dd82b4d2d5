"""A small world for problems and rectification tests: a unit with a permit in Putuo (310107), its staff,
the district's ecology and enforcement officers, an officer of another district and another unit."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from domain.clock import today
from domain.supervision.problems.rules import ProblemInput, RectificationInput
from tests.factories import make_enterprise, make_permit, make_user


@dataclass
class World:
    enterprise: Any
    permit: Any
    staff: Any
    officer: Any  # ecology section, Putuo
    brigade: Any  # enforcement brigade, Putuo
    outsider: Any  # ecology section of another district
    stranger: Any  # staff of another unit


async def arrange(session) -> World:  # type: ignore[no-untyped-def]
    enterprise = await make_enterprise(session)
    permit = await make_permit(session, enterprise, decision_date=(today() - timedelta(days=400)).isoformat())
    staff = await make_user(session, "enterprise_staff", enterprise=enterprise)
    officer = await make_user(session, "ecology", region_code="310107")
    brigade = await make_user(session, "enforcement", region_code="310107")
    outsider = await make_user(session, "ecology", region_code="310110")
    stranger = await make_user(session, "enterprise_staff", enterprise=await make_enterprise(session))
    return World(enterprise, permit, staff, officer, brigade, outsider, stranger)


def rectification(deadline: date | None = None) -> RectificationInput:
    return RectificationInput(
        measures="更换脱硫塔喷淋层，恢复在线监测数据传输",
        deadline=deadline or today() + timedelta(days=30),
        responsible_person="王工",
    )


def problem_input(world: World, ref: str = "R-1:Q001:1", **changes: Any) -> ProblemInput:
    data = ProblemInput(
        enterprise_id=world.enterprise.id,
        permit_id=world.permit.id,
        outlet_code="DA001",
        source_kind="audit_finding",
        source_ref=ref,
        title="二氧化硫在线监测数据缺失",
        description="2026年第三季度执行报告中 DA001 二氧化硫小时数据缺失 12%",
        legal_basis="《排污许可管理条例》第二十条",
        evidence="执行报告回执 R-1，审核规则 Q001",
        department="enforcement",
        rectification=rectification(),
    )
    return replace(data, **changes)
