"""Industry rule sets (scope: GB/T 4754 codes). Codes I<industry>-nn.

Each set adds what the industry's technical specification for permits, its
self-monitoring guideline and its discharge standard ask for beyond the general
rules (the standards are named in each section).
Where a general rule already covers a case (a permitted pollutant missing from a
main outlet is G002; manual data where the permit requires automatic is G022; a
missing permitted quantity is G016), the industry rule leaves it to that rule, so a
problem is reported once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from domain.audit_rules.content import (
    key_of,
    monitoring_of,
    part_exceeds_whole,
    reported_pairs,
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
    number,
    rule,
    rule_finding,
)
from domain.errors import N_

THERMAL_POWER = ("4411", "4412")
PAPER = ("2211", "2221")
PULP = ("2211",)
IRON_AND_STEEL = ("3110", "3120")
ELECTROPLATING = ("3360",)
SEWAGE_TREATMENT = ("4620",)
TEXTILE_DYEING = ("1713",)
CHEMICALS = ("2614", "2619", "2621", "2651")
ORGANIC_CHEMICALS = ("2614", "2651")  # organic raw materials and resins emit VOCs; inorganic ones need not
PHARMACEUTICALS = ("2710", "2720")

# Ultra-low emission values, mg/m³: coal-fired power (2015 work plan) and iron and steel (2019 opinions).
ULTRA_LOW_THERMAL_POWER = {"SO2": 35.0, "NOX": 50.0, "PM": 10.0}
ULTRA_LOW_IRON_AND_STEEL = {"PM": 10.0}
HEAVY_METALS = ("TCR", "CR6", "NI", "CU", "ZN", "HG")
COAL_WORDS = ("煤", "coal")

MISSING_MESSAGE = N_(
    "{outlet}: units of this industry report {pollutant} at their main outlets, "
    "but neither the permit nor the report has it."
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


def main_points(context: RuleContext, medium: str | None) -> list[str]:
    """Main outlets of a medium, in permit order."""
    points: list[str] = []
    for fact in context.limits:
        if fact.medium == medium and fact.outlet_kind == "main" and fact.point not in points:
            points.append(fact.point)
    return points


def _required_pollutants(
    code: str,
    scope: tuple[str, ...],
    *,
    medium: str,
    pollutants: tuple[str, ...],
    title: str,
    kinds: tuple[str, ...] = ALL_KINDS,
    when: Callable[[RuleContext], bool] | None = None,
) -> None:
    """Register: the pollutants appear at each main outlet of a medium (G002 has the permitted ones)."""

    @rule(
        code,
        severity=ERROR,
        scope=scope,
        kinds=kinds,
        field="content.emissions",
        title=title,
        message=MISSING_MESSAGE,
    )
    def check(context: RuleContext) -> Iterator[Finding]:
        if when is not None and not when(context):
            return
        reported, not_due = reported_pairs(context), sparse(context)
        for point in main_points(context, medium):
            for pollutant in pollutants:
                if (point, pollutant) in not_due:
                    continue  # sampled less often than the period: not this report's fault
                if context.limit(point, pollutant) is None and (point, pollutant) not in reported:
                    yield rule_finding(code, "content.emissions", outlet=point, pollutant=pollutant)


def _automatic_monitoring(
    code: str,
    scope: tuple[str, ...],
    *,
    medium: str,
    pollutants: tuple[str, ...],
    title: str,
    key_only: bool,
) -> None:
    """Register: the pollutants are monitored automatically at main outlets (G022: permits that say so)."""

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
        points = set(main_points(context, medium))
        for index, row in context.rows("emissions"):
            point, pollutant = key_of(row)
            if point not in points or pollutant not in pollutants:
                continue
            required = monitoring_of(context, point, pollutant)
            if text(row.get("method")) != "automatic" and (
                required is None or required.method != "automatic"
            ):
                yield rule_finding(
                    code, f"content.emissions[{index}].method", outlet=point, pollutant=pollutant
                )


def _ultra_low(code: str, scope: tuple[str, ...], *, values: dict[str, float], title: str) -> None:
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
        for index, row in context.rows("emissions"):
            point, pollutant = key_of(row)
            limit, average = context.limit(point, pollutant), number(row.get("concentration_avg"))
            ultra_low = values.get(pollutant)
            if (
                point in points
                and limit is not None
                and ultra_low is not None
                and average is not None
                and limit.concentration_limit > ultra_low
                and average > ultra_low
            ):
                yield rule_finding(
                    code,
                    f"content.emissions[{index}].concentration_avg",
                    outlet=point,
                    pollutant=pollutant,
                    reported=average,
                    ultra_low=ultra_low,
                    limit=limit.concentration_limit,
                    unit=limit.unit,
                )


def _volatile_organics(code: str, scope: tuple[str, ...], *, title: str) -> None:
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
        reported = reported_pairs(context)
        for point in main_points(context, "air"):
            if not any(
                context.limit(point, pollutant) is not None or (point, pollutant) in reported
                for pollutant in ("VOCS", "NMHC")
            ):
                yield rule_finding(code, "content.emissions", outlet=point)


def coal_fired(context: RuleContext) -> bool:
    fuel = text(section(context, "production").get("fuel")).lower()
    return any(word in fuel for word in COAL_WORDS)


# ---------------------------------------------------------------------------
# Thermal power 4411 / combined heat and power 4412 (HJ 820-2017 self-monitoring, GB 13223-2011)
# ---------------------------------------------------------------------------

_required_pollutants(
    "I4411-01",
    THERMAL_POWER,
    medium="air",
    pollutants=("SO2", "NOX", "PM"),
    title=N_("Thermal power: SO2, NOx and particulate matter at every main air outlet"),
)
_automatic_monitoring(
    "I4411-02",
    THERMAL_POWER,
    medium="air",
    pollutants=("SO2", "NOX", "PM"),
    title=N_(
        "Thermal power: SO2, NOx and particulate matter are monitored automatically at main air outlets"
    ),
    key_only=False,
)
_ultra_low(
    "I4411-03",
    THERMAL_POWER,
    values=ULTRA_LOW_THERMAL_POWER,
    title=N_("Thermal power: averages within the ultra-low emission values (SO2 35, NOx 50, PM 10 mg/m³)"),
)
_required_pollutants(
    "I4411-04",
    THERMAL_POWER,
    medium="air",
    pollutants=("HG",),
    kinds=("annual",),
    when=coal_fired,
    title=N_("Coal-fired power: mercury at every main air outlet in the annual report"),
)


@rule(
    "I4411-05",
    severity=ERROR,
    scope=THERMAL_POWER,
    field="content.emissions[].quantity_t",
    title=N_("Thermal power: quantities of SO2, NOx and particulate matter at every main air outlet"),
    message=N_("{outlet} {pollutant}: thermal power units report the quantity emitted, but none is given."),
)
def thermal_power_quantities(context: RuleContext) -> Iterator[Finding]:
    points = set(main_points(context, "air"))
    for index, row in context.rows("emissions"):
        point, pollutant = key_of(row)
        limit = context.limit(point, pollutant)
        if point not in points or pollutant not in ("SO2", "NOX", "PM"):
            continue
        if limit is not None and limit.annual_quantity_t is not None:
            continue  # G016
        if number(row.get("quantity_t")) is None:
            yield rule_finding(
                "I4411-05", f"content.emissions[{index}].quantity_t", outlet=point, pollutant=pollutant
            )


# ---------------------------------------------------------------------------
# Pulp and paper 2211 / 2221 (HJ 821-2017 self-monitoring, GB 3544-2008)
# ---------------------------------------------------------------------------

_required_pollutants(
    "I2221-01",
    PAPER,
    medium="water",
    pollutants=("COD", "NH3N", "TN", "TP"),
    title=N_(
        "Pulp and paper: COD, ammonia nitrogen, total nitrogen and total phosphorus at main water outlets"
    ),
)
_automatic_monitoring(
    "I2221-02",
    PAPER,
    medium="water",
    pollutants=("COD", "NH3N"),
    title=N_("Pulp and paper, key management: COD and ammonia nitrogen monitored automatically"),
    key_only=True,
)
_required_pollutants(
    "I2211-01",
    PULP,
    medium="water",
    pollutants=("AOX",),
    kinds=("annual",),
    title=N_("Pulp (bleaching): adsorbable organic halogens at main water outlets in the annual report"),
)


# ---------------------------------------------------------------------------
# Iron and steel 3110 / 3120 (HJ 846-2017 permits; ultra-low emission opinions, 2019)
# ---------------------------------------------------------------------------

_required_pollutants(
    "I3110-01",
    IRON_AND_STEEL,
    medium="air",
    pollutants=("PM",),
    title=N_("Iron and steel: particulate matter at every main air outlet"),
)
_ultra_low(
    "I3110-02",
    IRON_AND_STEEL,
    values=ULTRA_LOW_IRON_AND_STEEL,
    title=N_("Iron and steel: particulate averages within the ultra-low emission value (10 mg/m³)"),
)
_automatic_monitoring(
    "I3110-03",
    IRON_AND_STEEL,
    medium="air",
    pollutants=("PM",),
    title=N_(
        "Iron and steel, key management: particulate matter monitored automatically at main air outlets"
    ),
    key_only=True,
)


@rule(
    "I3110-04",
    severity=WARNING,
    scope=IRON_AND_STEEL,
    kinds=("annual",),
    field="content.emissions",
    title=N_("Iron and steel: fugitive sources with permitted concentrations are in the annual report"),
    message=N_(
        "{outlet} {pollutant}: the permit sets a concentration for this fugitive source, "
        "but the annual report has no result for it."
    ),
)
def fugitive_sources_reported(context: RuleContext) -> Iterator[Finding]:
    reported = reported_pairs(context)
    for fact in context.limits:
        key = (fact.point, fact.pollutant)
        if fact.medium is None and key not in reported and monitoring_of(context, *key) is None:
            # Where the permit monitors the source, G026 asks for it.
            yield rule_finding("I3110-04", "content.emissions", outlet=fact.point, pollutant=fact.pollutant)


# ---------------------------------------------------------------------------
# Electroplating 3360 (HJ 855-2017 permits, GB 21900-2008)
# ---------------------------------------------------------------------------

CHROMIUM = ("TCR", "CR6")


@rule(
    "I3360-01",
    severity=ERROR,
    scope=ELECTROPLATING,
    field="content.emissions",
    title=N_("Electroplating: chromium wastewater is monitored for both total and hexavalent chromium"),
    message=N_(
        "{outlet}: {present} is permitted or reported here, but {pollutant} is neither; chromium "
        "plating wastewater is monitored for total and hexavalent chromium."
    ),
)
def chromium_in_pairs(context: RuleContext) -> Iterator[Finding]:
    permitted = {(fact.point, fact.pollutant) for fact in context.limits if fact.medium == "water"}
    known = permitted | reported_pairs(context)
    points = sorted({point for point, pollutant in known if pollutant in CHROMIUM})
    for point in points:
        for pollutant, partner in (("TCR", "CR6"), ("CR6", "TCR")):
            if (point, partner) in known and (point, pollutant) not in known:
                yield rule_finding(
                    "I3360-01", "content.emissions", outlet=point, pollutant=pollutant, present=partner
                )


@rule(
    "I3360-02",
    severity=ERROR,
    scope=ELECTROPLATING,
    field="content.emissions[].concentration_avg",
    title=N_("Electroplating: hexavalent chromium is not above total chromium at the same outlet"),
    message=N_(
        "{outlet}: the average hexavalent chromium {part} mg/L is above the average total chromium "
        "{whole} mg/L."
    ),
)
def hexavalent_within_total_chromium(context: RuleContext) -> Iterator[Finding]:
    yield from part_exceeds_whole(context, "I3360-02", "CR6", "TCR")


@rule(
    "I3360-03",
    severity=ERROR,
    scope=ELECTROPLATING,
    field="content.emissions[].method",
    title=N_("Electroplating: heavy metals are measured, not estimated from emission factors"),
    message=N_(
        "{outlet} {pollutant}: heavy metals (first-class pollutants) must be measured; "
        "emission factors are not accepted."
    ),
)
def heavy_metals_measured(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        point, pollutant = key_of(row)
        if pollutant in HEAVY_METALS and text(row.get("method")) == "factor":
            yield rule_finding(
                "I3360-03", f"content.emissions[{index}].method", outlet=point, pollutant=pollutant
            )


# ---------------------------------------------------------------------------
# Sewage treatment 4620 (HJ 978-2018 permits, GB 18918-2002)
# ---------------------------------------------------------------------------

_required_pollutants(
    "I4620-01",
    SEWAGE_TREATMENT,
    medium="water",
    pollutants=("COD", "NH3N", "TN", "TP", "FCOLI"),
    title=N_(
        "Sewage treatment: COD, ammonia nitrogen, total nitrogen, total phosphorus and faecal coliforms "
        "at the discharge"
    ),
)
_automatic_monitoring(
    "I4620-02",
    SEWAGE_TREATMENT,
    medium="water",
    pollutants=("COD", "NH3N", "TN", "TP"),
    title=N_(
        "Sewage treatment, key management: COD, NH3-N, TN and TP monitored automatically at the discharge"
    ),
    key_only=True,
)


@rule(
    "I4620-03",
    severity=ERROR,
    scope=SEWAGE_TREATMENT,
    field="content.emissions[].unit",
    title=N_("Sewage treatment: faecal coliforms are counted per litre, not weighed"),
    message=N_("{outlet}: faecal coliforms are given in {reported_unit}; they are a count per litre."),
)
def coliforms_counted(context: RuleContext) -> Iterator[Finding]:
    for index, row in context.rows("emissions"):
        point, pollutant = key_of(row)
        if pollutant == "FCOLI" and text(row.get("unit")).lower() == "mg/l":
            yield rule_finding(
                "I4620-03",
                f"content.emissions[{index}].unit",
                outlet=point,
                reported_unit=text(row.get("unit")),
            )


# ---------------------------------------------------------------------------
# Textile dyeing 1713 (HJ 861-2017 permits, GB 4287-2012)
# ---------------------------------------------------------------------------

_required_pollutants(
    "I1713-01",
    TEXTILE_DYEING,
    medium="water",
    pollutants=("COD", "NH3N", "COLOR", "ANILINE"),
    title=N_("Textile dyeing: COD, ammonia nitrogen, colour and anilines at main water outlets"),
)
_automatic_monitoring(
    "I1713-02",
    TEXTILE_DYEING,
    medium="water",
    pollutants=("COD", "NH3N"),
    title=N_("Textile dyeing, key management: COD and ammonia nitrogen monitored automatically"),
    key_only=True,
)


# ---------------------------------------------------------------------------
# Chemicals 2614 / 2619 / 2621 / 2651
# ---------------------------------------------------------------------------

_volatile_organics(
    "I2614-01",
    ORGANIC_CHEMICALS,
    title=N_(
        "Organic chemicals and resins: volatile organic compounds (VOCs or NMHC) at every main air outlet"
    ),
)
_required_pollutants(
    "I2614-02",
    CHEMICALS,
    medium="water",
    pollutants=("COD", "NH3N"),
    title=N_("Chemicals: COD and ammonia nitrogen at main water outlets"),
)


# ---------------------------------------------------------------------------
# Pharmaceuticals 2710 / 2720 (HJ 858.1-2017 permits)
# ---------------------------------------------------------------------------

_required_pollutants(
    "I2710-01",
    PHARMACEUTICALS,
    medium="water",
    pollutants=("COD", "NH3N", "TN", "TP"),
    title=N_(
        "Pharmaceuticals: COD, ammonia nitrogen, total nitrogen and total phosphorus at main water outlets"
    ),
)
_volatile_organics(
    "I2710-02",
    PHARMACEUTICALS,
    title=N_("Pharmaceuticals: volatile organic compounds (VOCs or NMHC) at every main air outlet"),
)
