"""General rules on the self-monitoring behind the figures (M48 §36; PT §5: ecology section); G021…G029."""

from __future__ import annotations

from collections.abc import Iterator

from domain.audit_rules.content import (
    FLAT_LINE_MIN_READINGS,
    expected_results,
    part_exceeds_whole,
    percent,
    reported_pairs,
)
from domain.audit_rules.engine import (
    ERROR,
    WARNING,
    Finding,
    RuleContext,
    rule,
    rule_finding,
)
from domain.errors import N_
from domain.ledgers.rules import AUTOMATIC_COVERAGE_REQUIRED


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
    for entry in context.entries("emissions"):
        fact, method = entry.series, entry.method
        if fact and fact.method in ("automatic", "manual", "factor") and method and method != fact.method:
            yield rule_finding(
                "G021",
                f"content.emissions[{entry.index}].method",
                outlet=entry.point,
                pollutant=entry.pollutant,
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
    for entry in context.entries("emissions"):
        fact = entry.monitored
        if fact and fact.method == "automatic" and entry.method == "manual":
            yield rule_finding(
                "G022",
                f"content.emissions[{entry.index}].method",
                outlet=entry.point,
                pollutant=entry.pollutant,
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
    for entry in context.entries("emissions"):
        required, fact = entry.monitored, entry.series
        if (
            required
            and required.method == "automatic"
            and fact
            and 0 < fact.automatic_coverage < AUTOMATIC_COVERAGE_REQUIRED
        ):
            yield rule_finding(
                "G023",
                f"content.emissions[{entry.index}].method",
                outlet=entry.point,
                pollutant=entry.pollutant,
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
    for entry in context.entries("emissions"):
        fact, reported = entry.series, entry.average
        if fact is not None and fact.readings == 0 and reported is not None:
            yield rule_finding(
                "G024",
                f"content.emissions[{entry.index}].concentration_avg",
                outlet=entry.point,
                pollutant=entry.pollutant,
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
    for entry in context.entries("emissions"):
        required, fact = entry.monitored, entry.series
        if required is None or required.method == "automatic" or fact is None:
            continue
        expected = expected_results(required.frequency, context.period, context.stopped_days)
        if expected is not None and fact.readings < expected:
            yield rule_finding(
                "G025",
                f"content.emissions[{entry.index}].method",
                outlet=entry.point,
                pollutant=entry.pollutant,
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
    for entry in context.entries("emissions"):
        fact, average, maximum = entry.series, entry.average, entry.maximum
        if (
            fact is not None
            and entry.method == "automatic"
            and fact.readings >= FLAT_LINE_MIN_READINGS
            and average is not None
            and average > 0
            and average == maximum
        ):
            yield rule_finding(
                "G029",
                f"content.emissions[{entry.index}].concentration_max",
                outlet=entry.point,
                pollutant=entry.pollutant,
                value=average,
                readings=fact.readings,
            )
