"""General rules on the sections of the annual report (M48 §37; PT §5 splits their review by department);
G045…G069."""

from __future__ import annotations

from collections.abc import Iterator

from domain.audit_rules.content import (
    COMPLETENESS_TOLERANCE,
    CONTROL_RUNTIME_SHARE,
    LEDGER_COMPLETENESS_REQUIRED,
    days_in,
    is_dimensionless,
    is_empty,
    percent,
    recorded_runs,
    required_runs,
    section,
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
    return sum(entry.quantity or 0.0 for entry in context.entries("emissions"))


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
    for entry in context.entries("emissions"):
        if entry.quantity is not None and is_dimensionless(entry):
            yield rule_finding(
                "G069",
                f"content.emissions[{entry.index}].quantity_t",
                outlet=entry.point,
                pollutant=entry.pollutant,
            )
