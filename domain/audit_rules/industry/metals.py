"""Electroplating 3360: HJ 855-2017 (permits), HJ 985-2018 (self-monitoring, electroplating), GB 21900-2008.
Nonferrous smelting 3211 copper, 3212 lead and zinc, 3216 aluminium: HJ 863.1/.2/.3-2017 (permits),
HJ 989-2018 (self-monitoring, nonferrous metals), GB 25465-2010 (aluminium), GB 25466-2010 (lead and zinc),
GB 25467-2010 (copper, nickel, cobalt)."""

from __future__ import annotations

from collections.abc import Iterator

from domain.audit_rules.content import part_exceeds_whole, reported_pairs
from domain.audit_rules.engine import ERROR, Finding, RuleContext, rule, rule_finding
from domain.audit_rules.industry.common import (
    ALUMINIUM,
    ELECTROPLATING,
    LEAD_ZINC,
    NONFERROUS,
    automatic_monitoring,
    boundary_monitoring,
    frequency_floor,
    measured_heavy_metals,
    quantities,
    required_at_site,
    required_pollutants,
    standard_limits,
)
from domain.errors import N_

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


HEXAVALENT_MESSAGE = N_(
    "{outlet}: the average hexavalent chromium {part} mg/L is above the average total chromium {whole} mg/L."
)


@rule(
    "I3360-02",
    severity=ERROR,
    scope=ELECTROPLATING,
    field="content.emissions[].concentration_avg",
    title=N_("Electroplating: hexavalent chromium is not above total chromium at the same outlet"),
    message=HEXAVALENT_MESSAGE,
)
def hexavalent_within_total_chromium(context: RuleContext) -> Iterator[Finding]:
    yield from part_exceeds_whole(context, "I3360-02", "CR6", "TCR")


measured_heavy_metals(
    "I3360-03",
    ELECTROPLATING,
    title=N_("Electroplating: heavy metals are measured, not estimated from emission factors"),
)
standard_limits(
    "I3360-04",
    ELECTROPLATING,
    medium="water",
    values={
        "TCR": 1.0,
        "CR6": 0.2,
        "NI": 0.5,
        "CU": 0.5,
        "ZN": 1.5,
        "CN": 0.3,
        "HG": 0.01,
        "PB": 0.2,
        "CD": 0.05,
        "COD": 80.0,
        "NH3N": 15.0,
        "TN": 20.0,
        "TP": 1.0,
        "SS": 50.0,
        "OIL": 3.0,
    },
    standard="GB 21900-2008",
    title=N_(
        "Electroplating: wastewater maxima within GB 21900-2008 table 2 where the permit allows more "
        "(total chromium 1.0, hexavalent chromium 0.2, nickel 0.5, copper 0.5, zinc 1.5, COD 80 mg/L...)"
    ),
)
standard_limits(
    "I3360-05",
    ELECTROPLATING,
    medium="air",
    values={"CRM": 0.05, "HCL": 30.0, "NOX": 200.0, "FL": 7.0},
    standard="GB 21900-2008",
    title=N_(
        "Electroplating: air maxima within GB 21900-2008 table 5 where the permit allows more "
        "(chromic acid mist 0.05, hydrogen chloride 30, NOx 200, fluorides 7 mg/m³)"
    ),
)
frequency_floor(
    "I3360-06",
    ELECTROPLATING,
    medium="water",
    outlet_kind=None,
    floors={pollutant: "monthly" for pollutant in ("TCR", "CR6", "NI", "CU", "ZN", "CN")},
    title=N_(
        "Electroplating: heavy metals and cyanide in wastewater monitored at least monthly (HJ 985-2018)"
    ),
)
required_at_site(
    "I3360-07",
    ELECTROPLATING,
    medium="water",
    pollutants=("COD", "NH3N"),
    title=N_(
        "Electroplating: COD and ammonia nitrogen at a main water outlet (the total outlet; HJ 855-2017)"
    ),
)

# ---------------------------------------------------------------------------
# Nonferrous smelting 3211 / 3212 / 3216
# ---------------------------------------------------------------------------

required_pollutants(
    "I3211-01",
    NONFERROUS,
    medium="air",
    pollutants=("PM", "SO2"),
    title=N_(
        "Nonferrous smelting: particulate matter and SO2 at every main air outlet (smelting and acid plant "
        "tail gas, electrolysis; HJ 863-2017)"
    ),
)
automatic_monitoring(
    "I3211-02",
    NONFERROUS,
    medium="air",
    pollutants=("PM", "SO2"),
    title=N_(
        "Nonferrous smelting, key management: particulate matter and SO2 monitored automatically at main "
        "air outlets (HJ 989-2018)"
    ),
    key_only=True,
)
quantities(
    "I3211-03",
    NONFERROUS,
    medium="air",
    pollutants=("PM", "SO2", "NOX"),
    title=N_("Nonferrous smelting: quantities of particulate matter, SO2 and NOx at main air outlets"),
)
measured_heavy_metals(
    "I3211-04",
    NONFERROUS,
    title=N_(
        "Nonferrous smelting: heavy metals (lead, cadmium, arsenic, mercury...) are measured, not "
        "estimated from emission factors"
    ),
)
boundary_monitoring(
    "I3211-05",
    NONFERROUS,
    pollutants=("PM",),
    title=N_(
        "Nonferrous smelting: particulate matter at the site boundary in the annual report (HJ 989-2018)"
    ),
)
required_at_site(
    "I3212-01",
    LEAD_ZINC,
    medium="water",
    pollutants=("PB", "CD", "AS", "HG"),
    title=N_(
        "Lead and zinc smelting: lead, cadmium, arsenic and mercury at a main water outlet "
        "(GB 25466-2010 table 2)"
    ),
)
required_pollutants(
    "I3212-02",
    LEAD_ZINC,
    medium="air",
    pollutants=("PB", "HG"),
    marked_by=("SO2",),
    title=N_(
        "Lead and zinc smelting: lead and mercury wherever SO2 is permitted at a main air outlet "
        "(smelting flue gas; GB 25466-2010)"
    ),
)
required_at_site(
    "I3216-01",
    ALUMINIUM,
    medium="air",
    pollutants=("FL",),
    title=N_("Aluminium smelting: fluorides at a main air outlet (electrolysis cells; GB 25465-2010)"),
)
standard_limits(
    "I3216-02",
    ALUMINIUM,
    medium="air",
    values={"FL": 3.0},
    standard="GB 25465-2010",
    title=N_(
        "Aluminium smelting: fluoride maxima within GB 25465-2010 table 5 (3.0 mg/m³) where the permit "
        "allows more"
    ),
)
