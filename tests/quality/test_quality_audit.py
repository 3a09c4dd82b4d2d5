"""The permit quality audit as a use case: its findings become problems of the permitting section, once
per permit version and rule; the daily run audits each new version once; campaigns sample, check and
close; bad input names its field and writes nothing."""

from __future__ import annotations

import pytest
from sqlmodel import col, func, select

from domain.access import operator
from domain.audit.models import AuditEntry
from domain.clock import today
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.notifications.models import Notification
from domain.permits.queries.register import current_content
from domain.permits.service.changes import start_change
from domain.permits.service.decisions import grant_application, issue_permit
from domain.supervision.problems.models import Problem
from domain.supervision.quality import queries
from domain.supervision.quality.audit import audit_new_versions, audit_permit
from domain.supervision.quality.campaigns import (
    CampaignInput,
    ItemResult,
    close_campaign,
    create_campaign,
    pool,
    record_check,
)
from domain.supervision.quality.models import QualityCheck, QualityCheckItem
from domain.supervision.quality.rules import checklist_codes, sample
from tests.factories import actor, make_enterprise, make_permit, make_user


async def world(session):  # type: ignore[no-untyped-def]
    permit = await make_permit(session, await make_enterprise(session))
    officer = await make_user(session, "permitting")
    ecology = await make_user(session, "ecology")
    jinan = await make_user(session, "permitting", region_code="370100")
    return permit, officer, ecology, jinan


async def quality_problems(session):  # type: ignore[no-untyped-def]
    return (
        await session.exec(
            select(Problem).where(Problem.source_kind == "permit_audit").order_by(col(Problem.id))
        )
    ).all()


async def test_the_audit_raises_one_problem_per_rule_for_the_permitting_section_once(session):
    permit, officer, ecology, _jinan = await world(session)
    colleague = await make_user(session, "permitting")
    audit = await audit_permit(session, actor(officer), permit_id=permit.id)
    problems = await quality_problems(session)
    # The factory's copy: PM permitted but not monitored (PQ06), no control-facility records (PQ07)
    assert audit.finding_count == 2 and len(problems) == 2
    assert {p.department for p in problems} == {"permitting"}
    assert all(p.permit_id == permit.id and p.title.startswith("许可证质量") for p in problems)
    unmonitored = next(p for p in problems if p.source_ref.endswith(":PQ06"))
    assert "DA001" in unmonitored.description and "颗粒物" in unmonitored.description
    assert "HJ 947-2018" in unmonitored.legal_basis and "第十九条" in unmonitored.legal_basis  # 2614
    assert unmonitored.source_ref == f"{permit.id}:1:PQ06"
    again = await audit_permit(session, actor(officer), permit_id=permit.id)
    assert again.id != audit.id and len(await quality_problems(session)) == 2  # nothing raised twice
    told = (await session.exec(select(Notification).where(Notification.user_id == colleague.id))).all()
    assert len(told) == 2  # the owning department hears of its problems, once each
    entries = (await session.exec(select(AuditEntry).where(AuditEntry.action == "quality.audit"))).all()
    assert len(entries) == 2 and entries[0].enterprise_id == permit.enterprise_id
    page = await queries.permit_quality(session, actor(ecology), permit_id=permit.id, locale="zh_Hans")
    assert page.audit is not None and page.audit.id == again.id and not page.may_audit
    assert {f.rule_code for f in page.findings} == {"PQ06", "PQ07"}


async def test_a_new_version_is_audited_by_the_daily_run_once_and_raises_its_own_problems(session):
    permit, officer, _ecology, _jinan = await world(session)
    assert await audit_new_versions(session, on=today()) == 1
    assert await audit_new_versions(session, on=today()) == 0
    content = (await current_content(session, permit)).to_dict()
    content["report_kinds"] = ["annual"]
    application = await start_change(
        session, actor(officer), number=permit.number, change_description="调整执行报告", content=content
    )
    await grant_application(session, actor(officer), application_id=application.id)
    await issue_permit(session, actor(officer), application_id=application.id)
    assert await audit_new_versions(session, on=today()) == 1
    refs = {p.source_ref for p in await quality_problems(session)}
    assert {f"{permit.id}:1:PQ06", f"{permit.id}:2:PQ06", f"{permit.id}:2:PQ08"} <= refs
    assert f"{permit.id}:1:PQ08" not in refs


async def test_who_may_run_the_audit(session):
    permit, _officer, ecology, jinan = await world(session)
    with pytest.raises(PermissionDenied):
        await audit_permit(session, actor(ecology), permit_id=permit.id)
    for permit_id in (permit.id + 10_000, 0, -1, 2**31, 10**30):
        with pytest.raises(NotFound):
            await audit_permit(
                session, actor(jinan if permit_id == permit.id else ecology), permit_id=permit_id
            )
    with pytest.raises(NotFound):  # another jurisdiction's permit: not even its existence
        await audit_permit(session, actor(jinan), permit_id=permit.id)
    assert await quality_problems(session) == []


async def test_a_random_campaign_draws_reproducibly_checks_and_closes(session):
    permits = [await make_permit(session, await make_enterprise(session)) for _ in range(4)]
    officer = await make_user(session, "permitting")
    campaign = await create_campaign(
        session, actor(officer), data=CampaignInput(name="第一批抽查", kind="random", sample_size=2)
    )
    checks = (await session.exec(select(QualityCheck).where(QualityCheck.campaign_id == campaign.id))).all()
    members = [p.id for p in await pool(session, "310107")]
    assert campaign.seed is not None and campaign.pool_size == len(members) >= 4
    assert sorted(c.permit_id for c in checks) == sample(members, 2, int(campaign.seed))
    assert {p.id for p in permits} >= set()  # the pool holds the permits made above
    items = (
        await session.exec(select(QualityCheckItem).where(QualityCheckItem.check_id == checks[0].id))
    ).all()
    assert [i.code for i in sorted(items, key=lambda i: i.position)] == checklist_codes()
    told = (await session.exec(select(Notification).where(Notification.user_id == officer.id))).all()
    assert any("第一批抽查" in n.title for n in told)
    # Half the lines: not yet checked; a failed line needs its note and raises a problem
    with pytest.raises(ValidationFailed) as failed:
        await record_check(
            session, actor(officer), check_id=checks[0].id, results=[ItemResult("H2", "failed")]
        )
    assert failed.value.errors[0].field == "results.H2.note"
    await record_check(session, actor(officer), check_id=checks[0].id, results=[ItemResult("PQ01", "passed")])
    await session.flush()
    await session.refresh(checks[0])
    assert checks[0].checked_at is None
    results = [
        ItemResult(code, "failed" if code == "H2" else "passed", "雨水排口未载明" if code == "H2" else "")
        for code in checklist_codes()
    ]
    await record_check(session, actor(officer), check_id=checks[0].id, results=results)
    await session.flush()
    await session.refresh(checks[0])
    assert checks[0].checked_at is not None
    raised = [p for p in await quality_problems(session) if p.source_ref.startswith("campaign:")]
    assert (
        len(raised) == 1
        and raised[0].description == "雨水排口未载明"
        and raised[0].department == "permitting"
    )
    listed = await queries.campaigns(session, actor(officer), first=10, offset=0)
    assert listed.total == 1 and listed.items[0].checked == 1
    closed = await close_campaign(session, actor(officer), campaign_id=campaign.id, conclusion="抽查完成")
    assert closed.state == "closed"
    with pytest.raises(Conflict):
        await record_check(
            session, actor(officer), check_id=checks[1].id, results=[ItemResult("PQ01", "passed")]
        )
    with pytest.raises(Conflict):
        await close_campaign(session, actor(officer), campaign_id=campaign.id, conclusion="again")


async def test_a_targeted_campaign_and_its_bad_input(session):
    permit, officer, ecology, jinan = await world(session)
    before = (await session.exec(select(func.count()).select_from(QualityCheck))).one()
    bad = [
        (CampaignInput(name="", kind="targeted", permit_numbers=[permit.number]), "name"),
        (CampaignInput(name="x" * 101, kind="targeted", permit_numbers=[permit.number]), "name"),
        (CampaignInput(name="a\x00b", kind="targeted", permit_numbers=[permit.number]), "name"),
        (CampaignInput(name="抽查", kind="targeted", permit_numbers=[]), "permit_numbers"),
        (
            CampaignInput(name="抽查", kind="targeted", permit_numbers=["91310000XXXXXXXXXX001P"]),
            "permit_numbers",
        ),
        (CampaignInput(name="抽查", kind="random", sample_size=0), "sample_size"),
        (CampaignInput(name="抽查", kind="random", sample_size=10**12), "sample_size"),
        (CampaignInput(name="抽查", kind="weekly"), "kind"),
    ]
    for data, field in bad:
        with pytest.raises(ValidationFailed) as failed:
            await create_campaign(session, actor(officer), data=data)
        assert field in {e.field for e in failed.value.errors}, (data, failed.value.errors)
    with pytest.raises(ValidationFailed):  # Jinan's section does not see a Putuo permit
        await create_campaign(
            session,
            actor(jinan),
            data=CampaignInput(name="抽查", kind="targeted", permit_numbers=[permit.number]),
        )
    with pytest.raises(PermissionDenied):
        await create_campaign(
            session,
            actor(ecology),
            data=CampaignInput(name="抽查", kind="targeted", permit_numbers=[permit.number]),
        )
    assert (await session.exec(select(func.count()).select_from(QualityCheck))).one() == before
    campaign = await create_campaign(
        session,
        actor(officer),
        data=CampaignInput(name="定向", kind="targeted", permit_numbers=[permit.number.lower()]),
    )
    assert campaign.seed is None and campaign.sample_size == 1
    with pytest.raises(NotFound):
        await close_campaign(session, actor(jinan), campaign_id=campaign.id, conclusion="x")
    with pytest.raises(NotFound):
        await record_check(session, operator(), check_id=2**40, results=[])
