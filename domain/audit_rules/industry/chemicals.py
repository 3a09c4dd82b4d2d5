"""Chemicals 2614 / 2619 / 2621 / 2651: HJ 853-2017 (permits, petrochemicals), HJ 864.1-2017 (permits,
nitrogen fertiliser), HJ 947-2018 (self-monitoring, petrochemicals), HJ 819-2017 (self-monitoring, general),
GB 31571-2015 (petrochemicals), GB 31572-2015 (synthetic resins), GB 13458-2013 (synthetic ammonia).
Refining 2511: HJ 853-2017, HJ 880-2017 (self-monitoring, petroleum refining), GB 31570-2015.
Pharmaceuticals 2710 / 2720: HJ 858.1-2017 (permits, active pharmaceutical ingredients), HJ 883-2017
(self-monitoring, chemically synthesised pharmaceuticals), GB 37823-2019 (air pollutants, pharmaceuticals)."""

from __future__ import annotations

from domain.audit_rules.industry.common import (
    ACTIVE_INGREDIENTS,
    CHEMICALS,
    NITROGEN_FERTILISER,
    ORGANIC_CHEMICALS,
    ORGANIC_RAW_MATERIALS,
    PHARMACEUTICALS,
    REFINING,
    RESINS,
    VOLATILE_ORGANICS,
    automatic_monitoring,
    boundary_monitoring,
    frequency_floor,
    quantities,
    required_at_site,
    required_pollutants,
    standard_limits,
    volatile_organics,
)
from domain.errors import N_

volatile_organics(
    "I2614-01",
    ORGANIC_CHEMICALS,
    title=N_(
        "Organic chemicals and resins: volatile organic compounds (VOCs or NMHC) at every main air outlet"
    ),
)
required_pollutants(
    "I2614-02",
    CHEMICALS,
    medium="water",
    pollutants=("COD", "NH3N"),
    title=N_("Chemicals: COD and ammonia nitrogen at main water outlets"),
)
automatic_monitoring(
    "I2614-03",
    CHEMICALS,
    medium="water",
    pollutants=("COD", "NH3N"),
    title=N_(
        "Chemicals, key management: COD and ammonia nitrogen monitored automatically at main water outlets "
        "(HJ 819-2017)"
    ),
    key_only=True,
)
frequency_floor(
    "I2614-04",
    ORGANIC_CHEMICALS,
    medium="air",
    floors={pollutant: "monthly" for pollutant in VOLATILE_ORGANICS},
    title=N_(
        "Organic chemicals and resins: VOCs or NMHC at main air outlets monitored at least monthly where "
        "not automatic (HJ 947-2018)"
    ),
)
quantities(
    "I2614-05",
    ORGANIC_CHEMICALS,
    medium="air",
    pollutants=VOLATILE_ORGANICS,
    title=N_(
        "Organic chemicals and resins: quantities of volatile organic compounds at main air outlets "
        "(HJ 853-2017)"
    ),
)
boundary_monitoring(
    "I2614-06",
    ORGANIC_CHEMICALS,
    pollutants=("NMHC",),
    title=N_("Organic chemicals and resins: NMHC at the site boundary in the annual report (HJ 947-2018)"),
)
standard_limits(
    "I2614-07",
    ORGANIC_CHEMICALS,
    medium=None,
    values={"NMHC": 4.0},
    standard="GB 31571-2015 / GB 31572-2015",
    title=N_(
        "Organic chemicals and resins: boundary NMHC maxima within GB 31571-2015 and GB 31572-2015 "
        "(4.0 mg/m³) where the permit allows more"
    ),
)
standard_limits(
    "I2614-08",
    ORGANIC_RAW_MATERIALS,
    medium="air",
    values={"PM": 20.0, "SO2": 100.0, "NOX": 150.0, "NMHC": 120.0, "HCL": 30.0},
    standard="GB 31571-2015",
    title=N_(
        "Organic chemical raw materials: maxima within GB 31571-2015 table 4 where the permit allows more "
        "(PM 20, SO2 100, NOx 150, NMHC 120, hydrogen chloride 30 mg/m³)"
    ),
)
standard_limits(
    "I2651-01",
    RESINS,
    medium="air",
    values={"PM": 30.0, "NMHC": 100.0},
    standard="GB 31572-2015",
    title=N_(
        "Synthetic resins: maxima within GB 31572-2015 table 4 where the permit allows more "
        "(PM 30, NMHC 100 mg/m³)"
    ),
)
required_pollutants(
    "I2621-01",
    NITROGEN_FERTILISER,
    medium="water",
    pollutants=("TN", "TP", "CN", "S2", "OIL"),
    title=N_(
        "Nitrogen fertiliser: total nitrogen, total phosphorus, cyanide, sulphides and petroleum oils at "
        "main water outlets (GB 13458-2013 table 2; HJ 864.1-2017)"
    ),
)
boundary_monitoring(
    "I2621-02",
    NITROGEN_FERTILISER,
    pollutants=("NH3",),
    title=N_("Nitrogen fertiliser: ammonia at the site boundary in the annual report (GB 13458-2013)"),
)
required_at_site(
    "I2621-03",
    NITROGEN_FERTILISER,
    medium="air",
    pollutants=("PM", "NH3"),
    title=N_(
        "Nitrogen fertiliser: particulate matter and ammonia at a main air outlet (urea prilling tower; "
        "GB 13458-2013)"
    ),
)

# ---------------------------------------------------------------------------
# Petroleum refining 2511 (HJ 853-2017 permits, HJ 880-2017 self-monitoring, GB 31570-2015)
# ---------------------------------------------------------------------------

required_pollutants(
    "I2511-01",
    REFINING,
    medium="water",
    pollutants=("COD", "NH3N", "OIL", "S2", "VOLPH"),
    title=N_(
        "Refining: COD, ammonia nitrogen, petroleum oils, sulphides and volatile phenols at main water "
        "outlets (GB 31570-2015 table 1)"
    ),
)
automatic_monitoring(
    "I2511-02",
    REFINING,
    medium="water",
    pollutants=("COD", "NH3N"),
    title=N_("Refining, key management: COD and ammonia nitrogen monitored automatically (HJ 880-2017)"),
    key_only=True,
)
standard_limits(
    "I2511-03",
    REFINING,
    medium="air",
    values={"PM": 50.0, "SO2": 400.0, "NOX": 200.0, "NMHC": 120.0},
    standard="GB 31570-2015",
    title=N_(
        "Refining: maxima within GB 31570-2015 table 3 where the permit allows more (PM 50, SO2 400, "
        "NOx 200, NMHC 120 mg/m³)"
    ),
)
quantities(
    "I2511-04",
    REFINING,
    medium="air",
    pollutants=("PM", "SO2", "NOX", *VOLATILE_ORGANICS),
    title=N_(
        "Refining: quantities of particulate matter, SO2, NOx and volatile organic compounds at main air "
        "outlets (HJ 853-2017)"
    ),
)
boundary_monitoring(
    "I2511-05",
    REFINING,
    pollutants=("NMHC",),
    title=N_("Refining: NMHC at the site boundary in the annual report (GB 31570-2015)"),
)
frequency_floor(
    "I2511-06",
    REFINING,
    medium="water",
    floors={pollutant: "monthly" for pollutant in ("OIL", "S2", "VOLPH")},
    title=N_(
        "Refining: petroleum oils, sulphides and volatile phenols at main water outlets monitored at least "
        "monthly (HJ 880-2017)"
    ),
)

# ---------------------------------------------------------------------------
# Pharmaceuticals 2710 / 2720 (HJ 858.1-2017 permits, HJ 883-2017 self-monitoring, GB 37823-2019)
# ---------------------------------------------------------------------------

required_pollutants(
    "I2710-01",
    PHARMACEUTICALS,
    medium="water",
    pollutants=("COD", "NH3N", "TN", "TP"),
    title=N_(
        "Pharmaceuticals: COD, ammonia nitrogen, total nitrogen and total phosphorus at main water outlets"
    ),
)
volatile_organics(
    "I2710-02",
    PHARMACEUTICALS,
    title=N_("Pharmaceuticals: volatile organic compounds (VOCs or NMHC) at every main air outlet"),
)
standard_limits(
    "I2710-03",
    PHARMACEUTICALS,
    medium="air",
    values={"PM": 30.0, "NMHC": 100.0, "VOCS": 150.0, "HCL": 30.0},
    standard="GB 37823-2019",
    title=N_(
        "Pharmaceuticals: maxima within GB 37823-2019 table 1 where the permit allows more (PM 30, "
        "NMHC 100, TVOC 150, hydrogen chloride 30 mg/m³)"
    ),
)
automatic_monitoring(
    "I2710-04",
    PHARMACEUTICALS,
    medium="water",
    pollutants=("COD", "NH3N"),
    title=N_(
        "Pharmaceuticals, key management: COD and ammonia nitrogen monitored automatically (HJ 883-2017)"
    ),
    key_only=True,
)
quantities(
    "I2710-05",
    PHARMACEUTICALS,
    medium="water",
    pollutants=("COD", "NH3N"),
    title=N_("Pharmaceuticals: quantities of COD and ammonia nitrogen at main water outlets (HJ 858.1-2017)"),
)
boundary_monitoring(
    "I2710-06",
    ACTIVE_INGREDIENTS,
    pollutants=("NMHC",),
    title=N_(
        "Active pharmaceutical ingredients: NMHC at the site boundary in the annual report (HJ 883-2017)"
    ),
)
frequency_floor(
    "I2710-07",
    PHARMACEUTICALS,
    medium="water",
    floors={pollutant: "monthly" for pollutant in ("TN", "TP", "SS", "BOD5")},
    title=N_(
        "Pharmaceuticals: total nitrogen, total phosphorus, suspended solids and BOD5 at main water outlets "
        "monitored at least monthly (HJ 883-2017)"
    ),
)
frequency_floor(
    "I2710-08",
    PHARMACEUTICALS,
    medium="air",
    floors={pollutant: "monthly" for pollutant in VOLATILE_ORGANICS},
    title=N_(
        "Pharmaceuticals: VOCs or NMHC at main air outlets monitored at least monthly where not automatic "
        "(HJ 883-2017)"
    ),
)
