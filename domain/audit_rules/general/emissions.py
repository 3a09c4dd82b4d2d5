"""General rules on the emissions, G007…G020: compliance, consistency, plausibility (M48 §37 (1))."""

from __future__ import annotations

from collections.abc import Iterator

from domain.audit_rules.content import (
    IMPLAUSIBLE_FACTOR,
    is_dimensionless,
    same_unit,
    text,
)
from domain.audit_rules.engine import (
    ERROR,
    WARNING,
    Finding,
    RuleContext,
    differs,
    rule,
    rule_finding,
)
from domain.errors import N_


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
    for entry in context.entries("emissions"):
        limit, reported = entry.limit, entry.maximum
        if (
            entry.row.get("compliant") is True
            and limit
            and reported is not None
            and reported > limit.concentration_limit
        ):
            yield rule_finding(
                "G007",
                f"content.emissions[{entry.index}].compliant",
                outlet=entry.point,
                pollutant=entry.pollutant,
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
    for entry in context.entries("emissions"):
        limit, reported = entry.limit, entry.maximum
        if (
            entry.row.get("compliant") is False
            and limit
            and reported is not None
            and reported <= limit.concentration_limit
        ):
            yield rule_finding(
                "G008",
                f"content.emissions[{entry.index}].compliant",
                outlet=entry.point,
                pollutant=entry.pollutant,
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
    for entry in context.entries("emissions"):
        if not isinstance(entry.row.get("compliant"), bool):
            yield rule_finding(
                "G009",
                f"content.emissions[{entry.index}].compliant",
                outlet=entry.point,
                pollutant=entry.pollutant,
            )


@rule(
    "G010",
    severity=ERROR,
    field="content.emissions[].concentration_avg",
    title=N_("The average concentration is not above the maximum"),
    message=N_("{outlet} {pollutant}: the average {average} is above the maximum {maximum}."),
)
def average_within_maximum(context: RuleContext) -> Iterator[Finding]:
    for entry in context.entries("emissions"):
        average, maximum = entry.average, entry.maximum
        if average is not None and maximum is not None and average > maximum:
            yield rule_finding(
                "G010",
                f"content.emissions[{entry.index}].concentration_avg",
                outlet=entry.point,
                pollutant=entry.pollutant,
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
    for entry in context.entries("emissions"):
        if entry.point not in points:
            yield rule_finding("G011", f"content.emissions[{entry.index}].outlet", outlet=entry.point)


@rule(
    "G012",
    severity=ERROR,
    field="content.emissions[].pollutant",
    title=N_("Every reported pollutant is permitted at its outlet"),
    message=N_("{outlet}: the permit sets no limit for {pollutant} at this outlet."),
)
def pollutant_in_permit(context: RuleContext) -> Iterator[Finding]:
    points = {fact.point for fact in context.limits}
    for entry in context.entries("emissions"):
        if entry.point in points and entry.limit is None:
            yield rule_finding(
                "G012",
                f"content.emissions[{entry.index}].pollutant",
                outlet=entry.point,
                pollutant=entry.pollutant,
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
    for entry in context.entries("emissions"):
        key = (entry.point, entry.pollutant)
        if key in seen:
            yield rule_finding(
                "G013",
                f"content.emissions[{entry.index}]",
                outlet=entry.point,
                pollutant=entry.pollutant,
                first=seen[key] + 1,
                second=entry.index + 1,
            )
        else:
            seen[key] = entry.index


@rule(
    "G014",
    severity=ERROR,
    field="content.emissions[].unit",
    title=N_("Concentrations are reported in the permit's unit"),
    message=N_("{outlet} {pollutant}: reported in {reported_unit}, but the permit sets the limit in {unit}."),
)
def unit_matches_permit(context: RuleContext) -> Iterator[Finding]:
    for entry in context.entries("emissions"):
        limit = entry.limit
        if not limit:
            continue
        unit = text(entry.row.get("unit"))
        if unit and not same_unit(unit, limit.unit):
            yield rule_finding(
                "G014",
                f"content.emissions[{entry.index}].unit",
                outlet=entry.point,
                pollutant=entry.pollutant,
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
    for entry in context.entries("emissions"):
        if entry.method == "factor":
            continue  # quantities from emission factors or material balance come without a concentration
        for name, value in (("concentration_avg", entry.average), ("concentration_max", entry.maximum)):
            if value is None:
                yield rule_finding(
                    "G015",
                    f"content.emissions[{entry.index}].{name}",
                    outlet=entry.point,
                    pollutant=entry.pollutant,
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
    for entry in context.entries("emissions"):
        limit = entry.limit
        if limit and limit.annual_quantity_t is not None and entry.quantity is None:
            yield rule_finding(
                "G016",
                f"content.emissions[{entry.index}].quantity_t",
                outlet=entry.point,
                pollutant=entry.pollutant,
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
    for entry in context.entries("emissions"):
        limit, reported = entry.limit, entry.maximum
        if (
            limit
            and reported is not None
            and limit.concentration_limit > 0
            and reported > IMPLAUSIBLE_FACTOR * limit.concentration_limit
        ):
            yield rule_finding(
                "G017",
                f"content.emissions[{entry.index}].concentration_max",
                outlet=entry.point,
                pollutant=entry.pollutant,
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
    for entry in context.entries("emissions"):
        fact, reported = entry.series, entry.maximum
        if fact is None or fact.concentration_max is None or reported is None:
            continue
        if reported < fact.concentration_max and differs(reported, fact.concentration_max, context.tolerance):
            limit = entry.limit
            yield rule_finding(
                "G018",
                f"content.emissions[{entry.index}].concentration_max",
                outlet=entry.point,
                pollutant=entry.pollutant,
                reported=reported,
                recorded=round(fact.concentration_max, 4),
                unit=limit.unit if limit else text(entry.row.get("unit")),
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
    for entry in context.entries("emissions"):
        limit, reported = entry.limit, entry.quantity
        if (
            limit
            and limit.annual_quantity_t is not None
            and reported is not None
            and reported > limit.annual_quantity_t
        ):
            yield rule_finding(
                "G019",
                f"content.emissions[{entry.index}].quantity_t",
                outlet=entry.point,
                pollutant=entry.pollutant,
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
    for entry in context.entries("emissions"):
        fact, quantity, average = entry.series, entry.quantity, entry.average
        if quantity != 0 or is_dimensionless(entry):
            continue  # G069: no quantity at all for a dimensionless parameter
        if average and average > 0 and fact is not None and fact.readings > 0:
            yield rule_finding(
                "G020",
                f"content.emissions[{entry.index}].quantity_t",
                outlet=entry.point,
                pollutant=entry.pollutant,
                average=average,
                readings=fact.readings,
            )
