"""General rules on exceedances and on the abnormal operation of pollution-control facilities
(M48 §37 (2)); G030…G042."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from domain.audit_rules.content import (
    interval,
    local,
    moment,
    overlaps,
    period_bounds,
    permitted_for,
    quantity_exceedance,
    text,
)
from domain.audit_rules.engine import (
    ERROR,
    WARNING,
    ExceedanceFact,
    Finding,
    RuleContext,
    differs,
    number,
    rule,
    rule_finding,
)
from domain.errors import N_


@rule(
    "G030",
    severity=ERROR,
    field="content.exceedances[].cause",
    title=N_("Every exceedance states its cause"),
    message=N_("{outlet} {pollutant}: the exceedance has no cause."),
)
def exceedance_cause_given(context: RuleContext) -> Iterator[Finding]:
    for entry in context.entries("exceedances"):
        if not text(entry.row.get("cause")):
            yield rule_finding(
                "G030",
                f"content.exceedances[{entry.index}].cause",
                outlet=entry.point,
                pollutant=entry.pollutant,
            )


@rule(
    "G031",
    severity=ERROR,
    field="content.exceedances[].measures",
    title=N_("Every exceedance states the measures taken"),
    message=N_("{outlet} {pollutant}: the exceedance is explained, but no measures are stated."),
)
def exceedance_measures_given(context: RuleContext) -> Iterator[Finding]:
    for entry in context.entries("exceedances"):
        if not text(entry.row.get("measures")):
            yield rule_finding(
                "G031",
                f"content.exceedances[{entry.index}].measures",
                outlet=entry.point,
                pollutant=entry.pollutant,
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
    for entry in context.entries("exceedances"):
        wrong = _time_fields(entry.row)
        if wrong:
            yield rule_finding(
                "G032",
                f"content.exceedances[{entry.index}].{wrong}",
                outlet=entry.point,
                pollutant=entry.pollutant,
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
    for entry in context.entries("exceedances"):
        span = interval(entry.row)
        if span and not (span[0] < bounds[1] and span[1] >= bounds[0]):
            yield rule_finding(
                "G033",
                f"content.exceedances[{entry.index}].started_at",
                outlet=entry.point,
                pollutant=entry.pollutant,
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
    for entry in context.entries("exceedances"):
        permitted, unit = permitted_for(entry)
        stated = number(entry.row.get("limit_value"))
        if permitted is not None and stated is not None and differs(stated, permitted, 1e-6):
            yield rule_finding(
                "G034",
                f"content.exceedances[{entry.index}].limit_value",
                outlet=entry.point,
                pollutant=entry.pollutant,
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
    for entry in context.entries("exceedances"):
        permitted, _ = permitted_for(entry)
        limit = permitted if permitted is not None else number(entry.row.get("limit_value"))
        peak = number(entry.row.get("max_value"))
        if peak is not None and limit is not None and peak <= limit:
            yield rule_finding(
                "G035",
                f"content.exceedances[{entry.index}].max_value",
                outlet=entry.point,
                pollutant=entry.pollutant,
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
    for entry in context.entries("exceedances"):
        peak = number(entry.row.get("max_value"))
        if peak is not None and not quantity_exceedance(entry):
            key = (entry.point, entry.pollutant)
            peaks[key] = max(peak, peaks.get(key, peak))
    for entry in context.entries("emissions"):
        key, reported = (entry.point, entry.pollutant), entry.maximum
        if key in peaks and reported is not None and peaks[key] > reported:
            yield rule_finding(
                "G036",
                f"content.emissions[{entry.index}].concentration_max",
                outlet=entry.point,
                pollutant=entry.pollutant,
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
        intervals = [
            interval(entry.row)
            for entry in context.entries("exceedances")
            if (entry.point, entry.pollutant) == (fact.point, fact.pollutant)
        ]
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
    for entry in context.entries("exceedances"):
        span, stated = interval(entry.row), number(entry.row.get("max_value"))
        if span is None or stated is None:
            continue
        quantity = quantity_exceedance(entry)
        for fact in context.exceedances:
            same_kind = (fact.kind == "annual_quantity") == quantity
            if (
                same_kind
                and (fact.point, fact.pollutant) == (entry.point, entry.pollutant)
                and overlaps(span, _fact_span(fact))
            ):
                if differs(stated, fact.max_value, context.tolerance):
                    yield rule_finding(
                        "G038",
                        f"content.exceedances[{entry.index}].max_value",
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
