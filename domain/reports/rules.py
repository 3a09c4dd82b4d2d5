"""Pure rules of execution reports (执行报告, M48 §37; PT §5, §13; HJ 944-2018).

Periods and due dates, the on-time judgement on the FIRST submission, the
canonical serialisation and hash chain that make submissions tamper-evident, and
what a feedback form and the unit's answer to it must hold.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from domain.clock import CHINA_OFFSET
from domain.errors import N_, FieldError
from domain.permits.reference import ReportKind

PERIOD_PATTERNS = {
    ReportKind.MONTHLY: re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
    ReportKind.QUARTERLY: re.compile(r"^(\d{4})-Q([1-4])$"),
    ReportKind.SEMIANNUAL: re.compile(r"^(\d{4})-H([12])$"),
    ReportKind.ANNUAL: re.compile(r"^(\d{4})$"),
}
_KIND_VALUES = frozenset(k.value for k in ReportKind)
KIND_ORDER = (ReportKind.MONTHLY, ReportKind.QUARTERLY, ReportKind.SEMIANNUAL, ReportKind.ANNUAL)
MONTHS_PER_PERIOD = {
    ReportKind.MONTHLY: 1,
    ReportKind.QUARTERLY: 3,
    ReportKind.SEMIANNUAL: 6,
    ReportKind.ANNUAL: 12,
}


@dataclass(frozen=True)
class Period:
    kind: str
    label: str  # 2026-03, 2026-Q1, 2026-H1, 2026
    start: date  # first day
    end: date  # last day (inclusive)


def _month_end(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def _label(kind: str, year: int, month: int) -> str:
    """The label of the period of a kind that begins in (year, month)."""
    if kind == ReportKind.MONTHLY:
        return f"{year}-{month:02d}"
    if kind == ReportKind.QUARTERLY:
        return f"{year}-Q{(month - 1) // 3 + 1}"
    if kind == ReportKind.SEMIANNUAL:
        return f"{year}-H{(month - 1) // 6 + 1}"
    return str(year)


def parse_period(kind: str, label: str) -> Period | None:
    pattern = PERIOD_PATTERNS.get(ReportKind(kind)) if kind in _KIND_VALUES else None
    match = pattern.match(label or "") if pattern else None
    if not match:
        return None
    year = int(match.group(1))
    span = MONTHS_PER_PERIOD[ReportKind(kind)]
    first_month = 1 if kind == ReportKind.ANNUAL else (int(match.group(2)) - 1) * span + 1
    return Period(kind, label, date(year, first_month, 1), _month_end(year, first_month + span - 1))


def period_label_example(kind: str) -> str:
    return {"monthly": "2026-03", "quarterly": "2026-Q1", "semiannual": "2026-H1", "annual": "2026"}.get(
        kind, "2026"
    )


# Defaults of the technical specifications (HJ 944-2018; docs/report-schedule.md): the day of
# the month after the period by which its report is due. Monthly and quarterly by the 15th, the first
# half-year by 15 July, the year by 31 January. A deployment overrides them (settings), a permit's copy
# overrides both.
DEFAULT_DUE_DAYS = {"monthly": 15, "quarterly": 15, "semiannual": 15, "annual": 31}


def due_date(period: Period, due_days: Mapping[str, int] | None = None) -> date:
    """The day of the month after the period (``due_days`` per kind, else the defaults), at most the
    month's last day."""
    day = (due_days or {}).get(period.kind) or DEFAULT_DUE_DAYS.get(period.kind, 15)
    following = period.end + timedelta(days=1)
    return date(following.year, following.month, min(day, _month_end(following.year, following.month).day))


def periods_between(kind: str, first_day: date, last_day: date) -> list[Period]:
    """Every period of a kind that overlaps [first_day, last_day], in order."""
    span = MONTHS_PER_PERIOD[ReportKind(kind)]
    periods: list[Period] = []
    year, month = first_day.year, (first_day.month - 1) // span * span + 1
    while date(year, month, 1) <= last_day:
        period = parse_period(kind, _label(kind, year, month))
        assert period is not None
        periods.append(period)
        month += span
        if month > 12:
            year, month = year + 1, month - 12
    return periods


# ---------------------------------------------------------------------------
# What a permit requires: holding-period exemptions and folding (HJ 944-2018; docs/report-schedule.md)
# ---------------------------------------------------------------------------

SHORT_HOLDING = "short_holding"  # held too short a time in the period: its content goes into the next report
FOLDED = "folded"  # the permit lets a longer report stand for this one


@dataclass(frozen=True)
class ReportTerms:
    """What the permit's copy says about its reports: the kinds, by when (day of the following month, per
    kind, the deployment's defaults filled in) and whether the longer reports stand for the shorter."""

    kinds: tuple[str, ...]
    due_days: Mapping[str, int]
    folding: bool = False


@dataclass(frozen=True)
class PlannedPeriod:
    """One period of one kind the permit's validity touches, owed or not."""

    period: Period  # its start reaches back to the permit's first day when an exempt period folds into it
    due_date: date
    reason: str | None = None  # None when the report is owed; SHORT_HOLDING or FOLDED when not
    covered_by: Period | None = None  # the owed report whose content includes this period's

    @property
    def kind(self) -> str:
        return self.period.kind

    @property
    def owed(self) -> bool:
        return self.reason is None

    @property
    def begins(self) -> date:
        """The first day of the calendar period itself (before any exempt period folded into it)."""
        period = parse_period(self.period.kind, self.period.label)
        assert period is not None
        return period.start


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, _month_end(year, month).day))


def held_too_short(kind: str, period: Period, valid_from: date) -> bool:
    """A permit taking effect inside the period was held less than the specifications ask for a report:
    a month less than 10 days, a quarter less than a month, a half-year or a year less than three months."""
    if not period.start < valid_from <= period.end:
        return False
    after_end = period.end + timedelta(days=1)
    if kind == ReportKind.MONTHLY:
        return (after_end - valid_from).days < 10
    return _add_months(valid_from, 1 if kind == ReportKind.QUARTERLY else 3) > after_end


def _folding_target(item: PlannedPeriod, kinds: tuple[str, ...], folding: bool) -> tuple[str, str] | None:
    """The (kind, label) of the longer report that stands for this one, if any: the annual report always
    covers the second half-year; where the permit allows, the quarterly report covers the quarter's last
    month and the annual report the fourth quarter and December."""
    period = item.period
    if period.kind == ReportKind.SEMIANNUAL and period.end.month == 12:
        return (ReportKind.ANNUAL, str(period.end.year))
    if not folding:
        return None
    if period.kind == ReportKind.MONTHLY and period.end.month % 3 == 0:
        if ReportKind.QUARTERLY in kinds:
            return (ReportKind.QUARTERLY, _label(ReportKind.QUARTERLY, period.end.year, period.end.month))
        if period.end.month == 12:
            return (ReportKind.ANNUAL, str(period.end.year))
    if period.kind == ReportKind.QUARTERLY and period.end.month == 12:
        return (ReportKind.ANNUAL, str(period.end.year))
    return None


def plan(terms: ReportTerms, valid_from: date, valid_until: date) -> list[PlannedPeriod]:
    """Every period of every kind the permit requires over its validity, oldest first, each owed or saying
    why not and which report covers it. A period held too short folds into the next period of its kind
    (whose start then reaches back to the permit's first day); a folded period into the longer report of
    the same end, unless that one is itself exempt."""
    by_key: dict[tuple[str, str], PlannedPeriod] = {}
    order: list[tuple[str, str]] = []
    kinds = tuple(k for k in KIND_ORDER if k in terms.kinds)
    for kind in kinds:
        periods = periods_between(kind, valid_from, valid_until)
        pending: Period | None = None  # an exempt period waiting for the next one to take its content
        for period in periods:
            if held_too_short(kind, period, valid_from):
                item = PlannedPeriod(period, due_date(period, terms.due_days), SHORT_HOLDING)
                pending = period
            else:
                if pending is not None:
                    period = replace(period, start=valid_from)
                item = PlannedPeriod(period, due_date(period, terms.due_days))
                if pending is not None:
                    key = (pending.kind, pending.label)
                    by_key[key] = replace(by_key[key], covered_by=period)
                    pending = None
            by_key[(kind, period.label)] = item
            order.append((kind, period.label))
    # Folding runs from the longest kind down, so a month folds into a quarter already folded into a year.
    for key in sorted(order, key=lambda k: -MONTHS_PER_PERIOD[ReportKind(k[0])]):
        item = by_key[key]
        if not item.owed:
            continue
        target = _folding_target(item, kinds, terms.folding)
        covering = by_key.get(target) if target else None
        if covering is not None and covering.reason != SHORT_HOLDING:
            by_key[key] = replace(item, reason=FOLDED, covered_by=covering.covered_by or covering.period)
    # An exempt period's cover may itself be folded: name the report that finally carries its content.
    for key in order:
        item = by_key[key]
        seen = 0
        while item.covered_by is not None and seen < 4:
            cover = by_key.get((item.covered_by.kind, item.covered_by.label))
            if cover is None or cover.covered_by is None:
                break
            item = replace(item, covered_by=cover.covered_by)
            seen += 1
        by_key[key] = item
    return [by_key[key] for key in order]


def china_date(moment: datetime) -> date:
    return (moment + CHINA_OFFSET).date() if moment.utcoffset() is not None else moment.date()


def on_time(first_submitted_at: datetime, due: date) -> bool:
    """Judged on the first submission only (JN ch. 3 (4)): received in China on or before the due date."""
    return china_date(first_submitted_at) <= due


def canonical_json(value: Any) -> str:
    """One serialisation for one content: sorted keys, no whitespace, UTF-8 kept, floats as repr."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def submission_hash(
    *,
    report_key: str,
    version: int,
    received_at: datetime,
    submitted_by: str,
    on_behalf_of: str | None,
    content: Any,
    previous_hash: str,
    attachments: Sequence[Mapping[str, Any]] = (),
    imported_from: str | None = None,
) -> str:
    """SHA-256 over what was filed, when, by whom, and the hash before it (a chain per report). The files
    filed with it (names, sizes, hashes) are part of it when there are any (a filing without files hashes
    as it always did), and so is the source of a submission imported from the national platform (its
    ``received_at`` is then the platform's time)."""
    envelope: dict[str, Any] = {
        "report": report_key,
        "version": version,
        "received_at": received_at.isoformat(),
        "submitted_by": submitted_by,
        "on_behalf_of": on_behalf_of,
        "content": content,
        "previous": previous_hash,
    }
    if attachments:
        envelope["attachments"] = [dict(a) for a in attachments]
    if imported_from is not None:
        envelope["imported_from"] = imported_from
    return hashlib.sha256(canonical_json(envelope).encode("utf-8")).hexdigest()


GENESIS = "0" * 64
# A filing's idempotency key (the column's width): the same key again answers with the first filing.
IDEMPOTENCY_KEY_MAX = 80


def receipt_number(report_id: int, version: int, received_at: datetime) -> str:
    """回执编号: date, report and version — readable on the phone, unique."""
    return f"R{china_date(received_at):%Y%m%d}-{report_id:07d}-{version:02d}"


# ---------------------------------------------------------------------------
# Review (PT §5): one feedback form listing every problem, the unit's answer
# ---------------------------------------------------------------------------

PROBLEM_MAX = 2000  # a problem of a feedback form (the column's width)
FIELD_PATH_MAX = 200  # the content path a problem faults
RULE_CODE_MAX = 16
RESPONSE_MAX = 5000  # the unit's answer to a feedback form


@dataclass(frozen=True)
class FeedbackItemInput:
    """One problem of a feedback form as a reviewer writes it."""

    problem: str
    field: str = ""  # the content path it faults (content.emissions[0].quantity_t), or nothing
    rule_code: str | None = None  # the audit rule it concerns
    is_violation: bool = False  # passed to enforcement at once


def _too_long(field: str, value: str, limit: int) -> FieldError:
    return FieldError(
        field,
        "too_long",
        N_("At most {limit} characters (got {length})."),
        {"limit": limit, "length": len(value)},
    )


def feedback_errors(
    items: Sequence[FeedbackItemInput], deadline: date | None, *, on: date, picked: int = 0
) -> list[FieldError]:
    """Everything wrong with a feedback form, at once: it lists at least one problem (``picked``: the audit
    findings chosen besides the problems written), each written problem says something and fits, and
    the deadline is after ``on`` (None: no date was given, which the caller names). Problems are named
    ``items[i]`` in the order written; nothing is cut to fit."""
    errors: list[FieldError] = []
    if not items and not picked:
        errors.append(FieldError("items", "required", N_("List at least one problem.")))
    for index, item in enumerate(items):
        problem = (item.problem or "").strip()
        if not problem:
            errors.append(FieldError(f"items[{index}].problem", "required", N_("This field is required.")))
        elif len(problem) > PROBLEM_MAX:
            errors.append(_too_long(f"items[{index}].problem", problem, PROBLEM_MAX))
        if len(item.field or "") > FIELD_PATH_MAX:
            errors.append(_too_long(f"items[{index}].field", item.field, FIELD_PATH_MAX))
        if len(item.rule_code or "") > RULE_CODE_MAX:
            errors.append(_too_long(f"items[{index}].rule_code", item.rule_code or "", RULE_CODE_MAX))
    if deadline is not None and deadline <= on:
        errors.append(FieldError("deadline", "past", N_("The deadline must be after today.")))
    return errors


def response_errors(response: str) -> list[FieldError]:
    """The unit's answer to a feedback form says something and fits (it is never cut)."""
    text = (response or "").strip()
    if not text:
        return [FieldError("response", "required", N_("This field is required."))]
    if len(text) > RESPONSE_MAX:
        return [_too_long("response", text, RESPONSE_MAX)]
    return []


def answered_late(deadline: date, on: date) -> bool:
    """An answer to a feedback form (an explanation or a corrected version) given on ``on``, the server's
    date, is late after the form's deadline day (PT §5: "在约定的时间内")."""
    return on > deadline
