"""What the audit rules read in a report, and the thresholds they judge by (local practice, stated in
CATALOGUE.md): pure functions of a ``RuleContext`` and of values, shared by the general and the
industry rules and by the report forms (the annual report's planned and performed runs)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, time, timedelta
from typing import Any

from domain.audit_rules.engine import (
    Entry,
    Finding,
    MonitoringFact,
    ReportPeriod,
    RuleContext,
    SeriesFact,
    differs,
    number,
    once_per_context,
    rule_finding,
    text,
)
from domain.clock import CHINA

IMPLAUSIBLE_FACTOR = 100  # a concentration this many times the limit is most likely a unit error
FLAT_LINE_MIN_READINGS = 24  # automatic data: this many hourly values cannot all equal the maximum
LEDGER_COMPLETENESS_REQUIRED = 0.95  # local practice (JN ch. 2 (2)): below this a ledger is incomplete
COMPLETENESS_TOLERANCE = 0.01  # reported vs computed completeness ratio (absolute)
CONTROL_RUNTIME_SHARE = 0.9  # control facilities run at least this share of production hours
UNIT_ALIASES = {"mg/m³": "mg/m3", "mg/Nm3": "mg/m3", "mg/l": "mg/L", "无量纲": "dimensionless"}


def section(context: RuleContext, name: str) -> dict[str, Any]:
    value = context.content.get(name)
    return value if isinstance(value, dict) else {}


def is_empty(value: object) -> bool:
    """Missing, blank, or a section whose every value is blank."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, dict):
        return all(is_empty(item) for item in value.values())
    if isinstance(value, list):
        return not value
    return False


def moment(value: object) -> datetime | None:
    """An ISO date-time from the report; a time without offset is China Standard Time."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA)


def period_bounds(period: ReportPeriod) -> tuple[datetime, datetime]:
    """[start, end) of a period in China Standard Time."""
    start = datetime.combine(period.start, time(), CHINA)
    return start, datetime.combine(period.end + timedelta(days=1), time(), CHINA)


def days_in(period: ReportPeriod) -> int:
    return (period.end - period.start).days + 1


def months_in(period: ReportPeriod) -> int:
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


# Results per day, and months per result, of the frequencies (expected_results).
_PER_DAY = {"continuous": 24, "hourly": 24, "daily": 1}
_MONTHS_APART = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}


def expected_results(frequency: str, period: ReportPeriod, stopped_days: int = 0) -> int | None:
    """Monitoring results a frequency calls for in a period; None when it is longer than the period. Days
    of a shutdown (停产) call for none: no production, nothing to sample."""
    if frequency in _PER_DAY:
        count = max(0, days_in(period) - stopped_days) * _PER_DAY[frequency]
    elif frequency == "weekly":
        count = max(0, days_in(period) - stopped_days) // 7
    elif frequency in _MONTHS_APART:
        count = months_in(period) // _MONTHS_APART[frequency]
    else:
        count = 0
    return count or None


def same_unit(first: str, second: str) -> bool:
    return UNIT_ALIASES.get(first, first) == UNIT_ALIASES.get(second, second)


def is_dimensionless(entry: Entry) -> bool:
    """pH and the other parameters the permit (or, without a limit, the row) gives as 无量纲."""
    unit = entry.limit.unit if entry.limit is not None else text(entry.row.get("unit"))
    return entry.pollutant == "PH" or same_unit(unit, "dimensionless")


@once_per_context
def sparse(context: RuleContext) -> frozenset[tuple[str, str]]:
    """(point, pollutant) monitored less often than the period (e.g. half-yearly in a monthly report): the
    period owes no figure for them, and their absence is no fault of its report."""
    return frozenset(
        (fact.point, fact.pollutant)
        for fact in context.monitoring
        if expected_results(fact.frequency, context.period, context.stopped_days) is None
    )


def percent(ratio: float) -> float:
    return round(ratio * 100, 1)


def interval(row: dict[str, Any]) -> tuple[datetime, datetime] | None:
    """The row's [start, end] when both times are readable and in order."""
    start, end = moment(row.get("started_at")), moment(row.get("ended_at"))
    if start is None or end is None or end < start:
        return None
    return start, end


def local(value: datetime) -> str:
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


@once_per_context
def reported_pairs(context: RuleContext) -> frozenset[tuple[str, str]]:
    return frozenset((entry.point, entry.pollutant) for entry in context.entries("emissions"))


def part_exceeds_whole(context: RuleContext, code: str, part: str, whole: str) -> Iterator[Finding]:
    """A part reported above its whole at one outlet (BOD5 ≤ COD, NH3-N ≤ TN, Cr(VI) ≤ total Cr)."""
    entries = context.entries("emissions")
    wholes = {entry.point: entry.average for entry in entries if entry.pollutant == whole}
    for entry in entries:
        part_value, whole_value = entry.average, wholes.get(entry.point)
        if (
            entry.pollutant == part
            and part_value is not None
            and whole_value is not None
            and part_value > whole_value
        ):
            yield rule_finding(
                code,
                f"content.emissions[{entry.index}].concentration_avg",
                outlet=entry.point,
                part=part_value,
                whole=whole_value,
            )


def quantity_exceedance(entry: Entry) -> bool:
    """An exceedance of the permitted annual quantity (the ledger's kind annual_quantity), not of a
    concentration: said by the row's kind, or recognised by its limit being the annual quantity."""
    kind = text(entry.row.get("kind"))
    if kind:
        return kind == "annual_quantity"
    limit, stated = entry.limit, number(entry.row.get("limit_value"))
    return bool(
        limit
        and limit.annual_quantity_t is not None
        and stated is not None
        and not differs(stated, limit.annual_quantity_t, 1e-6)
        and differs(stated, limit.concentration_limit, 1e-6)
    )


def permitted_for(entry: Entry) -> tuple[float | None, str]:
    """The permitted value an exceedance row is measured against, and its unit."""
    limit = entry.limit
    if limit is None:
        return None, ""
    if quantity_exceedance(entry):
        return limit.annual_quantity_t, "t"
    return limit.concentration_limit, limit.unit


def overlaps(first: tuple[datetime, datetime], second: tuple[datetime, datetime]) -> bool:
    return first[0] <= second[1] and second[0] <= first[1]


def required_runs(monitoring: Iterable[MonitoringFact], period: ReportPeriod) -> int:
    """Monitoring runs the permit's frequencies call for in a period (the annual report's "planned").

    One automatic record or one manual sample at a point covers every pollutant monitored there
    with the same method and frequency, so a run is (point, method, frequency)."""
    runs = {(fact.point, fact.method, fact.frequency) for fact in monitoring}
    return sum(expected_results(frequency, period) or 0 for _, _, frequency in runs)


def recorded_runs(monitoring: Iterable[MonitoringFact], series: dict[tuple[str, str], SeriesFact]) -> int:
    """Monitoring runs the ledger holds (the annual report's "performed"): a run counts as often as
    its best-recorded pollutant."""
    runs: dict[tuple[str, str, str], int] = {}
    for fact in monitoring:
        found = series.get((fact.point, fact.pollutant))
        key = (fact.point, fact.method, fact.frequency)
        runs[key] = max(runs.get(key, 0), found.readings if found else 0)
    return sum(runs.values())
