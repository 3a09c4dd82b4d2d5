"""General audit rules (every industry). Codes G001…; each has a test with a passing and a failing report."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

from domain.audit_rules.engine import (
    ERROR,
    WARNING,
    ExceedanceFact,
    Finding,
    MonitoringFact,
    RuleContext,
    SeriesFact,
    differs,
    number,
    rule,
)
from domain.clock import CHINA
from domain.errors import N_
from domain.ledgers.rules import AUTOMATIC_COVERAGE_REQUIRED
from domain.reports.rules import Period


@rule(
    "G001",
    severity=ERROR,
    field="content.emissions[].concentration_max",
    title=N_("A reported concentration above the permitted one has an exceedance explanation"),
    message=N_(
        "{outlet} {pollutant}: reported maximum {reported} exceeds the permitted {limit} {unit}, "
        "but no exceedance is explained."
    ),
)
def reported_exceedance_explained(context: RuleContext) -> Iterator[Finding]:
    explained = {
        (str(row.get("outlet")), str(row.get("pollutant")))
        for _, row in context.rows("exceedances")
        if str(row.get("cause") or "").strip()
    }
    for index, row in context.rows("emissions"):
        point, pollutant = str(row.get("outlet")), str(row.get("pollutant"))
        limit = context.limit(point, pollutant)
        reported = number(row.get("concentration_max"))
        if (
            limit
            and reported is not None
            and reported > limit.concentration_limit
            and (point, pollutant) not in explained
        ):
            yield rule_finding(
                "G001",
                f"content.emissions[{index}].concentration_max",
                outlet=point,
                pollutant=pollutant,
                reported=reported,
                limit=limit.concentration_limit,
                unit=limit.unit,
            )


@rule(
    "G002",
    severity=ERROR,
    field="content.emissions",
    title=N_("Every main outlet of the permit is in the report"),
    message=N_("Main outlet {outlet} ({pollutant}) is missing from the emissions section."),
)
def main_outlets_reported(context: RuleContext) -> Iterator[Finding]:
    reported = {(str(row.get("outlet")), str(row.get("pollutant"))) for _, row in context.rows("emissions")}
    # A pollutant monitored less often than the period (e.g. quarterly in a monthly report) owes no figure.
    not_due = sparse(context)
    for fact in context.limits:
        key = (fact.point, fact.pollutant)
        if fact.outlet_kind == "main" and key not in reported and key not in not_due:
            yield rule_finding("G002", "content.emissions", outlet=fact.point, pollutant=fact.pollutant)


@rule(
    "G003",
    severity=ERROR,
    field="content.emissions[].concentration_avg",
    title=N_("Reported concentrations agree with the ledger and automatic monitoring data"),
    message=N_(
        "{outlet} {pollutant}: the report says {reported} {unit} on average, the ledger says {recorded} {unit}."  # noqa: E501
    ),
)
def concentration_reconciles(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        point, pollutant = str(row.get("outlet")), str(row.get("pollutant"))
        fact = context.series.get((point, pollutant))
        reported = number(row.get("concentration_avg"))
        if fact is None or fact.concentration_avg is None or reported is None:
            continue
        if differs(reported, fact.concentration_avg, context.tolerance):
            limit = context.limit(point, pollutant)
            yield rule_finding(
                "G003",
                f"content.emissions[{index}].concentration_avg",
                outlet=point,
                pollutant=pollutant,
                reported=reported,
                recorded=round(fact.concentration_avg, 4),
                unit=limit.unit if limit else "",
            )


@rule(
    "G004",
    severity=ERROR,
    field="content.emissions[].quantity_t",
    title=N_("Reported quantities agree with the ledger's actual emissions"),
    message=N_(
        "{outlet} {pollutant}: the report says {reported} t, the ledger's actual emissions are {recorded} t."
    ),
)
def quantity_reconciles(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        point, pollutant = str(row.get("outlet")), str(row.get("pollutant"))
        fact = context.series.get((point, pollutant))
        reported = number(row.get("quantity_t"))
        if fact is None or fact.quantity_t is None or reported is None:
            continue
        if differs(reported, fact.quantity_t, context.tolerance):
            yield rule_finding(
                "G004",
                f"content.emissions[{index}].quantity_t",
                outlet=point,
                pollutant=pollutant,
                reported=reported,
                recorded=round(fact.quantity_t, 4),
            )


@rule(
    "G005",
    severity=ERROR,
    field="period",
    title=N_("The report period lies within the permit's validity"),
    message=N_("The period {period} is outside the permit's validity ({valid_from} to {valid_until})."),
)
def period_within_validity(context: RuleContext) -> Iterator[Finding]:
    start, end = context.permit_valid_from, context.permit_valid_until
    if start is None or end is None:
        return
    if context.period.end < start or context.period.start > end:
        yield rule_finding(
            "G005",
            "period",
            period=context.period.label,
            valid_from=start.isoformat(),
            valid_until=end.isoformat(),
        )


@rule(
    "G006",
    severity=WARNING,
    field="content.statement",
    title=N_("The report carries the unit's statement"),
    message=N_("The statement of the unit is empty."),
)
def statement_present(context: RuleContext) -> Iterator[Finding]:
    if not str(context.content.get("statement") or "").strip():
        yield rule_finding("G006", "content.statement")


def rule_finding(code: str, field_path: str, **params: object) -> Finding:
    from domain.audit_rules.engine import _REGISTRY

    return _REGISTRY[code].finding(field_path, **{name: tidy(value) for name, value in params.items()})


def tidy(value: object) -> object:
    """Figures as people write them: 40 rather than 40.0 (numbers are parsed as floats)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


# ---------------------------------------------------------------------------
# Helpers shared by the rules (pure functions of values)
# ---------------------------------------------------------------------------

IMPLAUSIBLE_FACTOR = 100  # a concentration this many times the limit is most likely a unit error
FLAT_LINE_MIN_READINGS = 24  # automatic data: this many hourly values cannot all equal the maximum
LEDGER_COMPLETENESS_REQUIRED = 0.95  # local practice (JN ch. 2 (2)): below this a ledger is incomplete
COMPLETENESS_TOLERANCE = 0.01  # reported vs computed completeness ratio (absolute)
CONTROL_RUNTIME_SHARE = 0.9  # control facilities run at least this share of production hours
UNIT_ALIASES = {"mg/m³": "mg/m3", "mg/Nm3": "mg/m3", "mg/l": "mg/L", "无量纲": "dimensionless"}


def text(value: object) -> str:
    return str(value).strip() if value is not None else ""


def key_of(row: dict[str, Any]) -> tuple[str, str]:
    return text(row.get("outlet")), text(row.get("pollutant"))


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


def period_bounds(period: Period) -> tuple[datetime, datetime]:
    """[start, end) of a period in China Standard Time."""
    start = datetime.combine(period.start, time(), CHINA)
    return start, datetime.combine(period.end + timedelta(days=1), time(), CHINA)


def days_in(period: Period) -> int:
    return (period.end - period.start).days + 1


def months_in(period: Period) -> int:
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


def expected_results(frequency: str, period: Period, stopped_days: int = 0) -> int | None:
    """Monitoring results a frequency calls for in a period; None when it is longer than the period. Days
    of a shutdown (停产) call for none: no production, nothing to sample."""
    days, months = max(0, days_in(period) - stopped_days), months_in(period)
    count = {
        "continuous": days * 24,
        "hourly": days * 24,
        "daily": days,
        "weekly": days // 7,
        "monthly": months,
        "quarterly": months // 3,
        "semiannual": months // 6,
        "annual": months // 12,
    }.get(frequency, 0)
    return count or None


def monitoring_of(context: RuleContext, point: str, pollutant: str) -> MonitoringFact | None:
    for fact in context.monitoring:
        if fact.point == point and fact.pollutant == pollutant:
            return fact
    return None


def same_unit(first: str, second: str) -> bool:
    return UNIT_ALIASES.get(first, first) == UNIT_ALIASES.get(second, second)


def is_dimensionless(context: RuleContext, row: dict[str, Any]) -> bool:
    """pH and the other parameters the permit (or, without a limit, the row) gives as 无量纲."""
    point, pollutant = key_of(row)
    limit = context.limit(point, pollutant)
    unit = limit.unit if limit is not None else text(row.get("unit"))
    return pollutant == "PH" or same_unit(unit, "dimensionless")


def sparse(context: RuleContext) -> set[tuple[str, str]]:
    """(point, pollutant) monitored less often than the period (e.g. half-yearly in a monthly report): the
    period owes no figure for them, and their absence is no fault of its report."""
    return {
        (fact.point, fact.pollutant)
        for fact in context.monitoring
        if expected_results(fact.frequency, context.period, context.stopped_days) is None
    }


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


def reported_pairs(context: RuleContext) -> set[tuple[str, str]]:
    return {key_of(row) for _, row in context.rows("emissions")}


def part_exceeds_whole(context: RuleContext, code: str, part: str, whole: str) -> Iterator[Finding]:
    """A part reported above its whole at one outlet (BOD5 ≤ COD, NH3-N ≤ TN, Cr(VI) ≤ total Cr)."""
    wholes = {
        key_of(row)[0]: number(row.get("concentration_avg"))
        for _, row in context.rows("emissions")
        if key_of(row)[1] == whole
    }
    for index, row in context.rows("emissions"):
        point, pollutant = key_of(row)
        part_value, whole_value = number(row.get("concentration_avg")), wholes.get(point)
        if (
            pollutant == part
            and part_value is not None
            and whole_value is not None
            and part_value > whole_value
        ):
            yield rule_finding(
                code,
                f"content.emissions[{index}].concentration_avg",
                outlet=point,
                part=part_value,
                whole=whole_value,
            )


def quantity_exceedance(context: RuleContext, row: dict[str, Any]) -> bool:
    """An exceedance of the permitted annual quantity (the ledger's kind annual_quantity), not of a
    concentration: said by the row's kind, or recognised by its limit being the annual quantity."""
    kind = text(row.get("kind"))
    if kind:
        return kind == "annual_quantity"
    limit, stated = context.limit(*key_of(row)), number(row.get("limit_value"))
    return bool(
        limit
        and limit.annual_quantity_t is not None
        and stated is not None
        and not differs(stated, limit.annual_quantity_t, 1e-6)
        and differs(stated, limit.concentration_limit, 1e-6)
    )


def permitted_for(context: RuleContext, row: dict[str, Any]) -> tuple[float | None, str]:
    """The permitted value an exceedance row is measured against, and its unit."""
    limit = context.limit(*key_of(row))
    if limit is None:
        return None, ""
    if quantity_exceedance(context, row):
        return limit.annual_quantity_t, "t"
    return limit.concentration_limit, limit.unit


def overlaps(first: tuple[datetime, datetime], second: tuple[datetime, datetime]) -> bool:
    return first[0] <= second[1] and second[0] <= first[1]


# ---------------------------------------------------------------------------
# Emissions: compliance judgement, consistency, plausibility (M48 §37 (1))
# ---------------------------------------------------------------------------


@rule(
    "G007",
    severity=ERROR,
    field="content.emissions[].compliant",
    title=N_("A row judged compliant does not exceed the permitted concentration"),
    message=N_(
        "{outlet} {pollutant}: judged compliant, but the reported maximum {reported} exceeds "
        "the permitted {limit} {unit}."
    ),
)
def compliant_within_limit(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        point, pollutant = key_of(row)
        limit, reported = context.limit(point, pollutant), number(row.get("concentration_max"))
        if (
            row.get("compliant") is True
            and limit
            and reported is not None
            and reported > limit.concentration_limit
        ):
            yield rule_finding(
                "G007",
                f"content.emissions[{index}].compliant",
                outlet=point,
                pollutant=pollutant,
                reported=reported,
                limit=limit.concentration_limit,
                unit=limit.unit,
            )


@rule(
    "G008",
    severity=WARNING,
    field="content.emissions[].compliant",
    title=N_("A row judged not compliant has a figure above the permitted concentration"),
    message=N_(
        "{outlet} {pollutant}: judged not compliant, but the reported maximum {reported} is within "
        "the permitted {limit} {unit}."
    ),
)
def noncompliant_has_reason(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        point, pollutant = key_of(row)
        limit, reported = context.limit(point, pollutant), number(row.get("concentration_max"))
        if (
            row.get("compliant") is False
            and limit
            and reported is not None
            and reported <= limit.concentration_limit
        ):
            yield rule_finding(
                "G008",
                f"content.emissions[{index}].compliant",
                outlet=point,
                pollutant=pollutant,
                reported=reported,
                limit=limit.concentration_limit,
                unit=limit.unit,
            )


@rule(
    "G009",
    severity=ERROR,
    field="content.emissions[].compliant",
    title=N_("Every emission row carries a compliance judgement"),
    message=N_("{outlet} {pollutant}: no compliance judgement is given."),
)
def compliance_judged(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        if not isinstance(row.get("compliant"), bool):
            point, pollutant = key_of(row)
            yield rule_finding(
                "G009", f"content.emissions[{index}].compliant", outlet=point, pollutant=pollutant
            )


@rule(
    "G010",
    severity=ERROR,
    field="content.emissions[].concentration_avg",
    title=N_("The average concentration is not above the maximum"),
    message=N_("{outlet} {pollutant}: the average {average} is above the maximum {maximum}."),
)
def average_within_maximum(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        average, maximum = number(row.get("concentration_avg")), number(row.get("concentration_max"))
        if average is not None and maximum is not None and average > maximum:
            point, pollutant = key_of(row)
            yield rule_finding(
                "G010",
                f"content.emissions[{index}].concentration_avg",
                outlet=point,
                pollutant=pollutant,
                average=average,
                maximum=maximum,
            )


@rule(
    "G011",
    severity=ERROR,
    field="content.emissions[].outlet",
    title=N_("Every reported outlet is in the permit"),
    message=N_("{outlet} is not an outlet or source of the permit."),
)
def outlet_in_permit(context: RuleContext) -> Iterator[Finding]:
    points = {fact.point for fact in context.limits}
    if not points:
        return
    for index, row in context.rows("emissions"):
        point, _ = key_of(row)
        if point not in points:
            yield rule_finding("G011", f"content.emissions[{index}].outlet", outlet=point)


@rule(
    "G012",
    severity=ERROR,
    field="content.emissions[].pollutant",
    title=N_("Every reported pollutant is permitted at its outlet"),
    message=N_("{outlet}: the permit sets no limit for {pollutant} at this outlet."),
)
def pollutant_in_permit(context: RuleContext) -> Iterator[Finding]:
    points = {fact.point for fact in context.limits}
    for index, row in context.rows("emissions"):
        point, pollutant = key_of(row)
        if point in points and context.limit(point, pollutant) is None:
            yield rule_finding(
                "G012", f"content.emissions[{index}].pollutant", outlet=point, pollutant=pollutant
            )


@rule(
    "G013",
    severity=ERROR,
    field="content.emissions[]",
    title=N_("Each outlet and pollutant is reported once"),
    message=N_("{outlet} {pollutant} is reported twice (rows {first} and {second})."),
)
def no_duplicate_rows(context: RuleContext) -> Iterator[Finding]:
    seen: dict[tuple[str, str], int] = {}
    for index, row in context.rows("emissions"):
        key = key_of(row)
        if key in seen:
            yield rule_finding(
                "G013",
                f"content.emissions[{index}]",
                outlet=key[0],
                pollutant=key[1],
                first=seen[key] + 1,
                second=index + 1,
            )
        else:
            seen[key] = index


@rule(
    "G014",
    severity=ERROR,
    field="content.emissions[].unit",
    title=N_("Concentrations are reported in the permit's unit"),
    message=N_("{outlet} {pollutant}: reported in {reported_unit}, but the permit sets the limit in {unit}."),
)
def unit_matches_permit(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        point, pollutant = key_of(row)
        limit, unit = context.limit(point, pollutant), text(row.get("unit"))
        if limit and unit and not same_unit(unit, limit.unit):
            yield rule_finding(
                "G014",
                f"content.emissions[{index}].unit",
                outlet=point,
                pollutant=pollutant,
                reported_unit=unit,
                unit=limit.unit,
            )


@rule(
    "G015",
    severity=ERROR,
    field="content.emissions[].concentration_avg",
    title=N_("Every measured emission row gives its average and maximum concentration"),
    message=N_("{outlet} {pollutant}: the average or maximum concentration is missing."),
)
def concentrations_given(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        point, pollutant = key_of(row)
        if text(row.get("method")) == "factor":
            continue  # quantities from emission factors or material balance come without a concentration
        for name in ("concentration_avg", "concentration_max"):
            if number(row.get(name)) is None:
                yield rule_finding(
                    "G015", f"content.emissions[{index}].{name}", outlet=point, pollutant=pollutant
                )


@rule(
    "G016",
    severity=ERROR,
    field="content.emissions[].quantity_t",
    title=N_("A quantity is reported where the permit sets an annual quantity"),
    message=N_(
        "{outlet} {pollutant}: the permit limits the annual quantity to {limit} t, "
        "but no quantity is reported."
    ),
)
def quantity_given(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        point, pollutant = key_of(row)
        limit = context.limit(point, pollutant)
        if limit and limit.annual_quantity_t is not None and number(row.get("quantity_t")) is None:
            yield rule_finding(
                "G016",
                f"content.emissions[{index}].quantity_t",
                outlet=point,
                pollutant=pollutant,
                limit=limit.annual_quantity_t,
            )


@rule(
    "G017",
    severity=WARNING,
    field="content.emissions[].concentration_max",
    title=N_("Concentrations are plausible (not many times the limit: a unit error?)"),
    message=N_(
        "{outlet} {pollutant}: the maximum {reported} is more than {factor} times the permitted "
        "{limit} {unit}; check the unit."
    ),
)
def concentration_plausible(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        point, pollutant = key_of(row)
        limit, reported = context.limit(point, pollutant), number(row.get("concentration_max"))
        if (
            limit
            and reported is not None
            and limit.concentration_limit > 0
            and reported > IMPLAUSIBLE_FACTOR * limit.concentration_limit
        ):
            yield rule_finding(
                "G017",
                f"content.emissions[{index}].concentration_max",
                outlet=point,
                pollutant=pollutant,
                reported=reported,
                limit=limit.concentration_limit,
                unit=limit.unit,
                factor=IMPLAUSIBLE_FACTOR,
            )


@rule(
    "G018",
    severity=ERROR,
    field="content.emissions[].concentration_max",
    title=N_("The reported maximum is not below the ledger's maximum"),
    message=N_(
        "{outlet} {pollutant}: the report gives a maximum of {reported} {unit}, "
        "the ledger recorded {recorded} {unit}."
    ),
)
def maximum_not_understated(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        point, pollutant = key_of(row)
        fact = context.series.get((point, pollutant))
        reported = number(row.get("concentration_max"))
        if fact is None or fact.concentration_max is None or reported is None:
            continue
        if reported < fact.concentration_max and differs(reported, fact.concentration_max, context.tolerance):
            limit = context.limit(point, pollutant)
            yield rule_finding(
                "G018",
                f"content.emissions[{index}].concentration_max",
                outlet=point,
                pollutant=pollutant,
                reported=reported,
                recorded=round(fact.concentration_max, 4),
                unit=limit.unit if limit else text(row.get("unit")),
            )


@rule(
    "G019",
    severity=ERROR,
    field="content.emissions[].quantity_t",
    title=N_("The quantity stays within the permitted annual quantity"),
    message=N_(
        "{outlet} {pollutant}: {reported} t in {period} exceeds the permitted annual quantity of {limit} t."
    ),
)
def quantity_within_annual_limit(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        point, pollutant = key_of(row)
        limit, reported = context.limit(point, pollutant), number(row.get("quantity_t"))
        if (
            limit
            and limit.annual_quantity_t is not None
            and reported is not None
            and reported > limit.annual_quantity_t
        ):
            yield rule_finding(
                "G019",
                f"content.emissions[{index}].quantity_t",
                outlet=point,
                pollutant=pollutant,
                reported=reported,
                limit=limit.annual_quantity_t,
                period=context.period.label,
            )


@rule(
    "G020",
    severity=WARNING,
    field="content.emissions[].quantity_t",
    title=N_("No zero quantity where concentrations were measured"),
    message=N_(
        "{outlet} {pollutant}: the quantity is 0 t, yet the average concentration is {average} "
        "and the ledger holds {readings} monitoring results."
    ),
)
def quantity_not_zero_when_measured(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        point, pollutant = key_of(row)
        fact = context.series.get((point, pollutant))
        quantity, average = number(row.get("quantity_t")), number(row.get("concentration_avg"))
        if is_dimensionless(context, row):
            continue  # G069: no quantity at all
        if quantity == 0 and average and average > 0 and fact is not None and fact.readings > 0:
            yield rule_finding(
                "G020",
                f"content.emissions[{index}].quantity_t",
                outlet=point,
                pollutant=pollutant,
                average=average,
                readings=fact.readings,
            )


# ---------------------------------------------------------------------------
# Self-monitoring behind the figures (M48 §36; PT §5: ecology section)
# ---------------------------------------------------------------------------


@rule(
    "G021",
    severity=ERROR,
    field="content.emissions[].method",
    title=N_("The stated method agrees with the ledger's method"),
    message=N_(
        "{outlet} {pollutant}: the report states a different method from the one behind the ledger's "
        "figures (see the ledger)."
    ),
)
def method_matches_ledger(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        point, pollutant = key_of(row)
        fact = context.series.get((point, pollutant))
        method = text(row.get("method"))
        if fact and fact.method in ("automatic", "manual", "factor") and method and method != fact.method:
            yield rule_finding(
                "G021",
                f"content.emissions[{index}].method",
                outlet=point,
                pollutant=pollutant,
                reported=method,
                recorded=fact.method,
            )


@rule(
    "G022",
    severity=ERROR,
    field="content.emissions[].method",
    title=N_("Where the permit requires automatic monitoring, manual data are not reported instead"),
    message=N_(
        "{outlet} {pollutant}: the permit requires automatic monitoring, but the report states manual "
        "monitoring (M48 §36: emission factors apply where automatic data are missing)."
    ),
)
def automatic_not_replaced_by_manual(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        point, pollutant = key_of(row)
        fact = monitoring_of(context, point, pollutant)
        if fact and fact.method == "automatic" and text(row.get("method")) == "manual":
            yield rule_finding(
                "G022", f"content.emissions[{index}].method", outlet=point, pollutant=pollutant
            )


@rule(
    "G023",
    severity=WARNING,
    field="content.emissions[].method",
    title=N_("Automatic monitoring delivered enough valid data"),
    message=N_(
        "{outlet} {pollutant}: automatic monitoring gave valid data for {coverage} per cent of the hours; "
        "at least {required} % are required."
    ),
)
def automatic_coverage_sufficient(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        point, pollutant = key_of(row)
        required, fact = monitoring_of(context, point, pollutant), context.series.get((point, pollutant))
        if (
            required
            and required.method == "automatic"
            and fact
            and 0 < fact.automatic_coverage < AUTOMATIC_COVERAGE_REQUIRED
        ):
            yield rule_finding(
                "G023",
                f"content.emissions[{index}].method",
                outlet=point,
                pollutant=pollutant,
                coverage=percent(fact.automatic_coverage),
                required=percent(AUTOMATIC_COVERAGE_REQUIRED),
            )


@rule(
    "G024",
    severity=ERROR,
    field="content.emissions[].concentration_avg",
    title=N_("Reported concentrations are backed by monitoring results in the ledger"),
    message=N_(
        "{outlet} {pollutant}: the report gives an average of {reported}, but the ledger holds no "
        "monitoring result for the period."
    ),
)
def concentrations_backed_by_ledger(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        point, pollutant = key_of(row)
        fact = context.series.get((point, pollutant))
        reported = number(row.get("concentration_avg"))
        if fact is not None and fact.readings == 0 and reported is not None:
            yield rule_finding(
                "G024",
                f"content.emissions[{index}].concentration_avg",
                outlet=point,
                pollutant=pollutant,
                reported=reported,
            )


@rule(
    "G025",
    severity=WARNING,
    field="content.emissions[].method",
    title=N_("Manual monitoring met the permit's frequency"),
    message=N_(
        "{outlet} {pollutant}: the ledger holds {readings} monitoring results for the period; "
        "the permit's frequency calls for {required}."
    ),
)
def manual_frequency_met(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        point, pollutant = key_of(row)
        required, fact = monitoring_of(context, point, pollutant), context.series.get((point, pollutant))
        if required is None or required.method == "automatic" or fact is None:
            continue
        expected = expected_results(required.frequency, context.period, context.stopped_days)
        if expected is not None and fact.readings < expected:
            yield rule_finding(
                "G025",
                f"content.emissions[{index}].method",
                outlet=point,
                pollutant=pollutant,
                readings=fact.readings,
                required=expected,
            )


@rule(
    "G026",
    severity=WARNING,
    field="content.emissions",
    title=N_("Every pollutant the permit monitors in the period is reported"),
    message=N_(
        "{outlet} {pollutant}: the permit requires monitoring in this period, "
        "but the report has no row for it."
    ),
)
def monitored_pollutants_reported(context: RuleContext) -> Iterator[Finding]:
    reported = reported_pairs(context)
    for fact in context.monitoring:
        limit = context.limit(fact.point, fact.pollutant)
        if limit is not None and limit.outlet_kind == "main":
            continue  # G002 covers main outlets
        if (fact.point, fact.pollutant) in reported:
            continue
        if expected_results(fact.frequency, context.period, context.stopped_days) is not None:
            yield rule_finding("G026", "content.emissions", outlet=fact.point, pollutant=fact.pollutant)


@rule(
    "G027",
    severity=ERROR,
    field="content.emissions[].concentration_avg",
    title=N_("BOD5 is not above COD at the same outlet"),
    message=N_("{outlet}: the average BOD5 {part} mg/L is above the average COD {whole} mg/L."),
)
def bod_within_cod(context: RuleContext) -> Iterator[Finding]:
    yield from part_exceeds_whole(context, "G027", "BOD5", "COD")


@rule(
    "G028",
    severity=ERROR,
    field="content.emissions[].concentration_avg",
    title=N_("Ammonia nitrogen is not above total nitrogen at the same outlet"),
    message=N_(
        "{outlet}: the average ammonia nitrogen {part} mg/L is above the average total nitrogen {whole} mg/L."
    ),
)
def ammonia_within_total_nitrogen(context: RuleContext) -> Iterator[Finding]:
    yield from part_exceeds_whole(context, "G028", "NH3N", "TN")


@rule(
    "G029",
    severity=WARNING,
    field="content.emissions[].concentration_max",
    title=N_("Automatic monitoring data are not a flat line"),
    message=N_(
        "{outlet} {pollutant}: the average equals the maximum ({value}) over {readings} automatic "
        "results; constant data suggest a faulty or manipulated monitor."
    ),
)
def automatic_data_not_flat(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        point, pollutant = key_of(row)
        fact = context.series.get((point, pollutant))
        average, maximum = number(row.get("concentration_avg")), number(row.get("concentration_max"))
        if (
            fact is not None
            and text(row.get("method")) == "automatic"
            and fact.readings >= FLAT_LINE_MIN_READINGS
            and average is not None
            and average > 0
            and average == maximum
        ):
            yield rule_finding(
                "G029",
                f"content.emissions[{index}].concentration_max",
                outlet=point,
                pollutant=pollutant,
                value=average,
                readings=fact.readings,
            )


# ---------------------------------------------------------------------------
# Exceedances (M48 §37 (2))
# ---------------------------------------------------------------------------


@rule(
    "G030",
    severity=ERROR,
    field="content.exceedances[].cause",
    title=N_("Every exceedance states its cause"),
    message=N_("{outlet} {pollutant}: the exceedance has no cause."),
)
def exceedance_cause_given(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("exceedances"):
        if not text(row.get("cause")):
            point, pollutant = key_of(row)
            yield rule_finding(
                "G030", f"content.exceedances[{index}].cause", outlet=point, pollutant=pollutant
            )


@rule(
    "G031",
    severity=ERROR,
    field="content.exceedances[].measures",
    title=N_("Every exceedance states the measures taken"),
    message=N_("{outlet} {pollutant}: the exceedance is explained, but no measures are stated."),
)
def exceedance_measures_given(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("exceedances"):
        if not text(row.get("measures")):
            point, pollutant = key_of(row)
            yield rule_finding(
                "G031", f"content.exceedances[{index}].measures", outlet=point, pollutant=pollutant
            )


def _time_fields(row: dict[str, Any]) -> str | None:
    """The first of started_at / ended_at that is missing or unreadable, or ended_at when out of order."""
    start, end = moment(row.get("started_at")), moment(row.get("ended_at"))
    if start is None:
        return "started_at"
    if end is None or end < start:
        return "ended_at"
    return None


@rule(
    "G032",
    severity=ERROR,
    field="content.exceedances[].ended_at",
    title=N_("Every exceedance has readable start and end times, in order"),
    message=N_(
        "{outlet} {pollutant}: the exceedance's start and end times are missing, unreadable "
        "or in the wrong order."
    ),
)
def exceedance_times_valid(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("exceedances"):
        wrong = _time_fields(row)
        if wrong:
            point, pollutant = key_of(row)
            yield rule_finding(
                "G032", f"content.exceedances[{index}].{wrong}", outlet=point, pollutant=pollutant
            )


@rule(
    "G033",
    severity=ERROR,
    field="content.exceedances[].started_at",
    title=N_("Every exceedance falls within the report period"),
    message=N_("{outlet} {pollutant}: the exceedance from {started_at} lies outside the period {period}."),
)
def exceedance_within_period(context: RuleContext) -> Iterator[Finding]:
    bounds = period_bounds(context.period)
    for index, row in context.rows("exceedances"):
        span = interval(row)
        if span and not (span[0] < bounds[1] and span[1] >= bounds[0]):
            point, pollutant = key_of(row)
            yield rule_finding(
                "G033",
                f"content.exceedances[{index}].started_at",
                outlet=point,
                pollutant=pollutant,
                started_at=local(span[0]),
                period=context.period.label,
            )


@rule(
    "G034",
    severity=WARNING,
    field="content.exceedances[].limit_value",
    title=N_("The limit stated for an exceedance is the permitted one"),
    message=N_(
        "{outlet} {pollutant}: the exceedance states a limit of {stated}, the permit sets {limit} {unit}."
    ),
)
def exceedance_limit_matches_permit(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("exceedances"):
        point, pollutant = key_of(row)
        permitted, unit = permitted_for(context, row)
        stated = number(row.get("limit_value"))
        if permitted is not None and stated is not None and differs(stated, permitted, 1e-6):
            yield rule_finding(
                "G034",
                f"content.exceedances[{index}].limit_value",
                outlet=point,
                pollutant=pollutant,
                stated=stated,
                limit=permitted,
                unit=unit,
            )


@rule(
    "G035",
    severity=WARNING,
    field="content.exceedances[].max_value",
    title=N_("A reported exceedance is above the limit"),
    message=N_("{outlet} {pollutant}: the exceedance's peak {peak} is not above the limit {limit}."),
)
def exceedance_above_limit(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("exceedances"):
        point, pollutant = key_of(row)
        permitted, _ = permitted_for(context, row)
        limit = permitted if permitted is not None else number(row.get("limit_value"))
        peak = number(row.get("max_value"))
        if peak is not None and limit is not None and peak <= limit:
            yield rule_finding(
                "G035",
                f"content.exceedances[{index}].max_value",
                outlet=point,
                pollutant=pollutant,
                peak=peak,
                limit=limit,
            )


@rule(
    "G036",
    severity=ERROR,
    field="content.emissions[].concentration_max",
    title=N_("The emissions section's maximum includes the exceedance peaks"),
    message=N_(
        "{outlet} {pollutant}: an exceedance peaked at {peak}, but the emissions section gives a maximum "
        "of {reported}."
    ),
)
def maximum_includes_exceedances(context: RuleContext) -> Iterator[Finding]:
    peaks: dict[tuple[str, str], float] = {}
    for _, row in context.rows("exceedances"):
        peak = number(row.get("max_value"))
        if peak is not None and not quantity_exceedance(context, row):
            peaks[key_of(row)] = max(peak, peaks.get(key_of(row), peak))
    for index, row in context.rows("emissions"):
        key, reported = key_of(row), number(row.get("concentration_max"))
        if key in peaks and reported is not None and peaks[key] > reported:
            yield rule_finding(
                "G036",
                f"content.emissions[{index}].concentration_max",
                outlet=key[0],
                pollutant=key[1],
                peak=peaks[key],
                reported=reported,
            )


def _fact_span(fact: ExceedanceFact) -> tuple[datetime, datetime]:
    start = fact.started_at if fact.started_at.tzinfo else fact.started_at.replace(tzinfo=UTC)
    end = fact.ended_at if fact.ended_at.tzinfo else fact.ended_at.replace(tzinfo=UTC)
    return start, end


@rule(
    "G037",
    severity=ERROR,
    field="content.exceedances",
    title=N_("Every exceedance in the ledger is in the report"),
    message=N_(
        "{outlet} {pollutant}: the ledger recorded an exceedance from {started_at} (peak {peak}, "
        "limit {limit}), but the report does not mention it."
    ),
)
def ledger_exceedances_reported(context: RuleContext) -> Iterator[Finding]:
    bounds = period_bounds(context.period)
    for fact in context.exceedances:
        span = _fact_span(fact)
        if not (span[0] < bounds[1] and span[1] >= bounds[0]):
            continue
        rows = [row for _, row in context.rows("exceedances") if key_of(row) == (fact.point, fact.pollutant)]
        intervals = [interval(row) for row in rows]
        # A row with unreadable times is G032's problem; it still counts as mentioning the pair.
        if any(item is None or overlaps(item, span) for item in intervals):
            continue
        yield rule_finding(
            "G037",
            "content.exceedances",
            outlet=fact.point,
            pollutant=fact.pollutant,
            started_at=local(span[0]),
            peak=fact.max_value,
            limit=fact.limit_value,
        )


@rule(
    "G038",
    severity=WARNING,
    field="content.exceedances[].max_value",
    title=N_("The peak of a reported exceedance agrees with the ledger"),
    message=N_("{outlet} {pollutant}: the report gives a peak of {stated}, the ledger recorded {recorded}."),
)
def exceedance_peak_matches_ledger(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("exceedances"):
        span, stated = interval(row), number(row.get("max_value"))
        if span is None or stated is None:
            continue
        quantity = quantity_exceedance(context, row)
        for fact in context.exceedances:
            same_kind = (fact.kind == "annual_quantity") == quantity
            if same_kind and (fact.point, fact.pollutant) == key_of(row) and overlaps(span, _fact_span(fact)):
                if differs(stated, fact.max_value, context.tolerance):
                    yield rule_finding(
                        "G038",
                        f"content.exceedances[{index}].max_value",
                        outlet=fact.point,
                        pollutant=fact.pollutant,
                        stated=stated,
                        recorded=fact.max_value,
                    )
                break


# ---------------------------------------------------------------------------
# Abnormal operation of pollution-control facilities (M48 §37 (2))
# ---------------------------------------------------------------------------


@rule(
    "G039",
    severity=ERROR,
    field="content.abnormal_operation[].cause",
    title=N_("Every abnormal operation states its cause"),
    message=N_("Abnormal operation of {facility}: no cause is stated."),
)
def abnormal_cause_given(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("abnormal_operation"):
        if not text(row.get("cause")):
            yield rule_finding(
                "G039", f"content.abnormal_operation[{index}].cause", facility=text(row.get("facility"))
            )


@rule(
    "G040",
    severity=ERROR,
    field="content.abnormal_operation[].measures",
    title=N_("Every abnormal operation states the measures taken"),
    message=N_("Abnormal operation of {facility}: no measures are stated."),
)
def abnormal_measures_given(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("abnormal_operation"):
        if not text(row.get("measures")):
            yield rule_finding(
                "G040", f"content.abnormal_operation[{index}].measures", facility=text(row.get("facility"))
            )


@rule(
    "G041",
    severity=ERROR,
    field="content.abnormal_operation[].ended_at",
    title=N_("Every abnormal operation has readable start and end times, in order"),
    message=N_(
        "Abnormal operation of {facility}: the start and end times are missing, unreadable "
        "or in the wrong order."
    ),
)
def abnormal_times_valid(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("abnormal_operation"):
        wrong = _time_fields(row)
        if wrong:
            yield rule_finding(
                "G041", f"content.abnormal_operation[{index}].{wrong}", facility=text(row.get("facility"))
            )


@rule(
    "G042",
    severity=ERROR,
    field="content.abnormal_operation[].started_at",
    title=N_("Every abnormal operation falls within the report period"),
    message=N_("Abnormal operation of {facility} from {started_at} lies outside the period {period}."),
)
def abnormal_within_period(context: RuleContext) -> Iterator[Finding]:
    bounds = period_bounds(context.period)
    for index, row in context.rows("abnormal_operation"):
        span = interval(row)
        if span and not (span[0] < bounds[1] and span[1] >= bounds[0]):
            yield rule_finding(
                "G042",
                f"content.abnormal_operation[{index}].started_at",
                facility=text(row.get("facility")),
                started_at=local(span[0]),
                period=context.period.label,
            )


# ---------------------------------------------------------------------------
# The report against the permit
# ---------------------------------------------------------------------------


@rule(
    "G043",
    severity=WARNING,
    field="period",
    title=N_("The whole report period is covered by the permit"),
    message=N_(
        "The period {period} is only partly within the permit's validity ({valid_from} to {valid_until}); "
        "report only the days the permit covers."
    ),
)
def period_fully_within_validity(context: RuleContext) -> Iterator[Finding]:
    start, end = context.permit_valid_from, context.permit_valid_until
    if start is None or end is None:
        return
    period = context.period
    overlapping = not (period.end < start or period.start > end)
    if overlapping and (period.start < start or period.end > end):
        yield rule_finding(
            "G043", "period", period=period.label, valid_from=start.isoformat(), valid_until=end.isoformat()
        )


@rule(
    "G044",
    severity=WARNING,
    field="kind",
    title=N_("The permit requires reports of this kind"),
    message=N_("The permit does not require reports of this kind for period {period}."),
)
def kind_required(context: RuleContext) -> Iterator[Finding]:
    if context.report_kinds_required and context.kind not in context.report_kinds_required:
        yield rule_finding("G044", "kind", period=context.period.label)


# ---------------------------------------------------------------------------
# Annual report sections (M48 §37; PT §5 splits their review by department)
# ---------------------------------------------------------------------------

ANNUAL_SECTION_RULES = (
    (
        "G045",
        "production",
        N_("The annual report gives basic production information"),
        N_("The annual report has no basic production information."),
    ),
    (
        "G046",
        "control_facilities",
        N_("The annual report describes the operation of pollution-control facilities"),
        N_("The annual report says nothing about the operation of pollution-control facilities."),
    ),
    (
        "G047",
        "self_monitoring",
        N_("The annual report describes the execution of self-monitoring"),
        N_("The annual report says nothing about the execution of self-monitoring."),
    ),
    (
        "G048",
        "ledger_execution",
        N_("The annual report describes the keeping of the environmental management ledger"),
        N_("The annual report says nothing about the keeping of the environmental management ledger."),
    ),
    (
        "G049",
        "disclosure",
        N_("The annual report describes the information disclosed"),
        N_("The annual report says nothing about information disclosure."),
    ),
    (
        "G050",
        "management_system",
        N_("The annual report describes the internal environmental management system"),
        N_("The annual report says nothing about the internal environmental management system."),
    ),
    (
        "G051",
        "other_requirements",
        N_("The annual report covers the permit's other requirements"),
        N_(
            "The annual report says nothing about the permit's other requirements "
            "(write 'none' if there are none)."
        ),
    ),
)


def _register_section_rule(code: str, name: str, title: str, message: str) -> None:
    @rule(code, severity=ERROR, field=f"content.{name}", title=title, message=message, kinds=("annual",))
    def section_present(context: RuleContext) -> Iterator[Finding]:
        if is_empty(context.content.get(name)):
            yield rule_finding(code, f"content.{name}")


for _code, _name, _title, _message in ANNUAL_SECTION_RULES:
    _register_section_rule(_code, _name, _title, _message)


def total_quantity(context: RuleContext) -> float:
    return sum(number(row.get("quantity_t")) or 0.0 for _, row in context.rows("emissions"))


@rule(
    "G052",
    severity=ERROR,
    field="content.production.operating_days",
    title=N_("The annual report gives the operating days"),
    message=N_("The basic production information does not give the number of operating days."),
    kinds=("annual",),
)
def operating_days_given(context: RuleContext) -> Iterator[Finding]:
    production = section(context, "production")
    if not is_empty(production) and number(production.get("operating_days")) is None:
        yield rule_finding("G052", "content.production.operating_days")


@rule(
    "G053",
    severity=ERROR,
    field="content.production.operating_days",
    title=N_("Operating days fit in the period"),
    message=N_("{days} operating days are reported, but the period {period} has {available} days."),
    kinds=("annual",),
)
def operating_days_fit(context: RuleContext) -> Iterator[Finding]:
    days = number(section(context, "production").get("operating_days"))
    if days is not None and days > days_in(context.period):
        yield rule_finding(
            "G053",
            "content.production.operating_days",
            days=days,
            period=context.period.label,
            available=days_in(context.period),
        )


@rule(
    "G054",
    severity=WARNING,
    field="content.production.operating_days",
    title=N_("A unit that did not operate reports no emissions"),
    message=N_("No operating days are reported, but the emissions section gives {quantity} t in total."),
    kinds=("annual",),
)
def idle_unit_emits_nothing(context: RuleContext) -> Iterator[Finding]:
    days, total = number(section(context, "production").get("operating_days")), total_quantity(context)
    if days == 0 and total > 0:
        yield rule_finding("G054", "content.production.operating_days", quantity=round(total, 4))


@rule(
    "G055",
    severity=ERROR,
    field="content.control_facilities[].operating_hours",
    title=N_("Facility operating hours fit in the period"),
    message=N_(
        "{facility}: {hours} operating hours are reported, but the period {period} has {available} hours."
    ),
    kinds=("annual",),
)
def facility_hours_fit(context: RuleContext) -> Iterator[Finding]:
    available = days_in(context.period) * 24
    for index, row in context.rows("control_facilities"):
        hours = number(row.get("operating_hours"))
        if hours is not None and hours > available:
            yield rule_finding(
                "G055",
                f"content.control_facilities[{index}].operating_hours",
                facility=text(row.get("name")),
                hours=hours,
                period=context.period.label,
                available=available,
            )


@rule(
    "G056",
    severity=WARNING,
    field="content.control_facilities[].abnormal_hours",
    title=N_("Abnormal hours of a facility are within its operating hours"),
    message=N_("{facility}: {abnormal} abnormal hours are more than its {hours} operating hours."),
    kinds=("annual",),
)
def abnormal_hours_within_operation(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("control_facilities"):
        abnormal, hours = number(row.get("abnormal_hours")), number(row.get("operating_hours"))
        if abnormal is not None and hours is not None and abnormal > hours:
            yield rule_finding(
                "G056",
                f"content.control_facilities[{index}].abnormal_hours",
                facility=text(row.get("name")),
                abnormal=abnormal,
                hours=hours,
            )


@rule(
    "G057",
    severity=ERROR,
    field="content.control_facilities[].abnormal_hours",
    title=N_("Abnormal hours of a facility are explained in the abnormal-operation section"),
    message=N_(
        "{facility}: {abnormal} abnormal hours are reported, but no abnormal operation of it is explained."
    ),
    kinds=("annual",),
)
def abnormal_hours_explained(context: RuleContext) -> Iterator[Finding]:
    explained = {text(row.get("facility")) for _, row in context.rows("abnormal_operation")}
    for index, row in context.rows("control_facilities"):
        abnormal, name = number(row.get("abnormal_hours")), text(row.get("name"))
        if abnormal and abnormal > 0 and name not in explained:
            yield rule_finding(
                "G057",
                f"content.control_facilities[{index}].abnormal_hours",
                facility=name,
                abnormal=abnormal,
            )


@rule(
    "G058",
    severity=WARNING,
    field="content.control_facilities[].operating_hours",
    title=N_("Pollution-control facilities ran while production ran"),
    message=N_(
        "{facility}: ran {hours} h, but production ran {days} days ({production_hours} h); "
        "control facilities must run whenever production does."
    ),
    kinds=("annual",),
)
def facilities_ran_with_production(context: RuleContext) -> Iterator[Finding]:
    days = number(section(context, "production").get("operating_days"))
    if days is None or days <= 0 or days > days_in(context.period):
        return
    production_hours = days * 24
    for index, row in context.rows("control_facilities"):
        hours = number(row.get("operating_hours"))
        if hours is not None and hours < CONTROL_RUNTIME_SHARE * production_hours:
            yield rule_finding(
                "G058",
                f"content.control_facilities[{index}].operating_hours",
                facility=text(row.get("name")),
                hours=hours,
                days=days,
                production_hours=production_hours,
            )


@rule(
    "G059",
    severity=ERROR,
    field="content.self_monitoring.performed",
    title=N_("Self-monitoring was performed as planned"),
    message=N_("{performed} monitoring results were obtained out of {planned} planned."),
    kinds=("annual",),
)
def monitoring_performed_as_planned(context: RuleContext) -> Iterator[Finding]:
    monitoring = section(context, "self_monitoring")
    planned, performed = number(monitoring.get("planned")), number(monitoring.get("performed"))
    # Within the tolerance, a shortfall is the automatic monitors' few invalid hours (G023 judges those).
    if (
        planned is not None
        and performed is not None
        and performed < planned
        and differs(performed, planned, context.tolerance)
    ):
        yield rule_finding("G059", "content.self_monitoring.performed", performed=performed, planned=planned)


def required_runs(monitoring: Iterable[MonitoringFact], period: Period) -> int:
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


@rule(
    "G060",
    severity=ERROR,
    field="content.self_monitoring.planned",
    title=N_("The monitoring plan meets the permit's frequencies"),
    message=N_(
        "{planned} monitoring runs were planned; the permit's frequencies call for {required} "
        "(an automatic record or a manual sample at a point counts once for all its pollutants)."
    ),
    kinds=("annual",),
)
def monitoring_plan_meets_permit(context: RuleContext) -> Iterator[Finding]:
    planned = number(section(context, "self_monitoring").get("planned"))
    required = required_runs(context.monitoring, context.period)
    if planned is not None and required and planned < required:
        yield rule_finding("G060", "content.self_monitoring.planned", planned=planned, required=required)


@rule(
    "G061",
    severity=ERROR,
    field="content.self_monitoring.performed",
    title=N_("Performed monitoring is backed by results in the ledger"),
    message=N_("{performed} monitoring results are reported as performed, but the ledger holds {recorded}."),
    kinds=("annual",),
)
def performed_backed_by_ledger(context: RuleContext) -> Iterator[Finding]:
    performed = number(section(context, "self_monitoring").get("performed"))
    monitored = {(fact.point, fact.pollutant) for fact in context.monitoring}
    if performed is None or not monitored & set(context.series):
        return
    recorded = recorded_runs(context.monitoring, context.series)
    if performed > recorded and differs(performed, recorded, context.tolerance):
        yield rule_finding(
            "G061", "content.self_monitoring.performed", performed=performed, recorded=recorded
        )


@rule(
    "G062",
    severity=ERROR,
    field="content.ledger_execution.completeness_ratio",
    title=N_("The stated ledger completeness agrees with the ledger"),
    message=N_(
        "The report states the ledger is {reported} per cent complete; the ledger itself is {recorded} per cent complete."  # noqa: E501
    ),
    kinds=("annual",),
)
def completeness_matches_ledger(context: RuleContext) -> Iterator[Finding]:
    reported = number(section(context, "ledger_execution").get("completeness_ratio"))
    recorded = context.completeness_ratio
    if reported is not None and recorded is not None and abs(reported - recorded) > COMPLETENESS_TOLERANCE:
        yield rule_finding(
            "G062",
            "content.ledger_execution.completeness_ratio",
            reported=percent(reported),
            recorded=percent(recorded),
        )


@rule(
    "G063",
    severity=ERROR,
    field="content.ledger_execution.complete",
    title=N_("A ledger declared complete meets the completeness threshold"),
    message=N_(
        "The ledger is declared complete, but only {recorded} per cent of the required records exist "
        "({required} % needed)."
    ),
    kinds=("annual",),
)
def complete_ledger_really_complete(context: RuleContext) -> Iterator[Finding]:
    recorded = context.completeness_ratio
    if (
        section(context, "ledger_execution").get("complete") is True
        and recorded is not None
        and recorded < LEDGER_COMPLETENESS_REQUIRED
    ):
        yield rule_finding(
            "G063",
            "content.ledger_execution.complete",
            recorded=percent(recorded),
            required=percent(LEDGER_COMPLETENESS_REQUIRED),
        )


@rule(
    "G064",
    severity=WARNING,
    field="content.ledger_execution.notes",
    title=N_("An incomplete ledger is explained"),
    message=N_(
        "Only {recorded} per cent of the required ledger records exist ({required} % needed), "
        "and no explanation is given."
    ),
    kinds=("annual",),
)
def incomplete_ledger_explained(context: RuleContext) -> Iterator[Finding]:
    ledger, recorded = section(context, "ledger_execution"), context.completeness_ratio
    if (
        not is_empty(ledger)
        and recorded is not None
        and recorded < LEDGER_COMPLETENESS_REQUIRED
        and not text(ledger.get("notes"))
    ):
        yield rule_finding(
            "G064",
            "content.ledger_execution.notes",
            recorded=percent(recorded),
            required=percent(LEDGER_COMPLETENESS_REQUIRED),
        )


@rule(
    "G065",
    severity=ERROR,
    field="content.disclosure.done",
    title=N_("The unit disclosed the information the permit requires"),
    message=N_("The report states that the required information was not disclosed (M48 §37, §39)."),
    kinds=("annual",),
)
def disclosure_done(context: RuleContext) -> Iterator[Finding]:
    disclosure = section(context, "disclosure")
    if not is_empty(disclosure) and disclosure.get("done") is not True:
        yield rule_finding("G065", "content.disclosure.done")


@rule(
    "G066",
    severity=WARNING,
    field="content.disclosure.channels",
    title=N_("The disclosure names its channels"),
    message=N_("Information is declared disclosed, but the channels used are not named."),
    kinds=("annual",),
)
def disclosure_channels_named(context: RuleContext) -> Iterator[Finding]:
    disclosure = section(context, "disclosure")
    if disclosure.get("done") is True and not text(disclosure.get("channels")):
        yield rule_finding("G066", "content.disclosure.channels")


@rule(
    "G067",
    severity=WARNING,
    field="content.management_system.responsible_person",
    title=N_("The internal management system names a responsible person"),
    message=N_("The internal environmental management system names no responsible person."),
    kinds=("annual",),
)
def responsible_person_named(context: RuleContext) -> Iterator[Finding]:
    system = section(context, "management_system")
    if not is_empty(system) and not text(system.get("responsible_person")):
        yield rule_finding("G067", "content.management_system.responsible_person")


@rule(
    "G068",
    severity=ERROR,
    field="content.<annual section>.<number>",
    title=N_("Numbers in the annual sections are within their range"),
    message=N_("{value} is not a possible value here (allowed: {minimum} to {maximum})."),
    kinds=("annual",),
)
def annual_numbers_in_range(context: RuleContext) -> Iterator[Finding]:
    ranges = (
        ("production", "operating_days", 0.0, None),
        ("self_monitoring", "planned", 0.0, None),
        ("self_monitoring", "performed", 0.0, None),
        ("ledger_execution", "completeness_ratio", 0.0, 1.0),
        ("management_system", "training_sessions", 0.0, None),
    )
    for name, key, minimum, maximum in ranges:
        value = number(section(context, name).get(key))
        if value is None:
            continue
        if value < minimum or (maximum is not None and value > maximum):
            yield rule_finding(
                "G068",
                f"content.{name}.{key}",
                value=value,
                minimum=minimum,
                maximum="∞" if maximum is None else maximum,
            )


@rule(
    "G069",
    severity=ERROR,
    field="content.emissions[].quantity_t",
    title=N_("No emission quantity for pH and other dimensionless parameters"),
    message=N_(
        "{outlet} {pollutant}: a dimensionless parameter has no emission quantity; leave the quantity empty."
    ),
)
def no_quantity_when_dimensionless(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        if is_dimensionless(context, row) and number(row.get("quantity_t")) is not None:
            point, pollutant = key_of(row)
            yield rule_finding(
                "G069", f"content.emissions[{index}].quantity_t", outlet=point, pollutant=pollutant
            )
