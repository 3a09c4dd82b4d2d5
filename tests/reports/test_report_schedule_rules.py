"""The report schedule a permit's copy fixes: kinds, due dates, holding-period exemptions and folding."""

from __future__ import annotations

from datetime import date

from domain.reports import rules
from domain.reports.rules import FOLDED, SHORT_HOLDING, ReportTerms


def _plan(kinds, valid_from, valid_until=date(2031, 3, 14), *, folding=False, due_days=None):
    terms = ReportTerms(tuple(kinds), due_days or {}, folding)
    return {(p.kind, p.period.label): p for p in rules.plan(terms, valid_from, valid_until)}


def test_every_kind_is_due_by_default_on_the_days_the_specifications_name():
    cases = {
        ("monthly", "2026-03"): date(2026, 4, 15),
        ("quarterly", "2026-Q4"): date(2027, 1, 15),
        ("semiannual", "2026-H1"): date(2026, 7, 15),
        ("annual", "2026"): date(2027, 1, 31),
    }
    for (kind, label), due in cases.items():
        period = rules.parse_period(kind, label)
        assert period is not None
        assert rules.due_date(period) == due


def test_the_permits_copy_moves_a_due_date_and_a_day_past_the_month_end_stops_at_it():
    annual = rules.parse_period("annual", "2026")
    monthly = rules.parse_period("monthly", "2027-01")
    assert annual is not None and monthly is not None
    assert rules.due_date(annual, {"annual": 15}) == date(2027, 1, 15)
    assert rules.due_date(monthly, {"monthly": 31}) == date(2027, 2, 28)


def test_semiannual_periods_are_the_two_halves_of_the_year():
    first = rules.parse_period("semiannual", "2026-H1")
    second = rules.parse_period("semiannual", "2026-H2")
    assert first is not None and second is not None
    assert (first.start, first.end) == (date(2026, 1, 1), date(2026, 6, 30))
    assert (second.start, second.end) == (date(2026, 7, 1), date(2026, 12, 31))
    assert rules.parse_period("semiannual", "2026-H3") is None


def test_a_month_held_less_than_ten_days_is_not_owed_and_the_next_month_covers_it():
    plan = _plan(["monthly", "annual"], date(2026, 3, 23))
    march, april = plan[("monthly", "2026-03")], plan[("monthly", "2026-04")]
    assert not march.owed and march.reason == SHORT_HOLDING
    assert march.covered_by is not None and march.covered_by.label == "2026-04"
    assert april.owed and april.period.start == date(2026, 3, 23) and april.begins == date(2026, 4, 1)


def test_a_month_held_ten_days_is_owed():
    plan = _plan(["monthly", "annual"], date(2026, 3, 22))
    assert plan[("monthly", "2026-03")].owed
    assert plan[("monthly", "2026-04")].period.start == date(2026, 4, 1)


def test_a_quarter_held_less_than_a_month_and_a_year_held_less_than_three_months_are_not_owed():
    plan = _plan(["quarterly", "semiannual", "annual"], date(2026, 12, 5))
    assert plan[("quarterly", "2026-Q4")].reason == SHORT_HOLDING
    assert plan[("quarterly", "2027-Q1")].period.start == date(2026, 12, 5)
    assert plan[("annual", "2026")].reason == SHORT_HOLDING
    assert plan[("annual", "2026")].covered_by.label == "2027"  # type: ignore[union-attr]
    held_a_month = _plan(["quarterly", "annual"], date(2026, 12, 1))
    assert held_a_month[("quarterly", "2026-Q4")].owed


def test_a_half_year_held_less_than_three_months_folds_through_the_second_half_into_the_annual():
    plan = _plan(["semiannual", "annual"], date(2026, 4, 10))
    first_half = plan[("semiannual", "2026-H1")]
    assert first_half.reason == SHORT_HOLDING
    assert first_half.covered_by is not None and first_half.covered_by.label == "2026"


def test_the_annual_report_always_stands_for_the_second_half_year():
    plan = _plan(["semiannual", "annual"], date(2025, 1, 1))
    second_half = plan[("semiannual", "2026-H2")]
    assert second_half.reason == FOLDED and second_half.covered_by.label == "2026"  # type: ignore[union-attr]
    assert plan[("semiannual", "2026-H1")].owed


def test_where_the_permit_allows_the_longer_report_stands_for_the_quarters_last_month_and_q4():
    plan = _plan(["monthly", "quarterly", "annual"], date(2025, 1, 1), folding=True)
    assert plan[("monthly", "2026-02")].owed
    march = plan[("monthly", "2026-03")]
    assert march.reason == FOLDED and march.covered_by.label == "2026-Q1"  # type: ignore[union-attr]
    december = plan[("monthly", "2026-12")]
    assert december.reason == FOLDED and december.covered_by.label == "2026"  # type: ignore[union-attr]
    assert plan[("quarterly", "2026-Q4")].covered_by.label == "2026"  # type: ignore[union-attr]
    assert plan[("quarterly", "2026-Q3")].owed


def test_without_the_permits_leave_every_month_and_quarter_is_owed():
    plan = _plan(["monthly", "quarterly", "annual"], date(2025, 1, 1))
    assert plan[("monthly", "2026-03")].owed and plan[("monthly", "2026-12")].owed
    assert plan[("quarterly", "2026-Q4")].owed


def test_nothing_folds_into_an_annual_report_that_is_itself_exempt():
    plan = _plan(["monthly", "annual"], date(2026, 11, 10), folding=True)
    assert plan[("annual", "2026")].reason == SHORT_HOLDING
    assert plan[("monthly", "2026-12")].owed


def test_a_permit_granted_mid_month_shows_both_exemption_and_folding():
    plan = _plan(["monthly", "quarterly", "annual"], date(2026, 2, 25), folding=True)
    february = plan[("monthly", "2026-02")]
    assert february.reason == SHORT_HOLDING
    # Its content goes into March, which the first quarter's report stands for.
    assert february.covered_by is not None and february.covered_by.label == "2026-Q1"
    assert plan[("quarterly", "2026-Q1")].owed
