"""Pure rules of execution reports (执行报告, M48 §37; PT §5, §13; HJ 944-2018).

Periods and due dates, the on-time judgement on the FIRST submission, and the
canonical serialisation and hash chain that make submissions tamper-evident.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from domain.permits.reference import ReportKind

PERIOD_PATTERNS = {
    ReportKind.MONTHLY: re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
    ReportKind.QUARTERLY: re.compile(r"^(\d{4})-Q([1-4])$"),
    ReportKind.ANNUAL: re.compile(r"^(\d{4})$"),
}
CHINA = timedelta(hours=8)


@dataclass(frozen=True)
class Period:
    kind: str
    label: str  # 2026-03, 2026-Q1, 2026
    start: date  # first day
    end: date  # last day (inclusive)


def _month_end(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def parse_period(kind: str, label: str) -> Period | None:
    pattern = PERIOD_PATTERNS.get(ReportKind(kind)) if kind in {k.value for k in ReportKind} else None
    match = pattern.match(label or "") if pattern else None
    if not match:
        return None
    year = int(match.group(1))
    if kind == ReportKind.MONTHLY:
        month = int(match.group(2))
        return Period(kind, label, date(year, month, 1), _month_end(year, month))
    if kind == ReportKind.QUARTERLY:
        quarter = int(match.group(2))
        return Period(kind, label, date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter))
    return Period(kind, label, date(year, 1, 1), date(year, 12, 31))


def period_label_example(kind: str) -> str:
    return {"monthly": "2026-03", "quarterly": "2026-Q1", "annual": "2026"}.get(kind, "2026")


def due_date(period: Period, *, monthly_day: int = 15, annual_month: int = 1, annual_day: int = 31) -> date:
    """Monthly and quarterly reports by the 15th of the next month; annual by 31 January (configurable)."""
    if period.kind == ReportKind.ANNUAL:
        return date(period.end.year + 1, annual_month, annual_day)
    following = period.end + timedelta(days=1)
    return date(following.year, following.month, monthly_day)


def periods_between(kind: str, first_day: date, last_day: date) -> list[Period]:
    """Every period of a kind that overlaps [first_day, last_day], in order."""
    periods: list[Period] = []
    year, month = first_day.year, first_day.month
    if kind == ReportKind.ANNUAL:
        for y in range(first_day.year, last_day.year + 1):
            period = parse_period(kind, str(y))
            assert period is not None
            periods.append(period)
        return periods
    step = 1 if kind == ReportKind.MONTHLY else 3
    if kind == ReportKind.QUARTERLY:
        month = 3 * ((month - 1) // 3) + 1
    while date(year, month, 1) <= last_day:
        label = f"{year}-{month:02d}" if kind == ReportKind.MONTHLY else f"{year}-Q{(month - 1) // 3 + 1}"
        period = parse_period(kind, label)
        assert period is not None
        periods.append(period)
        month += step
        if month > 12:
            year, month = year + 1, month - 12
    return periods


def china_date(moment: datetime) -> date:
    return (moment + CHINA).date() if moment.utcoffset() is not None else moment.date()


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
) -> str:
    """SHA-256 over what was filed, when, by whom, and the hash before it (a chain per report)."""
    envelope = {
        "report": report_key,
        "version": version,
        "received_at": received_at.isoformat(),
        "submitted_by": submitted_by,
        "on_behalf_of": on_behalf_of,
        "content": content,
        "previous": previous_hash,
    }
    return hashlib.sha256(canonical_json(envelope).encode("utf-8")).hexdigest()


GENESIS = "0" * 64


def receipt_number(report_id: int, version: int, received_at: datetime) -> str:
    """回执编号: date, report and version — readable on the phone, unique."""
    return f"R{china_date(received_at):%Y%m%d}-{report_id:07d}-{version:02d}"
