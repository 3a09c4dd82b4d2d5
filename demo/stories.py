"""What happened to each unit's permit in the demo city, told through the permit use cases.

Permits already issued on the national platform are imported (with their past decision dates) by the
region's permitting section; the rest go through the lifecycle (apply, accept, extend, grant, refuse,
issue, renew, change, revoke, cancel), so the demo has the same history, public announcements and audit
trail as real data.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from demo.actors import CityActors
from demo.city import ENTERPRISES, DemoEnterprise, Story, issuing_authority, permit_number
from demo.permit_content import changed_content, permit_content_for
from domain.clock import today
from domain.permits.rules import add_years, renewal_deadline, term_years, validity_end
from domain.permits.service.applications import ApplicationInput, submit_application
from domain.permits.service.cancellation import cancel_permit, revoke_permit
from domain.permits.service.decisions import (
    GrantInput,
    accept_application,
    extend_decision,
    grant_application,
    issue_permit,
    refuse_application,
    reject_application,
)
from domain.permits.service.imports import import_permits


def decided_for_expiry(valid_until: date) -> date:
    """The decision date of a first permit that expires on ``valid_until``.

    Its term is that of the rule set in force on the decision date (docs/domain-rules.md): 5 years
    from 2021-03-01 (Reg art. 14), 3 years before (M48 §21).
    """
    for years in (5, 3):
        decision = add_years(valid_until + timedelta(days=1), -years)
        for shift in (0, -1, 1, -2, 2):
            candidate = decision + timedelta(days=shift)
            if term_years(candidate, False) == years and validity_end(candidate, years) == valid_until:
                return candidate
    return add_years(valid_until + timedelta(days=1), -5)


def _expiring_until(on: date) -> date:
    """Within 60 days, with the renewal deadline (60 days or 30 working days before) not yet passed."""
    for days in range(60, 40, -1):
        until = on + timedelta(days=days)
        if renewal_deadline(until, decided_for_expiry(until)).date >= on:
            return until
    return on + timedelta(days=60)


def story_decision(story: Story, on: date, index: int) -> tuple[date, bool]:
    """(decision date, renewed) of the permit imported for this story."""
    rng = random.Random(1000 + index)
    if story == Story.RENEWED_EARLIER:
        return on - timedelta(days=rng.randint(300, 1500)), True
    if story == Story.EXPIRING:
        return decided_for_expiry(_expiring_until(on)), False
    if story == Story.RENEWAL_LATE:
        return decided_for_expiry(on + timedelta(days=rng.randint(15, 30))), False
    if story in (Story.EXPIRED, Story.CANCELLED_EXPIRED):
        return decided_for_expiry(on - timedelta(days=rng.randint(40, 200))), False
    if story in (Story.RENEWED, Story.RENEWAL_SUBMITTED):
        return decided_for_expiry(on + timedelta(days=rng.randint(95, 120))), False
    if story in (Story.REVOKED, Story.CANCELLED_CLOSED, Story.CHANGED, Story.CHANGE_IN_REVIEW):
        return on - timedelta(days=rng.randint(200, 700)), False
    return on - timedelta(days=rng.randint(90, 950)), False


IMPORTED = frozenset(
    {
        Story.IN_FORCE,
        Story.RENEWED_EARLIER,
        Story.EXPIRING,
        Story.RENEWAL_LATE,
        Story.EXPIRED,
        Story.REVOKED,
        Story.CANCELLED_EXPIRED,
        Story.CANCELLED_CLOSED,
        Story.CHANGED,
        Story.CHANGE_IN_REVIEW,
        Story.RENEWED,
        Story.RENEWAL_SUBMITTED,
    }
)
FIRST_APPLICATION = frozenset(
    {
        Story.FIRST_ISSUED,
        Story.SUBMITTED,
        Story.ACCEPTED,
        Story.EXTENDED,
        Story.GRANTED,
        Story.REFUSED,
        Story.NOT_ACCEPTED,
    }
)


def imported_record(item: DemoEnterprise, index: int, code: str, on: date) -> dict[str, Any]:
    """The unit's permit as the national platform exports it, for ``import_permits``: decided and issued
    there as its story says, its copy that of its industry at its scale."""
    decision, renewed = story_decision(item.story, on, index)
    return {
        "number": permit_number(code),
        "enterprise_credit_code": code,
        "category": item.category,
        "issuing_authority": issuing_authority(item.region_code),
        "decision_date": decision.isoformat(),
        "renewed": renewed,
        "content": permit_content_for(item, index),
    }


async def tell_stories(session: AsyncSession, actors: CityActors, codes: list[str]) -> None:
    """Each unit's permit history, as its story says: imported, then through the lifecycle's use cases."""
    on = today()
    # Permits already issued on the national platform: imported per region by its permitting section.
    for prefix, regulator in actors.permitting.items():
        records = []
        for index, item in enumerate(ENTERPRISES):
            if item.story not in IMPORTED or not item.region_code.startswith(prefix):
                continue
            records.append(imported_record(item, index, codes[index], on))
        if records:
            await import_permits(session, regulator, records=records)
    for index, item in enumerate(ENTERPRISES):
        await _after_import(session, actors, index, item, codes[index])


async def _after_import(
    session: AsyncSession, actors: CityActors, index: int, item: DemoEnterprise, code: str
) -> None:
    story = item.story
    regulator = actors.regulator(item.region_code)
    number = permit_number(code)
    if story == Story.REVOKED:
        await revoke_permit(
            session,
            regulator,
            number=number,
            reason="经查，该单位申请时提交的污染防治设施材料与实际建设情况严重不符，"
            "以欺骗手段取得排污许可证，依据《排污许可管理办法》第四十九条予以撤销。",
        )
    elif story == Story.CANCELLED_EXPIRED:
        await cancel_permit(session, regulator, number=number, reason="expired_not_renewed")
    elif story == Story.CANCELLED_CLOSED:
        await cancel_permit(
            session,
            regulator,
            number=number,
            reason="unit_terminated",
            note="企业已整体关停，生产设施已拆除，经现场核实。",
        )
    elif story in (Story.CHANGED, Story.CHANGE_IN_REVIEW):
        content = changed_content(permit_content_for(item, index))
        application = await submit_application(
            session,
            actors.applicant(index, item.region_code),
            data=ApplicationInput(
                kind="change_items",
                permit_number=number,
                content=content,
                change_description="新增危废暂存库废气收集处理设施，增设一般排放口（许可事项变更）。",
            ),
        )
        await accept_application(session, regulator, application_id=_id(application))
        if story == Story.CHANGED:
            await grant_application(session, regulator, application_id=_id(application))
            await issue_permit(session, regulator, application_id=_id(application))
    elif story in (Story.RENEWED, Story.RENEWAL_SUBMITTED):
        application = await submit_application(
            session,
            actors.applicant(index, item.region_code),
            data=ApplicationInput(kind="renewal", permit_number=number),
        )
        if story == Story.RENEWED:
            await accept_application(session, regulator, application_id=_id(application))
            await grant_application(session, regulator, application_id=_id(application))
            await issue_permit(session, regulator, application_id=_id(application))
    elif story in FIRST_APPLICATION:
        application = await submit_application(
            session,
            actors.applicant(index, item.region_code),
            data=ApplicationInput(
                kind="first",
                enterprise_credit_code=code,
                category=item.category,
                issuing_authority=issuing_authority(item.region_code),
                content=permit_content_for(item, index),
            ),
        )
        if story == Story.NOT_ACCEPTED:
            await reject_application(
                session,
                regulator,
                application_id=_id(application),
                reason="申请材料不齐全：未提交守法承诺书和排污口规范化设置材料，经告知后逾期未补正。",
            )
            return
        if story == Story.SUBMITTED:
            return
        await accept_application(session, regulator, application_id=_id(application))
        if story == Story.EXTENDED:
            await extend_decision(
                session,
                regulator,
                application_id=_id(application),
                reason="需组织现场核查并征求区域污染物排放总量指标意见，经负责人批准延长十个工作日。",
            )
        elif story == Story.REFUSED:
            await refuse_application(
                session,
                regulator,
                application_id=_id(application),
                reason="项目环境影响评价文件未经批准，且重点污染物排放总量指标来源未落实，不予许可。",
            )
        elif story in (Story.GRANTED, Story.FIRST_ISSUED):
            await grant_application(
                session,
                regulator,
                application_id=_id(application),
                data=GrantInput(number=number),
            )
            if story == Story.FIRST_ISSUED:
                await issue_permit(session, regulator, application_id=_id(application))


def _id(application: Any) -> int:
    assert application.id is not None
    return int(application.id)
