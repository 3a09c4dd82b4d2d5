"""Enterprise environmental credit (企业环境信用, PT §3): events derived from a unit's own records, each
naming its record; the score and level; the history; a regulator's event with basis and evidence, and
its voiding with a reason (kept); the public face; the unit told when its level changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from domain.access import Role, operator
from domain.audit.models import AuditEntry
from domain.clock import today
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.notifications.models import Notification
from domain.statistics.leaders import leader_statistics
from domain.statistics.scope import scope_of
from domain.supervision.cases import service as cases
from domain.supervision.credit import queries, rules, service
from domain.supervision.standing import service as standing
from domain.supervision.standing.rules import AdmissionInput
from tests.factories import actor, make_enterprise, make_permit, make_user
from tests.supervision.test_cases import case_input, decision


def test_the_levels_follow_the_thresholds_and_the_formula_lists_every_kind():
    assert [rules.level_of(s) for s in (110, 90, 89.9, 75, 74, 60, 59.5, -20)] == [
        "honest",
        "honest",
        "good",
        "good",
        "warning",
        "warning",
        "poor",
        "poor",
    ]
    assert {kind for kind, _ in rules.formula()} == set(rules.KINDS)
    assert rules.formula()[0][1].points > 0 > rules.formula()[-1][1].points
    assert rules.score_of([-20, -15]) == 65.0 and rules.level_of(65.0) == "warning"


@pytest.fixture
async def bureau(session):  # type: ignore[no-untyped-def]
    unit = await make_enterprise(session)
    # Issued 2025-06-02 by the factory: its first quarterly reports are long past due and not filed.
    await make_permit(session, unit)
    legal = await make_user(session, Role.LEGAL)
    brigade = await make_user(session, Role.ENFORCEMENT)
    staff = await make_user(session, Role.ENTERPRISE_STAFF, enterprise=unit)
    return unit, actor(legal), actor(brigade), staff


async def _told(session, staff) -> list[str]:  # type: ignore[no-untyped-def]
    rows = await session.exec(
        select(Notification.title).where(Notification.user_id == staff.id, Notification.kind == "credit")
    )
    return list(rows.all())


async def test_events_arrive_from_the_units_records_with_their_sources(session, bureau):
    unit, legal, brigade, staff = bureau
    case = await cases.open_case(session, brigade, data=case_input(credit_code=unit.credit_code))
    await cases.decide_case(session, brigade, case_id=case.id, data=decision())
    await standing.admit_to_positive_list(
        session,
        brigade,
        data=AdmissionInput(
            credit_code=unit.credit_code, entered_on=today() - timedelta(days=3), basis="第一批"
        ),
    )
    await standing.issue_yellow_card(
        session,
        brigade,
        enterprise_id=unit.id,
        issued_on=today() - timedelta(days=1),
        source_kind="case",
        source_ref="案-9",
        violation="危废标识不规范",
    )
    before = await queries.unit_credit(session, legal, credit_code=unit.credit_code)
    assert before.score == 100.0 and before.level == "honest" and before.events == []

    added, voided = await service.refresh_credit(session, legal, credit_code=unit.credit_code)
    credit = await queries.unit_credit(session, legal, credit_code=unit.credit_code)
    kinds = [event.kind for event in credit.events]
    assert {"penalty_decided", "positive_list", "yellow_card", "report_overdue"} <= set(kinds)
    assert added == len(kinds) and voided == 0
    penalty = next(e for e in credit.events if e.kind == "penalty_decided")
    assert penalty.note == "普环罚〔2026〕12号" and penalty.public
    assert queries.source_link(penalty, unit, regulator=True) == f"/cases/{case.id}"
    report = next(e for e in credit.events if e.kind == "report_overdue")
    assert queries.source_link(report, unit, regulator=False) == f"/reports/{report.source_id}"
    assert report.source_id.startswith(f"{unit.credit_code}001P/")
    expected = 100 + sum(rules.KINDS[kind].points for kind in kinds)
    assert credit.score == round(expected, 2) and credit.level == rules.level_of(expected)
    assert credit.level != "honest"
    # The history starts at 100 and ends at today's score.
    assert credit.history[0].score == 100.0 and credit.history[-1].score == credit.score
    assert credit.history[-1].day == today()
    # The unit is told its level changed, once; a second run adds nothing and tells nothing.
    assert len(await _told(session, staff)) == 1
    assert await service.refresh_credit(session, legal, credit_code=unit.credit_code) == (0, 0)
    assert len(await _told(session, staff)) == 1
    actions = (await session.exec(select(AuditEntry.action).where(AuditEntry.enterprise_id == unit.id))).all()
    assert "unit_credit.refresh" in actions

    # Removed from the positive list: the bonus no longer holds; its event is voided with the reason, kept.
    await standing.remove_from_positive_list(
        session, brigade, credit_code=unit.credit_code, removed_on=today(), note="决定移出"
    )
    assert await service.refresh_credit(session, legal, credit_code=unit.credit_code) == (0, 1)
    after = await queries.unit_credit(session, legal, credit_code=unit.credit_code)
    listing = next(e for e in after.events if e.kind == "positive_list")
    assert listing.voided_at is not None and listing.void_reason == service.SYSTEM_VOID_REASON
    assert after.score == round(credit.score - rules.KINDS["positive_list"].points, 2)


async def test_the_daily_run_recomputes_every_unit(session, bureau):
    unit, legal, _brigade, _staff = bureau
    other = await make_enterprise(session)
    added, _ = await service.refresh_all_credit(session)
    assert added >= 1
    assert (await queries.unit_credit(session, legal, credit_code=unit.credit_code)).events
    assert (await queries.unit_credit(session, legal, credit_code=other.credit_code)).events == []
    assert (await service.refresh_all_credit(session))[0] == 0


async def test_a_regulator_records_an_event_with_basis_and_evidence_and_voids_it_with_a_reason(
    session, bureau
):
    unit, legal, brigade, staff = bureau
    with pytest.raises(ValidationFailed) as refused:
        await service.record_credit_event(
            session, legal, credit_code=unit.credit_code, kind="penalty_decided", basis="", evidence="x" * 501
        )
    assert {(e.field, e.code) for e in refused.value.errors} == {
        ("kind", "choice"),
        ("basis", "required"),
        ("evidence", "too_long"),
    }
    with pytest.raises(ValidationFailed) as refused:
        await service.record_credit_event(
            session, legal, credit_code=unit.credit_code, kind="violation", basis="a\x00b", evidence="=1+1"
        )
    assert [(e.field, e.code) for e in refused.value.errors] == [("basis", "invalid")]
    for outsider in (
        brigade,
        actor(staff),
        actor(await make_user(session, Role.LEGAL, region_code="370102")),
    ):
        with pytest.raises(PermissionDenied):
            await service.record_credit_event(
                session, outsider, credit_code=unit.credit_code, kind="violation", basis="b", evidence="e"
            )
    with pytest.raises(NotFound):
        await service.record_credit_event(
            session, legal, credit_code="9" * 18, kind="violation", basis="b", evidence="e"
        )

    event = await service.record_credit_event(
        session,
        legal,
        credit_code=unit.credit_code,
        kind="serious_violation",
        basis="《企业环境信用评价办法（试行）》",
        evidence="普环信〔2026〕3号",
        note="篡改自动监测数据",
    )
    credit = await queries.unit_credit(session, legal, credit_code=unit.credit_code)
    assert credit.score == 70.0 and credit.level == "warning"
    assert credit.events[0].id == event.id and credit.events[0].basis.startswith("《企业")
    titles = await _told(session, staff)
    assert len(titles) == 1 and "环保警示" in titles[0]
    with pytest.raises(Conflict):  # the same evidence gives one event of a kind
        await service.record_credit_event(
            session,
            legal,
            credit_code=unit.credit_code,
            kind="serious_violation",
            basis="b",
            evidence="普环信〔2026〕3号",
        )

    with pytest.raises(ValidationFailed) as refused:
        await service.void_credit_event(session, legal, event_id=event.id, reason="  ")
    assert refused.value.errors[0].field == "reason"
    with pytest.raises(NotFound):
        await service.void_credit_event(session, legal, event_id=2**31, reason="错")
    with pytest.raises(PermissionDenied):
        await service.void_credit_event(session, actor(staff), event_id=event.id, reason="错")
    await service.void_credit_event(session, legal, event_id=event.id, reason="复议撤销")
    credit = await queries.unit_credit(session, legal, credit_code=unit.credit_code)
    voided = credit.events[0]
    assert credit.score == 100.0 and credit.level == "honest"
    assert voided.voided_by == legal.username and voided.void_reason == "复议撤销" and voided.points == -30.0
    # The history keeps the fall and the recovery.
    assert credit.history[-1].score == 100.0
    assert len(await _told(session, staff)) == 2
    with pytest.raises(Conflict):
        await service.void_credit_event(session, legal, event_id=event.id, reason="再撤")


async def test_the_public_sees_the_score_level_and_only_public_facts(session, bureau):
    unit, legal, brigade, staff = bureau
    await service.record_credit_event(
        session, legal, credit_code=unit.credit_code, kind="violation", basis="依据", evidence="文书1"
    )
    commended = await service.record_credit_event(
        session,
        legal,
        credit_code=unit.credit_code,
        kind="commendation",
        basis="市级表彰",
        evidence="沪环〔2026〕9号",
    )
    public = await queries.public_credit(session, credit_code=unit.credit_code)
    assert public.score == 100.0 and [e.id for e in public.events] == [commended.id]
    await service.void_credit_event(session, legal, event_id=commended.id, reason="表彰撤回")
    public = await queries.public_credit(session, credit_code=unit.credit_code)
    assert public.events == [] and public.score == 95.0 and public.level == "honest"
    with pytest.raises(NotFound):
        await queries.public_credit(session, credit_code="=cmd|' /C calc'!A0")
    # The unit sees its own, every event.
    own = await queries.own_credit(session, actor(staff))
    assert len(own.events) == 2


async def test_the_regulators_list_orders_units_by_score_and_filters_by_level(session, bureau):
    unit, legal, _brigade, _staff = bureau
    other = await make_enterprise(session)
    await service.record_credit_event(
        session,
        legal,
        credit_code=other.credit_code,
        kind="serious_violation",
        basis="依据",
        evidence="文书2",
    )
    page = await queries.unit_scores(session, legal, first=100)
    codes = [row.credit_code for row in page.items]
    assert codes[0] == other.credit_code and unit.credit_code in codes
    assert page.items[0].score == 70.0 and page.items[0].level == "warning"
    warning = await queries.unit_scores(session, legal, level="warning")
    assert [row.credit_code for row in warning.items] == [other.credit_code] and warning.total == 1
    assert (await queries.unit_scores(session, legal, level="poor")).total == 0
    assert (await queries.unit_scores(session, operator(), level="honest")).total >= 1


async def test_the_leaders_see_the_units_by_district_and_level(session, bureau):
    unit, legal, _brigade, _staff = bureau
    elsewhere = await make_enterprise(session, region_code="370102")
    await make_enterprise(session)  # another Putuo unit, with no event
    await service.record_credit_event(
        session, legal, credit_code=unit.credit_code, kind="serious_violation", basis="依据", evidence="文书3"
    )
    figures = await leader_statistics(session, legal, scope_of(legal))
    putuo = figures.unit_credit["310107"]
    assert putuo["warning"] == 1 and putuo["honest"] >= 1 and set(putuo) == set(rules.LEVEL_LABELS)
    assert elsewhere.region_code not in figures.unit_credit  # not the Putuo reader's
