"""Iron and steel 3110 / 3120: HJ 846-2017 (permits), HJ 878-2017 (self-monitoring, iron and steel and
coking), GB 28662-2012 (sintering), GB 28663-2012 (iron making), GB 28664-2012 (steel making), the
ultra-low emission opinions (2019). Coking 2521: HJ 854-2017 (permits), HJ 878-2017, GB 16171-2012."""

from __future__ import annotations

from collections.abc import Iterator

from domain.audit_rules.content import reported_pairs
from domain.audit_rules.engine import WARNING, Finding, RuleContext, rule, rule_finding
from domain.audit_rules.industry.common import (
    COKING,
    IRON_AND_STEEL,
    IRON_MAKING,
    STEEL_MAKING,
    ULTRA_LOW_COKING,
    ULTRA_LOW_IRON_AND_STEEL,
    automatic_monitoring,
    boundary_monitoring,
    frequency_floor,
    quantities,
    required_pollutants,
    standard_limits,
    ultra_low,
)
from domain.errors import N_

required_pollutants(
    "I3110-01",
    IRON_AND_STEEL,
    medium="air",
    pollutants=("PM",),
    title=N_("Iron and steel: particulate matter at every main air outlet"),
)
ultra_low(
    "I3110-02",
    IRON_AND_STEEL,
    values=ULTRA_LOW_IRON_AND_STEEL,
    title=N_("Iron and steel: particulate averages within the ultra-low emission value (10 mg/m³)"),
)
automatic_monitoring(
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
        if fact.medium is None and key not in reported and context.monitored(*key) is None:
            # Where the permit monitors the source, G026 asks for it.
            yield rule_finding("I3110-04", "content.emissions", outlet=fact.point, pollutant=fact.pollutant)


required_pollutants(
    "I3110-05",
    IRON_AND_STEEL,
    medium="air",
    pollutants=("NOX",),
    marked_by=("SO2",),
    title=N_(
        "Iron and steel: NOx wherever SO2 is permitted at a main air outlet (sinter and pellet machine "
        "heads; HJ 846-2017, HJ 878-2017)"
    ),
)
automatic_monitoring(
    "I3110-06",
    IRON_AND_STEEL,
    medium="air",
    pollutants=("SO2", "NOX"),
    marked_by=("SO2",),
    title=N_(
        "Iron and steel, key management: SO2 and NOx monitored automatically at sinter and pellet machine "
        "heads (HJ 878-2017)"
    ),
    key_only=True,
)
standard_limits(
    "I3110-07",
    IRON_MAKING,
    medium="air",
    values={"PM": 50.0, "SO2": 200.0, "NOX": 300.0, "FL": 4.0},
    standard="GB 28662-2012 / GB 28663-2012",
    title=N_(
        "Sintering and iron making: maxima within GB 28662-2012 and GB 28663-2012 table 2 where the permit "
        "allows more (PM 50, SO2 200, NOx 300, fluorides 4.0 mg/m³)"
    ),
)
quantities(
    "I3110-08",
    IRON_AND_STEEL,
    medium="air",
    pollutants=("PM", "SO2", "NOX"),
    title=N_(
        "Iron and steel: quantities of particulate matter, SO2 and NOx at main air outlets (HJ 846-2017)"
    ),
)
standard_limits(
    "I3120-01",
    STEEL_MAKING,
    medium="air",
    values={"PM": 50.0},
    standard="GB 28664-2012",
    title=N_(
        "Steel making: particulate maxima within GB 28664-2012 table 2 (50 mg/m³) where the permit allows "
        "more"
    ),
)

# ---------------------------------------------------------------------------
# Coking 2521 (HJ 854-2017 permits, HJ 878-2017 self-monitoring, GB 16171-2012)
# ---------------------------------------------------------------------------

required_pollutants(
    "I2521-01",
    COKING,
    medium="air",
    pollutants=("PM", "SO2"),
    title=N_(
        "Coking: particulate matter and SO2 at every main air outlet (coke oven chimney, charging and "
        "pushing stations, dry quenching; HJ 854-2017)"
    ),
)
automatic_monitoring(
    "I2521-02",
    COKING,
    medium="air",
    pollutants=("PM", "SO2", "NOX"),
    marked_by=("NOX",),
    title=N_(
        "Coking, key management: particulate matter, SO2 and NOx monitored automatically at the coke oven "
        "chimney (HJ 878-2017)"
    ),
    key_only=True,
)
standard_limits(
    "I2521-03",
    COKING,
    medium="air",
    values={"PM": 50.0, "SO2": 100.0, "NOX": 500.0, "NH3": 30.0, "H2S": 3.0},
    standard="GB 16171-2012",
    title=N_(
        "Coking: maxima within GB 16171-2012 table 5 where the permit allows more (PM 50, SO2 100, "
        "NOx 500, ammonia 30, hydrogen sulphide 3 mg/m³)"
    ),
)
ultra_low(
    "I2521-04",
    COKING,
    values=ULTRA_LOW_COKING,
    title=N_(
        "Coking: averages within the ultra-low emission values of the coke oven chimney "
        "(PM 10, SO2 30, NOx 150 mg/m³)"
    ),
)
required_pollutants(
    "I2521-05",
    COKING,
    medium="water",
    pollutants=("COD", "NH3N", "VOLPH", "CN"),
    title=N_(
        "Coking: COD, ammonia nitrogen, volatile phenols and cyanide at main water outlets "
        "(GB 16171-2012 table 2)"
    ),
)
automatic_monitoring(
    "I2521-06",
    COKING,
    medium="water",
    pollutants=("COD", "NH3N"),
    title=N_("Coking, key management: COD and ammonia nitrogen monitored automatically (HJ 878-2017)"),
    key_only=True,
)
boundary_monitoring(
    "I2521-07",
    COKING,
    pollutants=("NH3", "H2S"),
    title=N_("Coking: ammonia and hydrogen sulphide at the site boundary in the annual report (HJ 878-2017)"),
)
standard_limits(
    "I2521-08",
    COKING,
    medium=None,
    values={"PM": 1.0, "NH3": 0.2, "H2S": 0.01},
    standard="GB 16171-2012",
    title=N_(
        "Coking: boundary maxima within GB 16171-2012 table 7 where the permit allows more "
        "(PM 1.0, ammonia 0.2, hydrogen sulphide 0.01 mg/m³)"
    ),
)
quantities(
    "I2521-09",
    COKING,
    medium="air",
    pollutants=("PM", "SO2", "NOX"),
    title=N_("Coking: quantities of particulate matter, SO2 and NOx at main air outlets (HJ 854-2017)"),
)
frequency_floor(
    "I2521-10",
    COKING,
    medium="water",
    floors={pollutant: "monthly" for pollutant in ("VOLPH", "CN", "S2", "OIL")},
    title=N_(
        "Coking: volatile phenols, cyanide, sulphides and petroleum oils at main water outlets monitored "
        "at least monthly (HJ 878-2017)"
    ),
)
