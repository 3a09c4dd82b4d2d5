"""Inspections through their use cases: the plan, draws reproducible from their seed, records on the
checklist, who may see what, and who is told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, func, select

from domain.clock import today
from domain.errors import NotFound, PermissionDenied, ValidationFailed
from domain.notifications.models import Notification
from domain.supervision.inspections import rules
from domain.supervision.inspections.models import InspectionDrawPick, InspectionItem, InspectionPlanLine
from domain.supervision.inspections.queries import draws as draw_queries
from domain.supervision.inspections.queries import plan as plan_queries
from domain.supervision.inspections.queries import records as record_queries
from domain.supervision.inspections.service import draws, plans, records
from tests.factories import actor, make_permit, make_user
from tests.supervision.inspection_setup import REGION, build_district, passed_items, record_input


async def count(session, model) -> int:  # type: ignore[no-untyped-def]
    return (await session.exec(select(func.count()).select_from(model))).one()


async def test_the_plan_lists_who_is_due_and_regenerating_it_adds_nothing_twice(session):
    district = await build_district(session)
    year = today().year
    first = await plans.generate_plan(session, district.planner, region_code=REGION, year=year)
    # Two key holders: two half-years of inspection and one monitoring visit each; one simplified holder.
    assert first.added == 2 * 3 + 1
    again = await plans.generate_plan(session, district.planner, region_code=REGION, year=year)
    assert again.added == 0 and await count(session, InspectionPlanLine) == 7
    # A permit issued since is added by the next generation, alone.
    newcomer = await make_permit(
        session, decision_date=(today() - timedelta(days=10)).isoformat(), category="simplified"
    )
    third = await plans.generate_plan(session, district.planner, region_code=REGION, year=year)
    assert third.added == 2  # its new-permit visit within three months, and its yearly one
    page = await plan_queries.plan_lines(session, district.planner, region_code=REGION, year=year, first=100)
    assert page.total == 9
    new_line = next(r for r in page.items if r.line.basis == "new_permit")
    assert new_line.permit_number == newcomer.number and new_line.state == rules.LineState.DUE


async def test_a_visit_marks_its_line_done_and_the_first_half_is_behind_without_one(session):
    district = await build_district(session)
    year = today().year
    await plans.generate_plan(session, district.planner, region_code=REGION, year=year)
    permit = district.key[0]
    await records.record_inspection(session, district.planner, data=record_input(district, permit))
    rows = (
        await plan_queries.plan_lines(session, district.planner, region_code=REGION, year=year, first=100)
    ).items
    mine = {r.line.period: r for r in rows if r.line.permit_id == permit.id and r.line.kind == "enforcement"}
    half = f"{year}-H2" if today().month > 6 else f"{year}-H1"
    assert mine[half].state == rules.LineState.DONE and mine[half].record_reference
    if today().month > 6:
        assert mine[f"{year}-H1"].state == rules.LineState.BEHIND
    behind = await plan_queries.plan_lines(
        session, district.planner, region_code=REGION, year=year, state="done"
    )
    assert [r.line.permit_id for r in behind.items] == [permit.id]
    summary = await plan_queries.plan_summary(session, district.planner, region_code=REGION, year=year)
    assert summary.counts["done"] == 1
    key_coverage = summary.enforcement[0]
    assert (key_coverage.total, key_coverage.done) == (2, 1)


async def test_a_unit_may_not_read_the_plan_nor_another_district_generate_it(session):
    district = await build_district(session)
    with pytest.raises(PermissionDenied):
        await plan_queries.plan_lines(
            session, actor(district.unit_admin), region_code=REGION, year=today().year
        )
    elsewhere = actor(await make_user(session, "enforcement", region_code="370102"))
    with pytest.raises(PermissionDenied):
        await plans.generate_plan(session, elsewhere, region_code=REGION, year=today().year)
    ecology = actor(await make_user(session, "ecology", region_code=REGION))
    with pytest.raises(PermissionDenied):
        await plans.generate_plan(session, ecology, region_code=REGION, year=today().year)
    with pytest.raises(ValidationFailed) as refused:
        await plans.generate_plan(session, district.planner, region_code="31x", year=9999)
    assert {e.field for e in refused.value.errors} == {"region_code", "year"}


async def test_a_draw_is_reproducible_from_its_seed_and_tells_the_inspectors(session):
    district = await build_district(session)
    draw = await draws.make_draw(
        session,
        district.planner,
        region_code=REGION,
        year=today().year,
        kind="enforcement",
        pool="registration",
    )
    # 20 % of three registration units, rounded up.
    assert draw.pool_size == 3 and draw.units_wanted == 1
    assert draw.pool_hash == rules.members_hash([r.id for r in district.registrations])
    picks = (
        await session.exec(select(InspectionDrawPick).where(InspectionDrawPick.draw_id == draw.id))
    ).all()
    again = rules.draw(
        seed=int(draw.seed),
        pool=draw.pool_members,
        roster=draw.roster,
        count=draw.units_wanted,
        last_inspectors={int(k): v for k, v in draw.last_inspectors.items()},
    )
    assert [(p.member, tuple(p.inspector_ids)) for p in picks] == [(p.member, p.inspectors) for p in again]
    assert (await draws.replay_draw(session, reference=draw.reference)).matches
    page = await draw_queries.draw_page(session, reference=draw.reference)
    assert page.verified and page.picks[0].unit_name.startswith("上海普陀登记单位")
    assert len(page.picks[0].inspectors) == 2 and all(
        name.startswith("执法员") for name in page.picks[0].inspectors
    )
    told = (
        await session.exec(select(Notification.user_id).where(Notification.kind == "inspection_drawn"))
    ).all()
    assert sorted(told) == sorted(picks[0].inspector_ids)
    # The registration unit drawn is now in the plan, due by the year's end.
    line = (await session.exec(select(InspectionPlanLine).where(InspectionPlanLine.draw_id == draw.id))).one()
    assert line.basis == "registration_drawn" and line.registration_id == picks[0].member


async def test_the_same_seed_draws_the_same_and_a_record_changed_after_the_draw_shows(session):
    district = await build_district(session)
    one = await draws.make_draw(
        session,
        district.planner,
        region_code=REGION,
        year=today().year,
        kind="enforcement",
        pool="key",
        units=2,
        seed=42,
    )
    assert (await draws.replay_draw(session, reference=one.reference)).matches
    stored = (
        await session.exec(select(InspectionDrawPick).where(InspectionDrawPick.draw_id == one.id))
    ).all()
    stored[0].member = stored[1].member + 1000
    session.add(stored[0])
    await session.flush()
    assert not (await draws.replay_draw(session, reference=one.reference)).matches


async def test_nobody_is_drawn_twice_in_a_row_and_a_roster_too_small_is_a_clear_error(session):
    district = await build_district(session, brigade=3)
    permit = district.key[0]
    data = record_input(district, permit)
    await records.record_inspection(session, district.planner, data=data)
    with pytest.raises(ValidationFailed) as refused:
        # Of three, two went last time: one remains for a visit that needs two.
        await draws.make_draw(
            session,
            district.planner,
            region_code=REGION,
            year=today().year,
            kind="enforcement",
            pool="key",
            units=2,
        )
    assert refused.value.errors[0].code == "roster_too_small" and refused.value.errors[0].field == "roster"
    with pytest.raises(ValidationFailed) as empty:
        await draws.make_draw(
            session,
            district.planner,
            region_code=REGION,
            year=today().year,
            kind="enforcement",
            pool="industry",
            industry_code="0000",
        )
    assert empty.value.errors[0].code == "empty_pool"


async def test_an_inspection_record_keeps_its_checklist_and_tells_the_unit_of_its_findings(session):
    district = await build_district(session)
    permit = district.key[0]
    inspection = await records.record_inspection(
        session,
        district.planner,
        data=record_input(
            district, permit, i4_3="台账缺少10月份治理设施运行记录", i2_1="DA001排放口标志牌缺失"
        ),
    )
    assert inspection.findings == 2 and inspection.reference.startswith(f"JC-{REGION}-")
    assert await count(session, InspectionItem) == len(rules.PERMIT_CHECKLIST)
    notices = (
        await session.exec(select(Notification).where(Notification.user_id == district.unit_admin.id))
    ).all()
    assert any(inspection.reference in n.title and "2" in n.body for n in notices)
    page = await record_queries.record_page(
        session, actor(district.unit_admin), reference=inspection.reference
    )
    assert [i.code for i in page.failed] == ["2.1", "4.3"] and page.inspectors == ["执法员1", "执法员2"]
    with pytest.raises(NotFound):
        await record_queries.record_page(
            session, actor(district.other_unit_admin), reference=inspection.reference
        )
    public = await record_queries.public_inspections_of_permit(session, permit_id=permit.id)
    assert public[0].reference == inspection.reference and len(public[0].findings) == 2


async def test_a_bad_record_names_every_field_and_writes_nothing(session):
    district = await build_district(session)
    data = record_input(district, district.key[0], on=today() + timedelta(days=3))
    data.inspector_ids = [district.brigade[0].id]
    data.items = data.items[1:]
    data.summary = "x" * 3000
    with pytest.raises(ValidationFailed) as refused:
        await records.record_inspection(session, district.planner, data=data)
    assert {e.field for e in refused.value.errors} == {
        "inspected_on",
        "inspector_ids",
        "items.1.1",
        "summary",
    }
    assert await count(session, InspectionItem) == 0
    station_people = record_input(district, district.key[0])
    station_people.inspector_ids = [u.id for u in district.station]
    with pytest.raises(ValidationFailed) as wrong:
        await records.record_inspection(session, district.planner, data=station_people)
    assert wrong.value.errors[0].code == "not_on_roster"
    nobody = record_input(district, district.key[0])
    nobody.permit_number = "91310107MA0000000X001P"
    with pytest.raises(NotFound):
        await records.record_inspection(session, district.planner, data=nobody)


async def test_enforcement_monitoring_covers_key_units_and_a_share_of_simplified_ones(session):
    district = await build_district(session)
    year = today().year
    data = record_input(district, district.key[0])
    data.kind = "monitoring"
    data.inspector_ids = [u.id for u in district.station]
    data.items = [rules.ItemAnswer(item.code, "passed") for item in rules.MONITORING_CHECKLIST]
    monitored = await records.record_inspection(session, district.monitor, data=data)
    assert monitored.reference.startswith("JM-")
    summary = await plan_queries.plan_summary(session, district.planner, region_code=REGION, year=year)
    key, simplified = summary.monitoring
    assert (key.total, key.target, key.done) == (2, 2, 1) and not key.met
    assert (simplified.total, simplified.target, simplified.done) == (1, 1, 0)


async def test_records_list_shows_a_unit_only_its_own(session):
    district = await build_district(session)
    await records.record_inspection(session, district.planner, data=record_input(district, district.key[0]))
    await records.record_inspection(session, district.planner, data=record_input(district, district.key[1]))
    regulator = await record_queries.list_records(session, district.planner)
    unit = await record_queries.list_records(session, actor(district.unit_admin))
    other = await record_queries.list_records(session, actor(district.other_unit_admin))
    assert (regulator.total, unit.total, other.total) == (2, 1, 0)
    assert unit.items[0].record.permit_id == district.key[0].id
    assert col  # noqa: B018


async def test_each_finding_becomes_a_problem_with_its_rectification_when_a_deadline_is_set(session):
    from domain.supervision.problems.models import Problem, RectificationItem

    district = await build_district(session)
    data = record_input(district, district.key[0], i4_3="台账缺少10月份记录", i2_1="DA001排放口标志牌缺失")
    data.rectify_by = today() + timedelta(days=30)
    data.responsible_person = "刘洋"
    inspection = await records.record_inspection(session, district.planner, data=data)
    problems = (await session.exec(select(Problem).order_by(col(Problem.source_ref)))).all()
    assert [p.source_ref for p in problems] == [f"{inspection.reference}/2.1", f"{inspection.reference}/4.3"]
    assert {p.source_kind for p in problems} == {"inspection"} and problems[0].department == "enforcement"
    assert problems[0].permit_id == district.key[0].id and "标志牌" in problems[0].description
    assert await count(session, RectificationItem) == 2
    half = record_input(district, district.key[1])
    half.responsible_person = "刘洋"
    with pytest.raises(ValidationFailed) as refused:
        await records.record_inspection(session, district.planner, data=half)
    assert [e.field for e in refused.value.errors] == ["rectify_by"]


async def test_a_registration_unit_that_needs_a_permit_goes_back_to_permitting(session):
    from domain.supervision.linkage.models import LinkageTask

    district = await build_district(session)
    registration = district.registrations[0]
    data = records.RecordInput(
        kind="enforcement",
        registration_number=registration.number,
        inspected_on=today(),
        inspector_ids=[district.brigade[0].id, district.brigade[1].id],
        items=passed_items(holds_permit=False, iR_1="年产能已超过登记管理上限，应申领排污许可证"),
    )
    inspection = await records.record_inspection(session, district.planner, data=data)
    task = (await session.exec(select(LinkageTask))).one()
    assert (task.kind, task.source_type, task.source_id) == (
        "unpermitted",
        "inspection",
        inspection.reference,
    )


async def test_a_unit_on_the_positive_list_is_inspected_once_a_year(session):
    from domain.access import operator
    from domain.enterprises.models import Enterprise
    from domain.supervision.standing.rules import AdmissionInput
    from domain.supervision.standing.service import admit_to_positive_list

    district = await build_district(session)
    listed = await session.get(Enterprise, district.key[1].enterprise_id)
    await admit_to_positive_list(
        session,
        operator(),
        data=AdmissionInput(credit_code=listed.credit_code, entered_on=today(), basis="正面清单"),
    )
    await plans.generate_plan(session, district.planner, region_code=REGION, year=today().year)
    lines = (
        await session.exec(
            select(InspectionPlanLine.basis).where(
                InspectionPlanLine.permit_id == district.key[1].id, InspectionPlanLine.kind == "enforcement"
            )
        )
    ).all()
    assert lines == ["key_yearly"]


async def test_the_same_visit_sent_twice_is_recorded_once(session):
    from domain.errors import Conflict

    district = await build_district(session)
    first = await records.record_inspection(
        session, district.planner, data=record_input(district, district.key[0])
    )
    with pytest.raises(Conflict) as again:
        await records.record_inspection(
            session, district.planner, data=record_input(district, district.key[0])
        )
    assert again.value.code == "already_recorded" and again.value.params["reference"] == first.reference
    other_team = record_input(district, district.key[0])
    other_team.inspector_ids = [district.brigade[2].id, district.brigade[3].id]
    await records.record_inspection(session, district.planner, data=other_team)


async def test_the_daily_run_brings_the_plan_up_to_the_permits_issued_since(session):
    from domain.reminders.daily import run_daily

    district = await build_district(session)
    await plans.generate_plan(session, district.planner, region_code=REGION, year=today().year)
    newcomer = await make_permit(session, decision_date=today().isoformat(), category="simplified")
    await run_daily(session, on=today())
    await run_daily(session, on=today())  # again: nothing twice
    bases = (
        await session.exec(
            select(InspectionPlanLine.basis).where(InspectionPlanLine.permit_id == newcomer.id)
        )
    ).all()
    assert sorted(bases) == ["new_permit", "simplified_yearly"]
