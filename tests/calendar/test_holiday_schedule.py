"""The holiday file an administrator loads (docs/domain-rules.md, "Working days"): checked line by line."""

from datetime import date

from domain.calendar.schedule import parse_schedule
from domain.i18n import translate

GOOD = """# 2027
2027-01-01 off 元旦
2027-02-06..2027-02-12 休 春节
2027-02-14 work 春节调休上班
2027-10-01..2027-10-07 off 国庆节
2027-10-09 班
"""


def messages(text: str) -> list[str]:
    return [translate(e.message, "en", **e.params) for e in parse_schedule(text).errors]


def test_a_good_file_gives_the_year_its_days_off_and_make_up_days():
    parsed = parse_schedule(GOOD)
    assert parsed.errors == []
    assert parsed.year is not None and parsed.year.year == 2027
    assert date(2027, 2, 8) in parsed.year.days_off and len(parsed.year.days_off) == 15
    assert parsed.year.make_up_days == frozenset({date(2027, 2, 14), date(2027, 10, 9)})
    assert parsed.names["2027-02-10"] == "春节"


def test_every_bad_line_is_named_with_its_number_and_nothing_is_returned():
    text = (
        "2027-01-01 off\nnot-a-date off\n2027-02-30 off\n2027-03-01 maybe\n"
        "2027-03-03 work\n2027-03-10..2027-03-01 off\n"
    )
    parsed = parse_schedule(text)
    assert parsed.year is None
    found = messages(text)
    assert any(m.startswith("Line 2:") and "YYYY-MM-DD" in m for m in found)
    assert any(m.startswith("Line 3:") for m in found)  # 30 February
    assert any(m.startswith("Line 4:") and "off or work" in m for m in found)
    assert any(m.startswith("Line 5:") and "weekday" in m for m in found)  # Wednesday as make-up day
    assert any(m.startswith("Line 6:") and "forward" in m for m in found)


def test_one_year_per_file_and_no_day_both_off_and_working():
    assert any("one year" in m for m in messages("2027-01-01 off\n2028-01-01 off\n"))
    assert any("Line 2:" in m and "line 1" in m for m in messages("2027-02-14 off\n2027-02-14 work\n"))


def test_an_empty_file_is_refused():
    assert messages("# nothing\n") == ["The file names no holiday."]
