"""Working days and deadlines counted in them (工作日).

Rules (docs/domain-rules.md, "Working days"):

- *Working days* (PT §18; docs/domain-rules.md "Working days") exclude weekends and
  statutory holidays and include the official make-up working days (调休上班日).
  A year's schedule comes, in this order, from a schedule an administrator loaded
  (``use_published_years``, kept in the database by ``domain.calendar.service``),
  from the maintained ``chinese_calendar`` package, or, for a year neither covers,
  from weekends plus the fixed-date statutory holidays (New Year's Day 1 Jan,
  Labour Day 1 May, National Day 1-3 Oct); every result that touched such a year
  says it is approximate (``Deadline.approximate``, ``Deadline.warning``) instead
  of failing.
- *Counting*: "within N working days after day X" ends on the N-th working day
  after X, X itself not counted; "N working days before day Y" is the N-th working
  day counting back from Y, Y itself not counted. So the renewal deadline of a
  permit issued under M48 (§46) is ``working_days_before(expiry_date, 30)``.

Pure functions of dates: no I/O. Each calendar year is turned once into a sorted
table of its working days (cached), so a deadline costs a few binary searches
however large N is.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, datetime, timedelta
from functools import cache, lru_cache

import chinese_calendar

from domain.errors import N_

MAX_WORKING_DAYS = 1000
"""Largest N accepted by the counting functions; no rule of the Measures comes near it."""

HOLIDAY_DATA_MISSING = N_(
    "Holiday data for {years} is not available yet; this date counts weekends and the fixed-date "
    "statutory holidays (1 January, 1 May, 1-3 October) only and may move when the official holiday "
    "calendar is published and loaded."
)

# Statutory holidays on fixed dates (全国年节及纪念日放假办法 art. 2): the days off a year without a
# published schedule surely has. The lunar holidays and the make-up days are not guessed.
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)})


@dataclass(frozen=True)
class PublishedYear:
    """A year's holiday schedule as the State Council published it and an administrator loaded it."""

    year: int
    days_off: frozenset[date]  # holidays, including weekend days inside a holiday span
    make_up_days: frozenset[date]  # weekend days that are working days (调休上班日)


_published: dict[int, PublishedYear] = {}


def use_published_years(years: Iterable[PublishedYear]) -> None:
    """Count with these loaded schedules (replacing any loaded before); they take precedence."""
    global _published
    wanted = {year.year: year for year in years}
    if wanted == _published:
        return
    _published = wanted
    is_covered.cache_clear()
    _year_table.cache_clear()


def published_years() -> tuple[int, ...]:
    """Years counted with a schedule an administrator loaded."""
    return tuple(sorted(_published))


@dataclass(frozen=True)
class _YearTable:
    ordinals: tuple[int, ...]  # working days of the year as date ordinals, ascending
    members: frozenset[int]


@dataclass(frozen=True)
class Deadline:
    """A date counted in working days, flagged when part of the count had no holiday data."""

    date: date
    approximate: bool
    uncovered_years: tuple[int, ...]

    def __post_init__(self) -> None:
        if self.approximate != bool(self.uncovered_years):
            raise ValueError("approximate must be true exactly when some years are uncovered")

    @property
    def warning(self) -> str | None:
        """Message id to translate with ``warning_params``, or None when the date is exact."""
        return holiday_data_warning(self.uncovered_years)

    @property
    def warning_params(self) -> dict[str, str]:
        return holiday_data_warning_params(self.uncovered_years)


def holiday_data_warning(uncovered_years: tuple[int, ...]) -> str | None:
    """The warning for a result that relied on years without holiday data, if any."""
    return HOLIDAY_DATA_MISSING if uncovered_years else None


def holiday_data_warning_params(uncovered_years: tuple[int, ...]) -> dict[str, str]:
    return {"years": ", ".join(str(year) for year in uncovered_years)} if uncovered_years else {}


@cache
def is_covered(year: int) -> bool:
    """Whether a loaded schedule or the installed holiday calendar has data for ``year``."""
    if year in _published:
        return True
    if not MINYEAR <= year <= MAXYEAR:
        return False
    try:
        chinese_calendar.is_workday(date(year, 7, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=256)
def _year_table(year: int) -> _YearTable:
    published = _published.get(year)
    covered = published is None and is_covered(year)
    day = date(year, 1, 1)
    ordinals: list[int] = []
    while day.year == year:
        if published is not None:
            working = day in published.make_up_days or (day.weekday() < 5 and day not in published.days_off)
        elif covered:
            working = chinese_calendar.is_workday(day)
        else:
            working = day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS
        if working:
            ordinals.append(day.toordinal())
        if day.month == 12 and day.day == 31:
            break  # stepping past 9999-12-31 would overflow
        day += timedelta(days=1)
    return _YearTable(ordinals=tuple(ordinals), members=frozenset(ordinals))


def _as_date(day: date) -> date:
    # A datetime is a date, but it neither equals nor orders against one.
    return day.date() if isinstance(day, datetime) else day


def _check_count(n: int) -> None:
    if not 1 <= n <= MAX_WORKING_DAYS:
        raise ValueError(f"the number of working days must be between 1 and {MAX_WORKING_DAYS}, not {n}")


def _uncovered(first_year: int, last_year: int) -> tuple[int, ...]:
    return tuple(year for year in range(first_year, last_year + 1) if not is_covered(year))


def _year_after(day: date) -> int:
    """Year of the day after ``day`` (the first day a forward count looks at)."""
    return day.year + 1 if (day.month, day.day) == (12, 31) else day.year


def _year_before(day: date) -> int:
    """Year of the day before ``day`` (the first day a backward count looks at)."""
    return day.year - 1 if (day.month, day.day) == (1, 1) else day.year


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day; approximate (weekends, fixed holidays) for a year without data."""
    day = _as_date(day)
    return day.toordinal() in _year_table(day.year).members


def working_days_after(start: date, n: int) -> Deadline:
    """The N-th working day after ``start``; ``start`` itself is not counted.

    "Within N working days after day X" (e.g. M48 §27, §31) ends on this date.
    """
    _check_count(n)
    start = _as_date(start)
    year = start.year
    table = _year_table(year)
    index = bisect_right(table.ordinals, start.toordinal())  # first working day after start
    remaining = n
    while remaining > len(table.ordinals) - index:
        remaining -= len(table.ordinals) - index
        year += 1
        if year > MAXYEAR:
            raise ValueError("the deadline falls after the last representable date")
        table = _year_table(year)
        index = 0
    result = date.fromordinal(table.ordinals[index + remaining - 1])
    uncovered = _uncovered(_year_after(start), result.year)
    return Deadline(date=result, approximate=bool(uncovered), uncovered_years=uncovered)


def working_days_before(end: date, n: int) -> Deadline:
    """The N-th working day counting back from ``end``; ``end`` itself is not counted.

    "N working days before day Y": the renewal deadline of a permit under M48 §46 is
    ``working_days_before(expiry_date, 30)``.
    """
    _check_count(n)
    end = _as_date(end)
    year = end.year
    table = _year_table(year)
    index = bisect_left(table.ordinals, end.toordinal())  # working days of the year before end
    remaining = n
    while remaining > index:
        remaining -= index
        year -= 1
        if year < MINYEAR:
            raise ValueError("the deadline falls before the first representable date")
        table = _year_table(year)
        index = len(table.ordinals)
    result = date.fromordinal(table.ordinals[index - remaining])
    uncovered = _uncovered(result.year, _year_before(end))
    return Deadline(date=result, approximate=bool(uncovered), uncovered_years=uncovered)


def working_days_between(start: date, end: date) -> int:
    """Number of working days d with ``start < d <= end``.

    The same convention as ``working_days_after``: ``start`` is not counted and the
    day reached is, so ``working_days_between(x, working_days_after(x, n).date) == n``
    and "working days left until a deadline" is ``working_days_between(today, deadline)``
    (0 on the deadline itself). When ``end`` is before ``start`` the result is the
    mirror, ``-working_days_between(end, start)``. Years without holiday data count
    weekends and the fixed-date holidays only; ``uncovered_years_between`` names them so a caller can warn.
    """
    start, end = _as_date(start), _as_date(end)
    if end < start:
        return -working_days_between(end, start)
    start_table = _year_table(start.year)
    if start.year == end.year:
        return bisect_right(start_table.ordinals, end.toordinal()) - bisect_right(
            start_table.ordinals, start.toordinal()
        )
    count = len(start_table.ordinals) - bisect_right(start_table.ordinals, start.toordinal())
    for year in range(start.year + 1, end.year):
        count += len(_year_table(year).ordinals)
    return count + bisect_right(_year_table(end.year).ordinals, end.toordinal())


def uncovered_years_between(start: date, end: date) -> tuple[int, ...]:
    """Years without holiday data among the days ``working_days_between(start, end)`` looks at."""
    start, end = _as_date(start), _as_date(end)
    if end < start:
        start, end = end, start
    if start == end:
        return ()
    return _uncovered(_year_after(start), end.year)
