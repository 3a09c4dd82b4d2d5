"""The rule set in force by the date of the act (docs/domain-rules.md, "The law in force")."""

from datetime import date

import pytest

from domain.i18n import translate
from domain.permits import law
from domain.permits.rules import term_years, validity_end


@pytest.mark.parametrize(
    ("day", "code"),
    [
        (date(2017, 12, 1), "m48"),
        (date(2019, 6, 1), "m48"),
        (date(2021, 2, 28), "m48"),
        (date(2021, 3, 1), "reg2021"),
        (date(2024, 6, 30), "reg2021"),
        (date(2024, 7, 1), "o32"),
        (date(2026, 12, 4), "o32"),
    ],
)
def test_the_rule_set_is_the_one_in_force_on_the_day(day, code):
    assert law.rule_set_on(day).code == code


def test_a_permit_decided_in_2019_keeps_three_years_and_a_renewed_one_five():
    assert term_years(date(2019, 5, 10), renewed=False) == 3
    assert term_years(date(2019, 5, 10), renewed=True) == 5
    assert validity_end(date(2019, 5, 10), 3) == date(2022, 5, 9)


def test_every_permit_decided_from_march_2021_runs_five_years_by_regulation_art_14():
    years, basis = law.term_years(date(2025, 4, 1), renewed=False)
    assert years == 5 and basis.article == law.REG_14 and basis.rule_set == "o32"
    assert term_years(date(2021, 3, 1), renewed=False) == 5


def test_a_2025_permit_applies_for_renewal_60_calendar_days_before_expiry():
    deadline = law.renewal_deadline(date(2030, 3, 31), date(2025, 4, 1))
    assert deadline.date == date(2030, 1, 30)
    assert not deadline.approximate  # calendar days: no holiday data needed
    assert deadline.basis.article == law.REG_14 and deadline.basis.days == 60 and not deadline.basis.working
    assert translate(deadline.basis.article, "en") == "Regulation 2021 art. 14"
    assert translate(deadline.basis.article, "zh_Hans") == "《排污许可管理条例》第十四条"


def test_a_2019_permit_keeps_30_working_days_before_expiry_by_m48_art_46():
    # Decided 2019-03-16, valid to 2022-03-15. Counting back: March 14 .. 1 (10), February 28 .. 7 (26),
    # Spring Festival 31 January .. 6 February off, make-up days 30 and 29 January (28), then 28, 27.
    deadline = law.renewal_deadline(date(2022, 3, 15), date(2019, 3, 16))
    assert deadline.basis.article == law.M48_46 and deadline.basis.working and deadline.basis.days == 30
    assert deadline.date == date(2022, 1, 27)


def test_application_periods_follow_the_day_of_receipt():
    # Received Friday 2019-03-08 (M48 §27: 5 working days) and Friday 2025-03-07 (Reg art. 9 (4): 3).
    assert law.acceptance_due(date(2019, 3, 8)).date == date(2019, 3, 15)
    assert law.acceptance_due(date(2025, 3, 7)).date == date(2025, 3, 12)
    # Decision: key management 30 working days, simplified 20 (Reg art. 12); M48 §31: 20 for both.
    key = law.decision_due(date(2025, 3, 7), date(2025, 3, 10), "first", "key")
    simplified = law.decision_due(date(2025, 3, 7), date(2025, 3, 10), "first", "simplified")
    assert key.basis.days == 30 and simplified.basis.days == 20
    assert law.decision_due(date(2019, 3, 8), date(2019, 3, 11), "first", "key").basis.days == 20
    assert law.decision_due(date(2025, 3, 7), date(2025, 3, 10), "renewal", "key").basis.article == law.REG_14


def test_a_basic_change_window_is_30_calendar_days_from_march_2021_and_30_working_days_before():
    new = law.change_window("change_basic", date(2025, 5, 6))
    old = law.change_window("change_basic", date(2019, 5, 6))
    assert new is not None and new.date == date(2025, 6, 5) and new.basis.article == law.REG_14
    assert old is not None and old.basis.article == law.M48_43_1 and old.basis.working
    assert old.date > date(2019, 6, 5)  # 30 working days run past 30 calendar days
