"""The positive list and yellow cards (JN: 对纳入正面清单的企业，出现1次轻微免罚行为记黄牌1张；1个自然年内累积
黄牌2张及以上，则立即移出清单；移出清单的企业原则上3年内不得再次纳入)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from domain.access import Role
from domain.audit.models import AuditEntry
from domain.clock import today
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.notifications.models import Notification
from domain.supervision.standing import queries, rules, service
from domain.supervision.standing.rules import AdmissionInput
from tests.factories import actor, make_enterprise, make_user

# ---------------------------------------------------------------------------
# The rules, without a database
# ---------------------------------------------------------------------------


def test_two_cards_in_one_calendar_year_remove_but_not_across_the_new_year():
    assert rules.removes([date(2026, 3, 1)], date(2026, 11, 30))
    assert not rules.removes([date(2025, 12, 31)], date(2026, 1, 1))
    assert not rules.removes([], date(2026, 1, 1))
    assert rules.removes([date(2025, 6, 1), date(2026, 1, 2)], date(2026, 12, 31))


def test_re_entry_is_barred_for_three_years_to_the_day():
    assert rules.re_entry_from(date(2026, 5, 20)) == date(2029, 5, 20)
    assert rules.re_entry_from(date(2024, 2, 29)) == date(2027, 3, 1)


# ---------------------------------------------------------------------------
# The use cases
# ---------------------------------------------------------------------------


@pytest.fixture
async def bureau(session):  # type: ignore[no-untyped-def]
    legal = await make_user(session, Role.LEGAL)
    enforcement = await make_user(session, Role.ENFORCEMENT)
    unit = await make_enterprise(session)
    staff = await make_user(session, Role.ENTERPRISE_STAFF, enterprise=unit)
    return legal, enforcement, unit, staff


async def admit(session, who, unit, on: date):  # type: ignore[no-untyped-def]
    return await service.admit_to_positive_list(
        session,
        actor(who),
        data=AdmissionInput(credit_code=unit.credit_code, entered_on=on, basis="区执法正面清单（第一批）"),
    )


async def card(session, who, unit, on: date, ref: str):  # type: ignore[no-untyped-def]
    return await service.issue_yellow_card(
        session,
        actor(who),
        enterprise_id=unit.id,
        issued_on=on,
        source_kind="case",
        source_ref=ref,
        violation="危险废物标识不规范，首次轻微违法不予处罚。",
    )


async def test_the_second_card_of_a_year_removes_the_unit_at_once_and_it_is_told(session, bureau):
    legal, enforcement, unit, staff = bureau
    year = today().year
    await admit(session, legal, unit, date(year - 1, 12, 1))
    # One card on 31 December and one on 1 January: two years, one card each, still listed.
    _, removed = await card(session, enforcement, unit, date(year - 1, 12, 31), "案-1")
    assert removed is None
    _, removed = await card(session, enforcement, unit, date(year, 1, 1), "案-2")
    assert removed is None
    assert await queries.listed_on(session, [unit.id], date(year, 1, 1)) == {unit.id}
    second_day = date(year, 1, 2)
    _, removed = await card(session, enforcement, unit, second_day, "案-3")
    assert (
        removed is not None and removed.removed_on == second_day and removed.removal_reason == "yellow_cards"
    )
    assert await queries.listed_on(session, [unit.id], second_day) == set()
    assert await queries.listed_on(session, [unit.id], date(year, 1, 1)) == {unit.id}
    told = (await session.exec(select(Notification).where(Notification.user_id == staff.id))).all()
    assert any(
        "removed from the positive list" in n.body and "may enter it again from" in n.body for n in told
    )
    assert any(f"{year + 3}-01-02" in n.body for n in told)
    actions = (
        await session.exec(select(AuditEntry.action).where(AuditEntry.action.startswith("standing.")))
    ).all()
    assert actions.count("standing.yellow_card") == 3


async def test_a_removed_unit_cannot_re_enter_for_three_years(session, bureau):
    legal, enforcement, unit, _ = bureau
    start = today() - timedelta(days=30)
    await admit(session, legal, unit, start)
    await card(session, enforcement, unit, start + timedelta(days=1), "案-A")
    _, removed = await card(session, enforcement, unit, start + timedelta(days=2), "案-B")
    assert removed is not None and removed.removed_on is not None
    with pytest.raises(ValidationFailed) as refused:
        await admit(session, legal, unit, today())
    error = refused.value.errors[0]
    assert error.field == "entered_on" and error.code == "barred"
    assert error.params["again"] == rules.re_entry_from(removed.removed_on).isoformat()
    standing = await queries.standing_of(session, actor(legal), credit_code=unit.credit_code)
    assert standing.listed is None and standing.re_entry_from == rules.re_entry_from(removed.removed_on)


async def test_a_card_needs_a_listed_unit_and_a_record_earns_one_card_only(session, bureau):
    legal, enforcement, unit, _ = bureau
    with pytest.raises(ValidationFailed) as refused:
        await card(session, enforcement, unit, today(), "案-X")
    assert refused.value.errors[0].code == "not_listed"
    await admit(session, legal, unit, today() - timedelta(days=5))
    await card(session, enforcement, unit, today(), "案-X")
    with pytest.raises(Conflict):
        await card(session, enforcement, unit, today(), "案-X")


async def test_admission_is_refused_twice_and_checks_every_field_at_once(session, bureau):
    legal, _, unit, _ = bureau
    with pytest.raises(ValidationFailed) as refused:
        await service.admit_to_positive_list(
            session,
            actor(legal),
            data=AdmissionInput(
                credit_code=unit.credit_code, entered_on=today() + timedelta(days=1), basis=" "
            ),
        )
    assert {(e.field, e.code) for e in refused.value.errors} == {
        ("entered_on", "future"),
        ("basis", "required"),
    }
    with pytest.raises(ValidationFailed) as refused:
        await service.admit_to_positive_list(
            session,
            actor(legal),
            data=AdmissionInput(credit_code=unit.credit_code, entered_on=today(), basis="x" * 1001),
        )
    assert refused.value.errors[0].code == "too_long"
    await admit(session, legal, unit, today())
    with pytest.raises(Conflict):
        await admit(session, legal, unit, today())


async def test_who_may_decide_and_who_may_see(session, bureau):
    legal, _, unit, staff = bureau
    ecology = await make_user(session, Role.ECOLOGY)
    elsewhere = await make_user(session, Role.LEGAL, region_code="370102")
    for outsider in (ecology, elsewhere, staff):
        with pytest.raises((PermissionDenied, NotFound)):
            await admit(session, outsider, unit, today())
    await admit(session, legal, unit, today())
    own = await queries.standing_of(session, actor(staff), credit_code=unit.credit_code)
    assert own.listed is not None
    with pytest.raises(PermissionDenied):
        await queries.standing_of(session, actor(elsewhere), credit_code=unit.credit_code)
    assert [row.name for row in await queries.listed_units(session, actor(legal))] == [unit.name]
    assert await queries.listed_units(session, actor(elsewhere)) == []
    public = await queries.public_list(session)
    assert [row.name for row in public.items] == [unit.name] and public.total == 1


async def test_a_decision_removes_with_its_reason_and_the_bar_applies(session, bureau):
    legal, _, unit, staff = bureau
    await admit(session, legal, unit, today() - timedelta(days=10))
    entry = await service.remove_from_positive_list(
        session, actor(legal), credit_code=unit.credit_code, removed_on=today(), note="群众投诉经查属实。"
    )
    assert entry.removal_reason == "decision" and entry.removed_on == today()
    with pytest.raises(ValidationFailed):
        await admit(session, legal, unit, today())
    with pytest.raises(Conflict):
        await service.remove_from_positive_list(
            session, actor(legal), credit_code=unit.credit_code, removed_on=today(), note="again"
        )
    removed = await queries.public_list(session, removed=True)
    assert [(row.name, row.removal_reason) for row in removed.items] == [(unit.name, "decision")]
    told = (await session.exec(select(Notification).where(Notification.user_id == staff.id))).all()
    assert any("群众投诉经查属实" in n.body for n in told)


# ---------------------------------------------------------------------------
# A card from the case it came from
# ---------------------------------------------------------------------------


async def test_a_case_exempted_from_penalty_earns_one_card_and_a_fined_one_none(session, bureau):
    from domain.supervision.cases import cards
    from domain.supervision.cases import service as cases
    from tests.supervision.test_cases import case_input, decision

    legal, enforcement, unit, _ = bureau
    brigade = actor(enforcement)
    await admit(session, legal, unit, today() - timedelta(days=90))
    exempted = await cases.open_case(session, brigade, data=case_input(credit_code=unit.credit_code))
    await cases.decide_case(
        session,
        brigade,
        case_id=exempted.id,
        data=decision(
            decision="首次违法且危害后果轻微并及时改正，依法不予行政处罚。",
            penalty_yuan=None,
            measures=(),
            case_number="普环不罚〔2026〕3号",
        ),
    )
    yellow, removed = await cards.yellow_card_for_case(session, brigade, case_id=exempted.id)
    assert (yellow.source_kind, yellow.source_ref) == ("case", "普环不罚〔2026〕3号") and removed is None
    assert yellow.issued_on == exempted.decided_on and "不予行政处罚" in yellow.violation
    with pytest.raises(Conflict):
        await cards.yellow_card_for_case(session, brigade, case_id=exempted.id)
    fined = await cases.open_case(session, brigade, data=case_input(credit_code=unit.credit_code))
    fine = decision(case_number="普环罚〔2026〕13号")
    await cases.decide_case(session, brigade, case_id=fined.id, data=fine)
    with pytest.raises(Conflict):
        await cards.yellow_card_for_case(session, brigade, case_id=fined.id)
    ecology = await make_user(session, Role.ECOLOGY)
    with pytest.raises(PermissionDenied):
        await cards.yellow_card_for_case(session, actor(ecology), case_id=exempted.id)


async def test_a_listed_key_holder_is_planned_once_a_year_instead_of_every_half_year(session):
    from domain.enterprises.models import Enterprise
    from domain.supervision.inspections.models import InspectionPlanLine
    from domain.supervision.inspections.service import plans
    from tests.supervision.inspection_setup import REGION, build_district

    district = await build_district(session)
    listed_permit, other_permit = district.key[0], district.key[1]
    legal = await make_user(session, Role.LEGAL, region_code=REGION)
    unit = await session.get(Enterprise, listed_permit.enterprise_id)
    await admit(session, legal, unit, today() - timedelta(days=1))
    await plans.generate_plan(session, district.planner, region_code=REGION, year=today().year)

    async def enforcement_bases(permit) -> list[str]:  # type: ignore[no-untyped-def]
        rows = await session.exec(
            select(InspectionPlanLine.basis).where(
                InspectionPlanLine.permit_id == permit.id, InspectionPlanLine.kind == "enforcement"
            )
        )
        return sorted(rows.all())

    assert await enforcement_bases(listed_permit) == ["key_yearly"]
    assert await enforcement_bases(other_permit) == ["key_half_year", "key_half_year"]


async def test_an_inspection_with_a_minor_finding_earns_one_card_and_a_clean_one_none(session):
    from domain.enterprises.models import Enterprise
    from domain.supervision.inspections import cards
    from domain.supervision.inspections.service import records
    from tests.supervision.inspection_setup import REGION, build_district, record_input

    district = await build_district(session)
    permit = district.key[0]
    legal = await make_user(session, Role.LEGAL, region_code=REGION)
    unit = await session.get(Enterprise, permit.enterprise_id)
    await admit(session, legal, unit, today() - timedelta(days=30))
    found = await records.record_inspection(
        session, district.planner, data=record_input(district, permit, i2_1="DA001排放口标志牌缺失")
    )
    clean = await records.record_inspection(
        session, district.planner, data=record_input(district, district.key[1])
    )
    yellow, removed = await cards.yellow_card_for_inspection(
        session,
        district.planner,
        reference=found.reference,
        violation="排放口标志牌缺失，当场整改，不予处罚。",
    )
    assert (yellow.source_kind, yellow.source_ref, yellow.issued_on) == (
        "inspection",
        found.reference,
        today(),
    )
    assert removed is None
    with pytest.raises(Conflict):
        await cards.yellow_card_for_inspection(
            session, district.planner, reference=found.reference, violation="x"
        )
    with pytest.raises(Conflict):
        await cards.yellow_card_for_inspection(
            session, district.planner, reference=clean.reference, violation="x"
        )
    with pytest.raises(NotFound):
        await cards.yellow_card_for_inspection(session, district.planner, reference="no-such", violation="x")
