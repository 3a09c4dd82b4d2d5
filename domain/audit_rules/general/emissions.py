"""General rules on the emissions, G007…G020: compliance, consistency, plausibility (M48 §37 (1))."""

from __future__ import annotations

from collections.abc import Iterator

from domain.audit_rules.content import (
    IMPLAUSIBLE_FACTOR,
    is_dimensionless,
    key_of,
    same_unit,
    text,
)
from domain.audit_rules.engine import (
    ERROR,
    WARNING,
    Finding,
    RuleContext,
    differs,
    number,
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
