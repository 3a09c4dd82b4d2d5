"""Working days and deadlines (docs/domain-rules.md "Working days", PT §18).

Every holiday and make-up day below was printed from the installed chinese_calendar
1.11.0 (``chinese_calendar.constants.holidays`` / ``workdays``) before being written here.
"""

from datetime import date, datetime

import pytest

from domain.calendar.rules import (
    HOLIDAY_DATA_MISSING,
    MAX_WORKING_DAYS,
    Deadline,
    is_covered,
    is_working_day,
    uncovered_years_between,
    working_days_after,
    working_days_before,
    working_days_between,
)
from domain.i18n import translate


def exact(day: date) -> Deadline:
    return Deadline(date=day, approximate=False, uncovered_years=())


# A plain week


def test_one_working_day_after_a_plain_friday_is_the_next_monday():
    # 2024-03-08 is a Friday with no holiday or make-up day around it.
    assert working_days_after(date(2024, 3, 8), 1) == exact(date(2024, 3, 11))


def test_five_working_days_after_a_plain_monday_is_the_next_monday():
    assert working_days_after(date(2024, 3, 4), 5) == exact(date(2024, 3, 11))


# Spring Festival 2024: holidays 2024-02-10 .. 02-17, make-up working Sundays 02-04 and 02-18.


def test_the_spring_festival_2024_make_up_sundays_are_working_days_and_the_holidays_are_not():
    assert is_working_day(date(2024, 2, 4))  # Sunday, make-up
    assert is_working_day(date(2024, 2, 18))  # Sunday, make-up
    assert not is_working_day(date(2024, 2, 12))  # Monday, holiday
    assert not is_working_day(date(2024, 2, 16))  # Friday, holiday


def test_one_working_day_after_friday_2_february_2024_is_the_make_up_sunday():
    assert working_days_after(date(2024, 2, 2), 1) == exact(date(2024, 2, 4))


def test_a_deadline_across_the_spring_festival_2024_skips_the_holiday_week():
    # 2024-02-09 (Friday, New Year's Eve) is still a working day; the next one is Sunday 02-18.
    assert working_days_after(date(2024, 2, 8), 1) == exact(date(2024, 2, 9))
    assert working_days_after(date(2024, 2, 8), 2) == exact(date(2024, 2, 18))
    assert working_days_after(date(2024, 2, 8), 3) == exact(date(2024, 2, 19))


def test_counting_back_across_the_spring_festival_2024_lands_on_the_make_up_sunday_then_before_the_holiday():
    assert working_days_before(date(2024, 2, 19), 1) == exact(date(2024, 2, 18))
    assert working_days_before(date(2024, 2, 19), 2) == exact(date(2024, 2, 9))


# National Day 2025: holidays 2025-10-01 .. 10-08, make-up Sunday 09-28 and Saturday 10-11.


def test_one_working_day_after_friday_26_september_2025_is_the_make_up_sunday():
    assert working_days_after(date(2025, 9, 26), 1) == exact(date(2025, 9, 28))


def test_one_working_day_after_the_eve_of_national_day_2025_is_9_october():
    assert working_days_after(date(2025, 9, 30), 1) == exact(date(2025, 10, 9))


def test_the_make_up_saturday_after_national_day_2025_counts():
    # Thursday 10-09 and Friday 10-10 are not counted, then Saturday 10-11 is a working day.
    assert working_days_after(date(2025, 10, 8), 3) == exact(date(2025, 10, 11))
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 12)) == 3


# Renewal: 30 working days before expiry (M48 §46)


def test_the_renewal_deadline_is_the_30th_working_day_before_expiry_across_spring_festival_2026():
    # Expiry Sunday 2026-03-15 (not counted). Counting back through the package's 2026 data:
    #   March 13, 12, 11, 10, 9, 6, 5, 4, 3, 2                   -> 10
    #   Feb 28 (Saturday, make-up working day), 27, 26, 25, 24   -> 15
    #   Feb 15 .. 23 are Spring Festival holidays, none count
    #   Feb 14 (Saturday, make-up working day), 13, 12, 11, 10, 9, 6, 5, 4, 3, 2 -> 26
    #   Jan 30, 29, 28, 27                                       -> 30
    # Weekends only would have given 2026-02-02; the holidays move it six days earlier.
    assert working_days_before(date(2026, 3, 15), 30) == exact(date(2026, 1, 27))


# The day X / Y itself is not counted


def test_the_start_day_is_not_counted_even_when_it_is_a_working_day():
    assert is_working_day(date(2024, 3, 4))
    assert working_days_after(date(2024, 3, 4), 1) == exact(date(2024, 3, 5))


def test_counting_from_a_holiday_starts_on_the_next_working_day():
    # 2024-10-01 .. 10-07 is the National Day holiday, 2024-10-08 the first working day after.
    assert not is_working_day(date(2024, 10, 1))
    assert working_days_after(date(2024, 10, 1), 1) == exact(date(2024, 10, 8))


def test_the_end_day_is_not_counted_when_counting_back():
    assert is_working_day(date(2026, 3, 16))  # Monday
    assert working_days_before(date(2026, 3, 16), 1) == exact(date(2026, 3, 13))


def test_working_days_between_counts_the_end_but_not_the_start_and_mirrors():
    assert working_days_between(date(2024, 3, 4), date(2024, 3, 4)) == 0
    assert working_days_between(date(2024, 3, 8), date(2024, 3, 11)) == 1
    assert working_days_between(date(2024, 2, 9), date(2024, 2, 19)) == 2
    assert working_days_between(date(2024, 2, 19), date(2024, 2, 9)) == -2


def test_working_days_between_agrees_with_working_days_after():
    start = date(2025, 12, 20)
    assert working_days_between(start, working_days_after(start, 250).date) == 250


# Years without holiday data


def test_coverage_follows_the_installed_holiday_data():
    assert is_covered(2024) and is_covered(2026)
    assert not is_covered(2028)
    assert not is_covered(2003)


def test_a_year_without_holiday_data_counts_weekends_and_the_fixed_date_holidays_and_says_so():
    # 2028-09-29 is a Friday; 1-3 October (National Day's fixed days) are off even without the
    # published schedule, so the next working day is Wednesday 4 October.
    deadline = working_days_after(date(2028, 9, 29), 1)
    assert deadline.date == date(2028, 10, 4)
    assert deadline.approximate is True
    assert deadline.uncovered_years == (2028,)
    assert deadline.warning == HOLIDAY_DATA_MISSING
    assert deadline.warning_params == {"years": "2028"}
    assert not is_working_day(date(2028, 10, 2)) and not is_working_day(date(2028, 10, 3))
    assert is_working_day(date(2028, 10, 4))


@pytest.mark.parametrize("day", [date(2028, 1, 3), date(2028, 5, 1), date(2027, 1, 1), date(2027, 10, 1)])
def test_new_year_labour_day_and_national_day_are_days_off_in_a_year_without_data(day):
    # 2028-01-03 is a Monday after New Year's Day on a Saturday: a working day (no make-up guessed).
    expected = day == date(2028, 1, 3)
    assert is_working_day(day) is expected


def test_a_loaded_schedule_covers_its_year_and_moves_its_deadlines():
    from domain.calendar.rules import published_years, use_published_years
    from domain.calendar.schedule import parse_schedule

    before = working_days_after(date(2027, 2, 5), 1)
    assert before.approximate and before.date == date(2027, 2, 8)
    parsed = parse_schedule("2027-02-06..2027-02-12 off Spring Festival\n2027-02-14 work make-up\n")
    assert parsed.errors == [] and parsed.year is not None
    try:
        use_published_years([parsed.year])
        assert is_covered(2027) and published_years() == (2027,)
        after = working_days_after(date(2027, 2, 5), 1)
        assert after == exact(date(2027, 2, 14))  # the make-up Sunday
        assert not is_working_day(date(2027, 2, 8))
    finally:
        use_published_years([])
    assert not is_covered(2027) and working_days_after(date(2027, 2, 5), 1) == before


def test_the_warning_translates_with_its_params():
    deadline = working_days_before(date(2028, 6, 1), 30)
    assert deadline.warning is not None
    text = translate(deadline.warning, "en", **deadline.warning_params)
    assert "2028" in text and "fixed-date statutory holidays" in text


def test_an_exact_deadline_has_no_warning():
    deadline = working_days_after(date(2024, 3, 8), 1)
    assert deadline.warning is None and deadline.warning_params == {}


def test_a_count_from_2026_into_2027_is_flagged_only_if_2027_lacks_holiday_data():
    deadline = working_days_after(date(2026, 12, 15), 30)
    if is_covered(2027):
        assert deadline == exact(deadline.date)
    else:
        # Dec 2026 gives 16-18, 21-25, 28-31 (12 days); 18 weekdays of January 2027 follow,
        # New Year's Day (a Friday) not counted.
        assert deadline.date == date(2027, 1, 27)
        assert deadline.approximate and deadline.uncovered_years == (2027,)
        assert deadline.warning is not None


def test_a_count_that_stays_in_2026_is_exact_even_at_the_edge_of_the_data():
    assert working_days_after(date(2026, 12, 30), 1) == exact(date(2026, 12, 31))


def test_counting_back_from_early_2027_touches_2027_only_if_it_lacks_data():
    deadline = working_days_before(date(2027, 1, 4), 10)
    expected = () if is_covered(2027) else (2027,)
    assert deadline.uncovered_years == expected
    assert uncovered_years_between(date(2026, 12, 1), date(2027, 1, 4)) == expected
    assert uncovered_years_between(date(2026, 12, 1), date(2026, 12, 31)) == ()


# Bad input


@pytest.mark.parametrize("n", [0, -1, MAX_WORKING_DAYS + 1])
def test_a_count_outside_1_to_the_maximum_is_refused(n):
    with pytest.raises(ValueError):
        working_days_after(date(2024, 3, 8), n)
    with pytest.raises(ValueError):
        working_days_before(date(2024, 3, 8), n)


def test_the_maximum_count_is_accepted():
    assert working_days_after(date(2024, 1, 1), MAX_WORKING_DAYS).date > date(2027, 1, 1)


def test_a_deadline_beyond_the_representable_dates_is_a_value_error_not_a_crash():
    with pytest.raises(ValueError):
        working_days_after(date(9999, 12, 30), 5)


def test_a_datetime_counts_as_its_date():
    assert working_days_after(datetime(2024, 2, 9, 17, 30), 1) == exact(date(2024, 2, 18))
