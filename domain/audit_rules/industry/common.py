"""The kinds of check the industry rule sets share, and the industries' GB/T 4754 codes.

Where a general rule already covers a case (a permitted pollutant missing from a main outlet is G002;
manual data where the permit requires automatic is G022; a missing permitted quantity is G016; a maximum
above the permitted concentration is G001/G007; fewer results than the permit's frequency is G025), the
industry rule leaves it to that rule, so a problem is reported once.

Frequency floors are the lowest frequency the industry's self-monitoring guideline allows any unit (direct
or indirect discharge, key or simplified management), so a floor never faults what the guideline permits.
Standard limit values are the loosest of the standard's tables that can apply to the outlet (existing and
new sources, every kind of facility the industry code covers); a permit may be stricter, never looser.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from domain.audit_rules.content import (
    expected_results,
    reported_pairs,
    same_unit,
    section,
    sparse,
    text,
)
from domain.audit_rules.engine import (
    ALL_KINDS,
    ERROR,
    WARNING,
    Finding,
    RuleContext,
    once_per_context,
    rule,
    rule_finding,
)
from domain.audit_rules.industry.requirements import (
    AUTOMATIC,
    FREQUENCY,
    POLLUTANTS,
    STANDARD,
    Requirement,
    remember,
)
from domain.errors import N_

THERMAL_POWER = ("4411", "4412")
PAPER = ("2211", "2221")
PULP = ("2211",)
PRINTING = ("2319",)
IRON_AND_STEEL = ("3110", "3120")
IRON_MAKING = ("3110",)
STEEL_MAKING = ("3120",)
COKING = ("2521",)
ELECTROPLATING = ("3360",)
NONFERROUS = ("3211", "3212", "3216")  # copper, lead and zinc, aluminium smelting
LEAD_ZINC = ("3212",)
ALUMINIUM = ("3216",)
SEWAGE_TREATMENT = ("4620",)
WASTE_INCINERATION = ("7820",)
TEXTILE_DYEING = ("1713",)
LEATHER = ("1910",)
CHEMICALS = ("2614", "2619", "2621", "2651")
ORGANIC_CHEMICALS = ("2614", "2651")  # organic raw materials and resins emit VOCs; inorganic ones need not
ORGANIC_RAW_MATERIALS = ("2614",)
RESINS = ("2651",)
NITROGEN_FERTILISER = ("2621",)
REFINING = ("2511",)
PHARMACEUTICALS = ("2710", "2720")
ACTIVE_INGREDIENTS = ("2710",)
CEMENT = ("3011",)
FLAT_GLASS = ("3041",)

# Ultra-low emission values, mg/m³: coal-fired power (2015 work plan), iron and steel (2019 opinions),
# coke ovens (2019 opinions), cement kilns (2024 opinions).
ULTRA_LOW_THERMAL_POWER = {"SO2": 35.0, "NOX": 50.0, "PM": 10.0}
ULTRA_LOW_IRON_AND_STEEL = {"PM": 10.0}
ULTRA_LOW_COKING = {"PM": 10.0, "SO2": 30.0, "NOX": 150.0}
ULTRA_LOW_CEMENT = {"PM": 10.0, "SO2": 35.0, "NOX": 50.0}
HEAVY_METALS = ("TCR", "CR6", "NI", "CU", "ZN", "HG", "PB", "CD", "AS")
COAL_WORDS = ("煤", "coal")
VOLATILE_ORGANICS = ("VOCS", "NMHC")

MISSING_MESSAGE = N_(
    "{outlet}: units of this industry report {pollutant} at their main outlets, "
    "but neither the permit nor the report has it."
)
MISSING_GENERAL_MESSAGE = N_(
    "{outlet}: units of this industry report {pollutant} at their general outlets, "
    "but neither the permit nor the report has it."
)
MISSING_MARKED_MESSAGE = N_(
    "{outlet}: {marker} is permitted here, and units of this industry report {pollutant} at such an "
    "outlet too, but neither the permit nor the report has it."
)
MISSING_SITE_GENERAL_MESSAGE = N_(
    "Units of this industry report {pollutant} at one of their general outlets at least, "
    "but neither the permit nor the report has it at any general outlet."
)
MISSING_SITE_MESSAGE = N_(
    "Units of this industry report {pollutant} at one of their main outlets at least, "
    "but neither the permit nor the report has it at any main outlet."
)
AUTOMATIC_MESSAGE = N_(
    "{outlet} {pollutant}: units of this industry monitor it automatically at main outlets, "
    "but neither the permit nor the report states automatic monitoring."
)
ULTRA_LOW_MESSAGE = N_(
    "{outlet} {pollutant}: the average {reported} {unit} is above the ultra-low emission value "
    "{ultra_low} {unit} (the permit allows {limit} {unit})."
)
VOLATILE_ORGANICS_MESSAGE = N_(
    "{outlet}: units of this industry report volatile organic compounds (VOCs or NMHC) at main air "
    "outlets, but neither the permit nor the report has them."
)
FREQUENCY_MESSAGE = N_(
    "{outlet} {pollutant}: the ledger holds {readings} monitoring results for the period; the "
    "industry's self-monitoring guideline calls for at least {required}."
)
STANDARD_MESSAGE = N_(
    "{outlet} {pollutant}: the maximum {reported} {unit} is above the limit of {standard}, "
    "{standard_limit} {unit}; the permit's {limit} {unit} cannot allow more than the discharge standard."
)
QUANTITY_MESSAGE = N_(
    "{outlet} {pollutant}: units of this industry report the quantity emitted at main outlets, "
    "but none is given."
)
BOUNDARY_MESSAGE = N_(
    "Units of this industry monitor {pollutant} at the site boundary (fugitive emissions), but neither "
    "the permit nor the annual report has it for any fugitive source."
)
MEASURED_MESSAGE = N_(
    "{outlet} {pollutant}: heavy metals (first-class pollutants) must be measured; "
    "emission factors are not accepted."
)
# Frequencies from the most to the least frequent.
FREQUENCY_ORDER = ("continuous", "hourly", "daily", "weekly", "monthly", "quarterly", "semiannual", "annual")
DEFAULT_UNITS = {"air": "mg/m3", "water": "mg/L", None: "mg/m3"}


def rank(frequency: str) -> int:
    """How rarely a frequency samples: 0 continuous ... 7 annual; unknown ones rank last."""
    return FREQUENCY_ORDER.index(frequency) if frequency in FREQUENCY_ORDER else len(FREQUENCY_ORDER)


def outlet_points(context: RuleContext, medium: str | None, outlet_kind: str | None = "main") -> list[str]:
    """Points of a medium (None: fugitive sources) and outlet kind (None: any), in permit order."""
    points: list[str] = []
    for fact in context.limits:
        if (
            fact.medium == medium
            and (outlet_kind is None or fact.outlet_kind == outlet_kind or medium is None)
            and fact.point not in points
        ):
            points.append(fact.point)
    return points


def main_points(context: RuleContext, medium: str | None) -> list[str]:
    """Main outlets of a medium, in permit order."""
    return outlet_points(context, medium, "main")


@once_per_context
def known_pairs(context: RuleContext) -> frozenset[tuple[str, str]]:
    """(point, pollutant) the permit limits or the report gives."""
    return frozenset((fact.point, fact.pollutant) for fact in context.limits) | reported_pairs(context)


def coal_fired(context: RuleContext) -> bool:
    fuel = text(section(context, "production").get("fuel")).lower()
    return any(word in fuel for word in COAL_WORDS)


def required_pollutants(
    code: str,
    scope: tuple[str, ...],
    *,
    medium: str,
    pollutants: tuple[str, ...],
    title: str,
    kinds: tuple[str, ...] = ALL_KINDS,
    when: Callable[[RuleContext], bool] | None = None,
    outlet_kind: str = "main",
    marked_by: tuple[str, ...] = (),
) -> None:
    """Register: the pollutants appear at each outlet of a medium and kind (G002 has the permitted ones of
    main outlets). ``marked_by``: only outlets where one of these is permitted or reported (a kiln tail is
    the cement outlet with SO2 or NOx)."""
    message = MISSING_MARKED_MESSAGE if marked_by else MISSING_MESSAGE
    if outlet_kind != "main" and not marked_by:
        message = MISSING_GENERAL_MESSAGE
    remember(
        Requirement(
            code,
            POLLUTANTS,
            scope,
            title,
            medium,
            pollutants,
            outlet_kind=outlet_kind,
            marked_by=marked_by,
            conditional=when is not None,
        )
    )

    @rule(
        code,
        severity=ERROR,
        scope=scope,
        kinds=kinds,
        field="content.emissions",
        title=title,
        message=message,
    )
    def check(context: RuleContext) -> Iterator[Finding]:
        if when is not None and not when(context):
            return
        known, not_due = known_pairs(context), sparse(context)
        for point in outlet_points(context, medium, outlet_kind):
            marker = next((m for m in marked_by if (point, m) in known), None)
            if marked_by and marker is None:
                continue
            for pollutant in pollutants:
                if (point, pollutant) in not_due or (point, pollutant) in known:
                    continue  # sampled less often than the period: not this report's fault
                params = {"outlet": point, "pollutant": pollutant}
                yield rule_finding(
                    code, "content.emissions", **params, **({"marker": marker} if marker else {})
                )


def required_at_site(
    code: str,
    scope: tuple[str, ...],
    *,
    medium: str,
    pollutants: tuple[str, ...],
    title: str,
    outlet_kind: str = "main",
    kinds: tuple[str, ...] = ALL_KINDS,
    when: Callable[[RuleContext], bool] | None = None,
    outlets_required: bool = False,
) -> None:
    """Register: each pollutant at one outlet of the medium and kind at least (workshop outlets of
    first-class pollutants and the total outlet carry different pollutants). Only where the permit has
    such outlets, unless ``outlets_required``; ``when``: only where it holds (a coal-fired plant has
    coal-handling outlets)."""
    message = MISSING_SITE_MESSAGE if outlet_kind == "main" else MISSING_SITE_GENERAL_MESSAGE
    remember(
        Requirement(
            code,
            POLLUTANTS,
            scope,
            title,
            medium,
            pollutants,
            outlet_kind=outlet_kind,
            conditional=when is not None,
            per_outlet=False,
        )
    )

    @rule(
        code,
        severity=ERROR,
        scope=scope,
        kinds=kinds,
        field="content.emissions",
        title=title,
        message=message,
    )
    def check(context: RuleContext) -> Iterator[Finding]:
        if when is not None and not when(context):
            return
        points = outlet_points(context, medium, outlet_kind)
        if not points and not outlets_required:
            return
        known = known_pairs(context)
        for pollutant in pollutants:
            if not any((point, pollutant) in known for point in points):
                yield rule_finding(code, "content.emissions", pollutant=pollutant)


def automatic_monitoring(
    code: str,
    scope: tuple[str, ...],
    *,
    medium: str,
    pollutants: tuple[str, ...],
    title: str,
    key_only: bool,
    marked_by: tuple[str, ...] = (),
) -> None:
    """Register: the pollutants are monitored automatically at main outlets (G022: permits that say so);
    ``marked_by``: only at outlets where one of these is permitted or reported."""
    remember(
        Requirement(code, AUTOMATIC, scope, title, medium, pollutants, marked_by=marked_by, key_only=key_only)
    )

    @rule(
        code,
        severity=ERROR,
        scope=scope,
        field="content.emissions[].method",
        title=title,
        message=AUTOMATIC_MESSAGE,
    )
    def check(context: RuleContext) -> Iterator[Finding]:
        if key_only and context.category != "key":
            return
        points, known = set(main_points(context, medium)), known_pairs(context)
        for entry in context.entries("emissions"):
            point, pollutant = entry.point, entry.pollutant
            if point not in points or pollutant not in pollutants:
                continue
            if marked_by and not any((point, marker) in known for marker in marked_by):
                continue
            required = entry.monitored
            if entry.method != "automatic" and (required is None or required.method != "automatic"):
                yield rule_finding(
                    code, f"content.emissions[{entry.index}].method", outlet=point, pollutant=pollutant
                )


def frequency_floor(
    code: str,
    scope: tuple[str, ...],
    *,
    medium: str,
    floors: dict[str, str],
    title: str,
    outlet_kind: str | None = "main",
) -> None:
    """Register: where the permit monitors less often than the guideline's lowest frequency (or not at
    all), the ledger holds at least the results that frequency calls for. Where the permit asks enough,
    a ledger short of it is G025's finding."""
    remember(
        Requirement(
            code, FREQUENCY, scope, title, medium, tuple(floors), outlet_kind=outlet_kind, floors=dict(floors)
        )
    )

    @rule(
        code,
        severity=ERROR,
        scope=scope,
        field="content.emissions[].method",
        title=title,
        message=FREQUENCY_MESSAGE,
    )
    def check(context: RuleContext) -> Iterator[Finding]:
        points = set(outlet_points(context, medium, outlet_kind))
        for entry in context.entries("emissions"):
            point, pollutant = entry.point, entry.pollutant
            floor, found = floors.get(pollutant), entry.series
            if point not in points or floor is None or found is None:
                continue  # no ledger series: G024
            if found.method == "automatic" or entry.method == "automatic":
                continue
            permitted = entry.monitored
            if permitted is not None and rank(permitted.frequency) <= rank(floor):
                continue  # the permit asks enough: a ledger short of it is G025
            required = expected_results(floor, context.period, context.stopped_days)
            if required is not None and found.readings < required:
                yield rule_finding(
                    code,
                    f"content.emissions[{entry.index}].method",
                    outlet=point,
                    pollutant=pollutant,
                    readings=found.readings,
                    required=required,
                )


def standard_limits(
    code: str,
    scope: tuple[str, ...],
    *,
    medium: str | None,
    values: dict[str, float],
    standard: str,
    title: str,
) -> None:
    """Register: a maximum above the standard's limit where the permit allows more (a maximum above the
    permit's own limit is G001/G007). ``medium`` None: fugitive sources (boundary values)."""
    remember(
        Requirement(
            code, STANDARD, scope, title, medium, tuple(values), values=dict(values), standard=standard
        )
    )

    @rule(
        code,
        severity=ERROR,
        scope=scope,
        field="content.emissions[].concentration_max",
        title=title,
        message=STANDARD_MESSAGE,
    )
    def check(context: RuleContext) -> Iterator[Finding]:
        for entry in context.entries("emissions"):
            point, pollutant = entry.point, entry.pollutant
            limit, maximum = entry.limit, entry.maximum
            value = values.get(pollutant)
            if limit is None or value is None or maximum is None or limit.medium != medium:
                continue
            if not same_unit(limit.unit, DEFAULT_UNITS[medium]):
                continue
            if limit.concentration_limit > value and value < maximum <= limit.concentration_limit:
                yield rule_finding(
                    code,
                    f"content.emissions[{entry.index}].concentration_max",
                    outlet=point,
                    pollutant=pollutant,
                    reported=maximum,
                    standard=standard,
                    standard_limit=value,
                    limit=limit.concentration_limit,
                    unit=limit.unit,
                )


def ultra_low(code: str, scope: tuple[str, ...], *, values: dict[str, float], title: str) -> None:
    """Register: averages at main air outlets within the ultra-low values where the permit allows more."""

    @rule(
        code,
        severity=WARNING,
        scope=scope,
        field="content.emissions[].concentration_avg",
        title=title,
        message=ULTRA_LOW_MESSAGE,
    )
    def check(context: RuleContext) -> Iterator[Finding]:
        points = set(main_points(context, "air"))
        for entry in context.entries("emissions"):
            point, pollutant = entry.point, entry.pollutant
            limit, average = entry.limit, entry.average
            value = values.get(pollutant)
            if (
                point in points
                and limit is not None
                and value is not None
                and average is not None
                and limit.concentration_limit > value
                and average > value
            ):
                yield rule_finding(
                    code,
                    f"content.emissions[{entry.index}].concentration_avg",
                    outlet=point,
                    pollutant=pollutant,
                    reported=average,
                    ultra_low=value,
                    limit=limit.concentration_limit,
                    unit=limit.unit,
                )


def volatile_organics(code: str, scope: tuple[str, ...], *, title: str) -> None:
    """Register: VOCs or NMHC at every main air outlet (either one is enough)."""

    @rule(
        code,
        severity=ERROR,
        scope=scope,
        field="content.emissions",
        title=title,
        message=VOLATILE_ORGANICS_MESSAGE,
    )
    def check(context: RuleContext) -> Iterator[Finding]:
        known = known_pairs(context)
        for point in main_points(context, "air"):
            if not any((point, pollutant) in known for pollutant in VOLATILE_ORGANICS):
                yield rule_finding(code, "content.emissions", outlet=point)


def quantities(
    code: str,
    scope: tuple[str, ...],
    *,
    medium: str,
    pollutants: tuple[str, ...],
    title: str,
    message: str = QUANTITY_MESSAGE,
) -> None:
    """Register: a quantity for the pollutants at main outlets (G016 where the permit sets one)."""

    @rule(
        code,
        severity=ERROR,
        scope=scope,
        field="content.emissions[].quantity_t",
        title=title,
        message=message,
    )
    def check(context: RuleContext) -> Iterator[Finding]:
        points = set(main_points(context, medium))
        for entry in context.entries("emissions"):
            point, pollutant, limit = entry.point, entry.pollutant, entry.limit
            if point not in points or pollutant not in pollutants:
                continue
            if limit is not None and limit.annual_quantity_t is not None:
                continue  # G016
            if entry.quantity is None:
                yield rule_finding(
                    code, f"content.emissions[{entry.index}].quantity_t", outlet=point, pollutant=pollutant
                )


def boundary_monitoring(
    code: str,
    scope: tuple[str, ...],
    *,
    pollutants: tuple[str, ...],
    title: str,
    when: Callable[[RuleContext], bool] | None = None,
) -> None:
    """Register: the annual report (or the permit) has the pollutants at a fugitive source."""

    @rule(
        code,
        severity=ERROR,
        scope=scope,
        kinds=("annual",),
        field="content.emissions",
        title=title,
        message=BOUNDARY_MESSAGE,
    )
    def check(context: RuleContext) -> Iterator[Finding]:
        if when is not None and not when(context):
            return
        fugitive = {fact.point for fact in context.limits if fact.medium is None}
        known = {pollutant for point, pollutant in known_pairs(context) if point in fugitive}
        for pollutant in pollutants:
            if pollutant not in known:
                yield rule_finding(code, "content.emissions", pollutant=pollutant)


def measured_heavy_metals(code: str, scope: tuple[str, ...], *, title: str) -> None:
    """Register: heavy metals measured, never estimated from emission factors."""

    @rule(
        code,
        severity=ERROR,
        scope=scope,
        field="content.emissions[].method",
        title=title,
        message=MEASURED_MESSAGE,
    )
    def check(context: RuleContext) -> Iterator[Finding]:
        for entry in context.entries("emissions"):
            if entry.pollutant in HEAVY_METALS and entry.method == "factor":
                yield rule_finding(
                    code,
                    f"content.emissions[{entry.index}].method",
                    outlet=entry.point,
                    pollutant=entry.pollutant,
                )
