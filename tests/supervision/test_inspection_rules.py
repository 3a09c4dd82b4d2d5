"""The inspection rules without a database: frequencies (PT §6-7), draws, the checklist."""

from __future__ import annotations

from datetime import date

import pytest

from domain.supervision.inspections import rules
from domain.supervision.inspections.rules import Basis, InspectionKind, ItemAnswer, LineState


def permit(
    category: str = "key",
    *,
    issued: date = date(2020, 5, 10),
    renewed: bool = True,
    until: date | None = None,
):  # type: ignore[no-untyped-def]
    return rules.PermitFacts(
        permit_id=7,
        enterprise_id=3,
        region_code="310107",
        category=category,
        renewed=renewed,
        decision_date=issued,
        valid_from=issued,
        valid_until=until
        or date(issued.year + 5, issued.month, issued.day) - (date(2001, 1, 2) - date(2001, 1, 1)),
    )


def bases(lines: list[rules.LineSpec]) -> list[tuple[str, str, str, date]]:
    return [(line.kind.value, line.basis.value, line.period, line.due_on) for line in lines]


def test_a_key_permit_holder_is_due_every_half_year_and_monitored_yearly() -> None:
    assert bases(rules.plan_lines(permit("key"), 2024)) == [
        ("enforcement", "key_half_year", "2024-H1", date(2024, 6, 30)),
        ("enforcement", "key_half_year", "2024-H2", date(2024, 12, 31)),
        ("monitoring", "monitoring_key", "2024", date(2024, 12, 31)),
    ]


def test_a_simplified_permit_holder_is_due_once_a_year_and_not_monitored_every_year() -> None:
    assert bases(rules.plan_lines(permit("simplified"), 2024)) == [
        ("enforcement", "simplified_yearly", "2024", date(2024, 12, 31))
    ]


def test_a_new_permit_is_due_within_three_months_of_issue() -> None:
    lines = rules.plan_lines(permit("simplified", issued=date(2024, 3, 15), renewed=False), 2024)
    assert ("enforcement", "new_permit", "new:2024-03-15", date(2024, 6, 15)) in bases(lines)


def test_three_months_after_the_last_of_november_is_the_end_of_february_in_leap_years_too() -> None:
    assert rules.add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
    assert rules.add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert rules.add_months(date(2024, 12, 31), 3) == date(2025, 3, 31)


def test_a_permit_issued_in_december_is_due_in_next_years_plan_too() -> None:
    facts = permit("simplified", issued=date(2024, 12, 20), renewed=False)
    assert ("enforcement", "new_permit", "new:2024-12-20", date(2025, 3, 20)) in bases(
        rules.plan_lines(facts, 2025)
    )
    assert ("enforcement", "new_permit", "new:2024-12-20", date(2025, 3, 20)) in bases(
        rules.plan_lines(facts, 2024)
    )


def test_a_renewed_permit_is_not_a_new_one() -> None:
    assert "new_permit" not in [
        b for _k, b, _p, _d in bases(rules.plan_lines(permit("key", renewed=True), 2024))
    ]


def test_a_permit_that_expires_in_the_first_half_is_not_due_in_the_second() -> None:
    facts = permit("key", issued=date(2019, 3, 1), until=date(2024, 2, 29))
    assert [p for _k, b, p, _d in bases(rules.plan_lines(facts, 2024)) if b == "key_half_year"] == ["2024-H1"]


def test_a_permit_issued_mid_half_year_is_due_from_its_first_day() -> None:
    facts = permit("key", issued=date(2024, 7, 20), renewed=True)
    halves = [line for line in rules.plan_lines(facts, 2024) if line.basis == Basis.KEY_HALF_YEAR]
    assert [(h.period, h.starts_on) for h in halves] == [("2024-H2", date(2024, 7, 20))]


def test_the_positive_list_lowers_a_key_holder_to_one_visit_a_year() -> None:
    lines = rules.plan_lines(permit("key"), 2024, frequency_lowered=True)
    assert [(b, p) for k, b, p, _d in bases(lines) if k == "enforcement"] == [("key_yearly", "2024")]


def test_shares_round_up() -> None:
    assert rules.share_target(7, rules.REGISTRATION_SHARE) == 2
    assert rules.share_target(10, rules.REGISTRATION_SHARE) == 2
    assert rules.share_target(10, rules.MONITORING_SIMPLIFIED_SHARE) == 3
    assert rules.share_target(0, 0.2) == 0
    assert rules.default_draw_size(InspectionKind.ENFORCEMENT, rules.Pool.REGISTRATION, 11) == 3


def test_a_line_is_done_due_or_behind() -> None:
    assert (
        rules.line_state(done_on=date(2024, 5, 1), due_on=date(2024, 6, 30), today=date(2024, 8, 1))
        == LineState.DONE
    )
    assert rules.line_state(done_on=None, due_on=date(2024, 6, 30), today=date(2024, 6, 30)) == LineState.DUE
    assert (
        rules.line_state(done_on=None, due_on=date(2024, 6, 30), today=date(2024, 7, 1)) == LineState.BEHIND
    )


def test_a_draw_is_the_same_from_the_same_seed_whatever_the_order_of_pool_and_roster() -> None:
    first = rules.draw(seed=20240601, pool=[5, 3, 9, 1, 7], roster=[11, 12, 13, 14], count=2)
    again = rules.draw(seed=20240601, pool=[1, 3, 5, 7, 9], roster=[14, 13, 12, 11], count=2)
    assert first == again
    assert len(first) == 2 and all(len(p.inspectors) == 2 for p in first)
    assert rules.draw(seed=1, pool=list(range(50)), roster=[1, 2, 3], count=5) != rules.draw(
        seed=2, pool=list(range(50)), roster=[1, 2, 3], count=5
    )


def test_nobody_goes_twice_in_a_row_to_the_same_unit() -> None:
    for seed in range(200):
        picks = rules.draw(
            seed=seed, pool=[1, 2], roster=[10, 11, 12, 13], count=2, last_inspectors={1: [10, 11]}
        )
        for pick in picks:
            if pick.member == 1:
                assert set(pick.inspectors) == {12, 13}


def test_a_roster_too_small_for_the_rule_is_refused() -> None:
    with pytest.raises(rules.RosterTooSmall) as refused:
        rules.draw(seed=1, pool=[1], roster=[10, 11, 12], count=1, last_inspectors={1: [10, 11]})
    assert refused.value.eligible == 1
    with pytest.raises(rules.RosterTooSmall):
        rules.draw(seed=1, pool=[1], roster=[10], count=1)


def test_the_pool_hash_does_not_depend_on_order() -> None:
    assert rules.members_hash([3, 1, 2]) == rules.members_hash([1, 2, 3]) != rules.members_hash([1, 2])


def answers(checklist, **overrides):  # type: ignore[no-untyped-def]
    given = {item.code: ItemAnswer(item.code, "passed") for item in checklist}
    given.update(overrides)
    return list(given.values())


def test_every_item_of_the_checklist_must_be_answered_and_a_failure_explained() -> None:
    checklist = rules.checklist_for(InspectionKind.ENFORCEMENT, holds_permit=True)
    assert [item.code for item in checklist][:3] == ["1.1", "1.2", "1.3"]
    assert rules.checklist_errors(checklist, answers(checklist)) == []
    missing = answers(checklist)[1:]
    assert [(e.field, e.code) for e in rules.checklist_errors(checklist, missing)] == [
        ("items.1.1", "required")
    ]
    failed = answers(checklist, **{"2.1": ItemAnswer("2.1", "failed", "")})
    assert [(e.field, e.code) for e in rules.checklist_errors(checklist, failed)] == [
        ("items.2.1", "note_required")
    ]
    odd = answers(checklist, **{"2.1": ItemAnswer("2.1", "maybe")})
    assert [e.code for e in rules.checklist_errors(checklist, odd)] == ["invalid"]


def test_registration_units_and_monitoring_have_their_own_checklists() -> None:
    assert rules.checklist_for(InspectionKind.ENFORCEMENT, holds_permit=False) == rules.REGISTRATION_CHECKLIST
    assert rules.checklist_for(InspectionKind.MONITORING, holds_permit=True) == rules.MONITORING_CHECKLIST
    assert rules.ALL_ITEMS["1.1"].linkage == rules.Linkage.PERMIT_MISSING
