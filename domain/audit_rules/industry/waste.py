"""Sewage treatment 4620: HJ 978-2018 (permits, water treatment), GB 18918-2002 (municipal wastewater
treatment plants). Waste incineration 7820: HJ 1039-2019 (permits, domestic waste incineration),
GB 18485-2014 (domestic waste incineration)."""

from __future__ import annotations

from collections.abc import Iterator

from domain.audit_rules.content import text
from domain.audit_rules.engine import ERROR, Finding, RuleContext, rule, rule_finding
from domain.audit_rules.industry.common import (
    SEWAGE_TREATMENT,
    WASTE_INCINERATION,
    automatic_monitoring,
    boundary_monitoring,
    frequency_floor,
    quantities,
    required_at_site,
    required_pollutants,
    standard_limits,
)
from domain.errors import N_

required_pollutants(
    "I4620-01",
    SEWAGE_TREATMENT,
    medium="water",
    pollutants=("COD", "NH3N", "TN", "TP", "FCOLI"),
    title=N_(
        "Sewage treatment: COD, ammonia nitrogen, total nitrogen, total phosphorus and faecal coliforms "
        "at the discharge"
    ),
)
automatic_monitoring(
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
    for entry in context.entries("emissions"):
        if entry.pollutant == "FCOLI" and text(entry.row.get("unit")).lower() == "mg/l":
            yield rule_finding(
                "I4620-03",
                f"content.emissions[{entry.index}].unit",
                outlet=entry.point,
                reported_unit=text(entry.row.get("unit")),
            )


standard_limits(
    "I4620-04",
    SEWAGE_TREATMENT,
    medium="water",
    values={"COD": 120.0, "BOD5": 60.0, "SS": 50.0, "TP": 5.0},
    standard="GB 18918-2002",
    title=N_(
        "Sewage treatment: maxima within the loosest class (III) of GB 18918-2002 table 1 where the permit "
        "allows more (COD 120, BOD5 60, SS 50, TP 5 mg/L)"
    ),
)
frequency_floor(
    "I4620-05",
    SEWAGE_TREATMENT,
    medium="water",
    floors={pollutant: "monthly" for pollutant in ("BOD5", "SS", "COLOR", "FCOLI")},
    title=N_(
        "Sewage treatment: BOD5, suspended solids, colour and faecal coliforms at the discharge monitored "
        "at least monthly (HJ 978-2018)"
    ),
)
quantities(
    "I4620-06",
    SEWAGE_TREATMENT,
    medium="water",
    pollutants=("COD", "NH3N", "TN", "TP"),
    title=N_(
        "Sewage treatment: quantities of COD, ammonia nitrogen, total nitrogen and total phosphorus at the "
        "discharge (HJ 978-2018)"
    ),
)
required_at_site(
    "I4620-07",
    SEWAGE_TREATMENT,
    medium="air",
    outlet_kind="general",
    pollutants=("NH3", "H2S"),
    title=N_(
        "Sewage treatment: ammonia and hydrogen sulphide at a general air outlet at least, where the plant "
        "has general air outlets (deodorisation; HJ 978-2018)"
    ),
)
boundary_monitoring(
    "I4620-08",
    SEWAGE_TREATMENT,
    pollutants=("NH3", "H2S"),
    title=N_(
        "Sewage treatment: ammonia and hydrogen sulphide at the site boundary in the annual report "
        "(GB 18918-2002 table 4)"
    ),
)
standard_limits(
    "I4620-09",
    SEWAGE_TREATMENT,
    medium=None,
    values={"NH3": 4.0, "H2S": 0.32},
    standard="GB 18918-2002",
    title=N_(
        "Sewage treatment: boundary maxima within the loosest class (III) of GB 18918-2002 table 4 where "
        "the permit allows more (ammonia 4.0, hydrogen sulphide 0.32 mg/m³)"
    ),
)

# ---------------------------------------------------------------------------
# Waste incineration 7820 (HJ 1039-2019 permits, GB 18485-2014)
# ---------------------------------------------------------------------------

required_pollutants(
    "I7820-01",
    WASTE_INCINERATION,
    medium="air",
    pollutants=("PM", "SO2", "NOX", "HCL", "HG"),
    title=N_(
        "Waste incineration: particulate matter, SO2, NOx, hydrogen chloride and mercury at every "
        "incinerator stack (HJ 1039-2019)"
    ),
)
required_pollutants(
    "I7820-02",
    WASTE_INCINERATION,
    medium="air",
    pollutants=("DIOX",),
    kinds=("annual",),
    title=N_(
        "Waste incineration: dioxins at every incinerator stack in the annual report (at least once a "
        "year, GB 18485-2014)"
    ),
)
automatic_monitoring(
    "I7820-03",
    WASTE_INCINERATION,
    medium="air",
    pollutants=("PM", "SO2", "NOX", "HCL"),
    title=N_(
        "Waste incineration: particulate matter, SO2, NOx and hydrogen chloride monitored automatically "
        "(GB 18485-2014)"
    ),
    key_only=False,
)
standard_limits(
    "I7820-04",
    WASTE_INCINERATION,
    medium="air",
    values={"PM": 30.0, "NOX": 300.0, "SO2": 100.0, "HCL": 60.0, "HG": 0.05},
    standard="GB 18485-2014",
    title=N_(
        "Waste incineration: maxima within the hourly values of GB 18485-2014 table 4 where the permit "
        "allows more (PM 30, NOx 300, SO2 100, hydrogen chloride 60, mercury 0.05 mg/m³)"
    ),
)
frequency_floor(
    "I7820-05",
    WASTE_INCINERATION,
    medium="air",
    floors={"HG": "monthly"},
    title=N_("Waste incineration: mercury at the stacks measured at least monthly (GB 18485-2014)"),
)
quantities(
    "I7820-06",
    WASTE_INCINERATION,
    medium="air",
    pollutants=("PM", "SO2", "NOX"),
    title=N_("Waste incineration: quantities of particulate matter, SO2 and NOx at the stacks"),
)
boundary_monitoring(
    "I7820-07",
    WASTE_INCINERATION,
    pollutants=("NH3", "H2S"),
    title=N_(
        "Waste incineration: ammonia and hydrogen sulphide at the site boundary (waste bunker, leachate) "
        "in the annual report (HJ 1039-2019)"
    ),
)
