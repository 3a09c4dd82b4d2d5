"""General rules on the report as a whole (G001…G006) and against the permit (G043, G044): exceedances
explained, main outlets reported, figures reconciled with the ledger, the period within the permit's
validity, the unit's statement, the report kinds the permit requires."""

from __future__ import annotations

from collections.abc import Iterator

from domain.audit_rules.content import (
    sparse,
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
        entry.written for entry in context.entries("exceedances") if str(entry.row.get("cause") or "").strip()
    }
    for entry in context.entries("emissions"):
        limit = context.limit(*entry.written)
        reported = entry.maximum
        if (
            limit
            and reported is not None
            and reported > limit.concentration_limit
            and entry.written not in explained
        ):
            yield rule_finding(
                "G001",
                f"content.emissions[{entry.index}].concentration_max",
                outlet=entry.written[0],
                pollutant=entry.written[1],
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
    reported = {entry.written for entry in context.entries("emissions")}
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
    for entry in context.entries("emissions"):
        fact, reported = context.series.get(entry.written), entry.average
        if fact is None or fact.concentration_avg is None or reported is None:
            continue
        if differs(reported, fact.concentration_avg, context.tolerance):
            limit = context.limit(*entry.written)
            yield rule_finding(
                "G003",
                f"content.emissions[{entry.index}].concentration_avg",
                outlet=entry.written[0],
                pollutant=entry.written[1],
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
    for entry in context.entries("emissions"):
        fact, reported = context.series.get(entry.written), entry.quantity
        if fact is None or fact.quantity_t is None or reported is None:
            continue
        if differs(reported, fact.quantity_t, context.tolerance):
            yield rule_finding(
                "G004",
                f"content.emissions[{entry.index}].quantity_t",
                outlet=entry.written[0],
                pollutant=entry.written[1],
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
