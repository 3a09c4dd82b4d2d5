"""The small text file an administrator loads a year's holiday schedule from (docs/domain-rules.md,
"Working days").

The State Council publishes next year's holidays and make-up working days each November; the
``chinese_calendar`` package follows only with a release. The file says what the notice says, one
line per holiday or make-up day::

    # 国务院办公厅关于2027年部分节假日安排的通知
    2027-01-01 off 元旦
    2027-02-05..2027-02-11 off 春节
    2027-02-14 work 春节调休上班

``off`` (or ``休``) marks days off, ``work`` (or ``班``) a weekend day that is a working day; a
range ``A..B`` covers every day from A to B; the name is optional; ``#`` starts a comment. Every
date lies in one year. Pure: text in, a ``PublishedYear`` and the problems (each with its line) out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.calendar.rules import PublishedYear
from domain.errors import N_, FieldError

MAX_FILE_CHARS = 20_000
MAX_RANGE_DAYS = 31
OFF_WORDS = ("off", "休")
WORK_WORDS = ("work", "班")
FIELD = "file"


@dataclass(frozen=True)
class ParsedSchedule:
    year: PublishedYear | None
    names: dict[str, str]  # ISO date -> holiday name, for the page that shows the schedule
    errors: list[FieldError]


def _problem(line: int, code: str, message: str, **params: object) -> FieldError:
    return FieldError(FIELD, code, message, {"line": line, **params})


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_schedule(text: str) -> ParsedSchedule:
    """Read a holiday file; the year is that of its dates. Nothing is returned unless all is right."""
    errors: list[FieldError] = []
    if len(text) > MAX_FILE_CHARS:
        too_long = FieldError(FIELD, "too_long", N_("At most {limit} characters."), {"limit": MAX_FILE_CHARS})
        return ParsedSchedule(None, {}, [too_long])
    off: dict[date, int] = {}
    work: dict[date, int] = {}
    names: dict[str, str] = {}
    years: set[int] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 2)
        if len(parts) < 2:
            errors.append(
                _problem(
                    number,
                    "line_format",
                    N_("Line {line}: write a date or a range, then off or work, then the holiday's name."),
                )
            )
            continue
        span, word = parts[0], parts[1].lower()
        name = parts[2].strip()[:40] if len(parts) > 2 else ""
        first_text, _, last_text = span.partition("..")
        first = _parse_date(first_text)
        last = _parse_date(last_text) if last_text else first
        if first is None or last is None:
            errors.append(_problem(number, "date", N_("Line {line}: expected a date as YYYY-MM-DD.")))
            continue
        if word not in OFF_WORDS + WORK_WORDS:
            errors.append(_problem(number, "kind", N_("Line {line}: the second word must be off or work.")))
            continue
        if last < first or (last - first).days >= MAX_RANGE_DAYS:
            errors.append(
                _problem(
                    number,
                    "range",
                    N_("Line {line}: a range runs forward and spans at most {days} days."),
                    days=MAX_RANGE_DAYS,
                )
            )
            continue
        day = first
        while day <= last:
            years.add(day.year)
            target, other = (off, work) if word in OFF_WORDS else (work, off)
            if day in other:
                errors.append(
                    _problem(
                        number,
                        "both",
                        N_("Line {line}: {date} is already a {kind} day on line {other}."),
                        date=day.isoformat(),
                        kind="off" if word in WORK_WORDS else "work",
                        other=other[day],
                    )
                )
            elif word in WORK_WORDS and day.weekday() < 5:
                errors.append(
                    _problem(
                        number,
                        "make_up_weekday",
                        N_(
                            "Line {line}: {date} is a weekday; "
                            "only a Saturday or Sunday can be a make-up working day."
                        ),  # noqa: E501
                        date=day.isoformat(),
                    )
                )
            target.setdefault(day, number)
            if name:
                names[day.isoformat()] = name
            day += timedelta(days=1)
    if len(years) > 1:
        errors.append(
            FieldError(
                FIELD,
                "one_year",
                N_("A file holds one year's schedule; this one has dates in {years}."),
                {"years": ", ".join(str(y) for y in sorted(years))},
            )
        )
    if not errors and not off:
        errors.append(FieldError(FIELD, "empty", N_("The file names no holiday.")))
    if errors:
        return ParsedSchedule(None, {}, errors)
    (year,) = years
    return ParsedSchedule(PublishedYear(year, frozenset(off), frozenset(work)), names, [])
