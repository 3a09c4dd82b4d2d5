"""Permit quality in the demo city (issue 16): a few deliberately wrong permits, the audit that flags them,
and a closed quality-check campaign, all as Jinan's permitting section through the use cases.

The deliberately wrong permits (``WRONG_PERMITS``, named by the test that checks the audit flags them):
- 济南历城热电: an authority change leaves mercury monitored once a year (HJ 820-2017: quarterly), SO2
  monitored by hand at the main stack (automatic required) and no monitoring records in the ledger;
- 济南章丘水泥: an authority change lets the kiln tail emit 50 mg/m³ of particulate matter (GB 4915-2013:
  30) and drops the quarterly execution report of a key-management unit;
- 济南章丘化肥: a nitrogen fertiliser plant holding a simplified-management permit (the catalogue puts
  nitrogen fertiliser under key management), as imported.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from demo.city import ENTERPRISES, permit_number
from domain.access import Actor
from domain.permits.models import Permit
from domain.permits.queries.register import current_content, get_permit
from domain.permits.service.changes import start_change
from domain.permits.service.decisions import grant_application, issue_permit
from domain.supervision.quality.audit import audit_permit
from domain.supervision.quality.campaigns import (
    CampaignInput,
    ItemResult,
    close_campaign,
    create_campaign,
    record_check,
)
from domain.supervision.quality.models import QualityCheck
from domain.supervision.quality.rules import checklist_codes


def _index(name: str) -> int:
    return next(i for i, item in enumerate(ENTERPRISES) if item.name == name)


def _power(content: dict[str, Any]) -> dict[str, Any]:
    for entry in content["monitoring"]:
        if entry["point"] == "DA001" and entry["pollutant"] == "HG":
            entry["frequency"], entry["method"] = "annual", "manual"
        if entry["point"] == "DA001" and entry["pollutant"] == "SO2":
            entry["frequency"], entry["method"] = "monthly", "manual"
    content["ledger_records"] = [r for r in content["ledger_records"] if r["kind"] != "monitoring"]
    return content


def _cement(content: dict[str, Any]) -> dict[str, Any]:
    for outlet in content["outlets"]:
        if outlet["code"] == "DA001":
            for limit in outlet["limits"]:
                if limit["pollutant"] == "PM":
                    limit["concentration_limit"] = 50
    content["report_kinds"] = [k for k in content["report_kinds"] if k != "quarterly"]
    return content


CHANGES: tuple[tuple[str, Callable[[dict[str, Any]], dict[str, Any]], str], ...] = (
    ("济南历城热电有限公司", _power, "调整自行监测方案与台账记录要求（审批部门依职权变更）。"),
    (
        "济南章丘水泥有限公司",
        _cement,
        "按地方标准调整窑尾颗粒物许可浓度与执行报告频次（审批部门依职权变更）。",
    ),
)
WRONG_PERMITS = {
    "济南历城热电有限公司": ("PQ03", "PQ04", "PQ07"),
    "济南章丘水泥有限公司": ("PQ05", "PQ08"),
    "济南章丘化肥有限公司": ("PQ01",),
}


async def keep_quality(session: AsyncSession, permitting: Actor, codes: list[str]) -> int:
    """The wrong changes, the audit of Jinan's issued permits, one closed campaign; returns how many
    permits were audited."""
    for name, alter, description in CHANGES:
        number = permit_number(codes[_index(name)])
        permit = await get_permit(session, permitting, number=number)
        content = alter(copy.deepcopy((await current_content(session, permit)).to_dict()))
        application = await start_change(
            session, permitting, number=number, change_description=description, content=content
        )
        assert application.id is not None
        await grant_application(session, permitting, application_id=application.id)
        await issue_permit(session, permitting, application_id=application.id)
    issued = (
        await session.exec(
            select(Permit.id)
            .where(Permit.status == "issued", col(Permit.region_code).startswith("37"))
            .order_by(col(Permit.id))
        )
    ).all()
    for permit_id in issued:
        assert permit_id is not None
        await audit_permit(session, permitting, permit_id=permit_id)
    targets = [
        permit_number(codes[_index(name)]) for name in ("济南章丘化肥有限公司", "济南明湖纸业有限公司")
    ]
    campaign = await create_campaign(
        session,
        permitting,
        data=CampaignInput(name="2026年第一批许可证质量核查", kind="targeted", permit_numbers=targets),
    )
    checks = (await session.exec(select(QualityCheck).where(QualityCheck.campaign_id == campaign.id))).all()
    for check in checks:
        assert check.id is not None
        wrong = check.permit_id == (await get_permit(session, permitting, number=targets[0])).id
        await record_check(
            session,
            permitting,
            check_id=check.id,
            results=[
                ItemResult(
                    code,
                    "failed" if wrong and code in ("PQ01", "H1") else "passed",
                    "氮肥制造属重点管理，许可证按简化管理核发，需重新核定管理类别。"
                    if wrong and code in ("PQ01", "H1")
                    else "",
                )
                for code in checklist_codes()
            ],
        )
    assert campaign.id is not None
    await close_campaign(
        session,
        permitting,
        campaign_id=campaign.id,
        conclusion="抽查2张许可证，1张管理类别错误，已转审批科整改。",
    )
    return len(issued)
