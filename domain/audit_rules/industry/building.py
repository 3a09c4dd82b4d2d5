"""Cement 3011: HJ 847-2017 (permits, cement), HJ 848-2017 (self-monitoring, cement), GB 4915-2013, the
cement ultra-low emission opinions (2024). Flat glass 3041: HJ 856-2017 (permits, flat glass),
GB 26453-2011 (air pollutants of the flat glass industry)."""

from __future__ import annotations

from domain.audit_rules.industry.common import (
    CEMENT,
    FLAT_GLASS,
    ULTRA_LOW_CEMENT,
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
    "I3011-01",
    CEMENT,
    medium="air",
    pollutants=("PM",),
    title=N_("Cement: particulate matter at every main air outlet (kiln head and kiln tail; HJ 847-2017)"),
)
required_pollutants(
    "I3011-02",
    CEMENT,
    medium="air",
    pollutants=("SO2", "NOX", "FL", "HG"),
    marked_by=("SO2", "NOX"),
    title=N_(
        "Cement: SO2, NOx, fluorides and mercury at the kiln tail (the main outlet with SO2 or NOx; "
        "GB 4915-2013 table 1)"
    ),
)
automatic_monitoring(
    "I3011-03",
    CEMENT,
    medium="air",
    pollutants=("PM", "SO2", "NOX"),
    title=N_(
        "Cement: particulate matter, SO2 and NOx monitored automatically at kiln head and tail (HJ 848-2017)"
    ),
    key_only=False,
)
standard_limits(
    "I3011-04",
    CEMENT,
    medium="air",
    values={"PM": 30.0, "SO2": 200.0, "NOX": 400.0, "FL": 5.0, "HG": 0.05, "NH3": 10.0},
    standard="GB 4915-2013",
    title=N_(
        "Cement: maxima within GB 4915-2013 table 1 where the permit allows more (PM 30, SO2 200, NOx 400, "
        "fluorides 5, mercury 0.05, ammonia 10 mg/m³)"
    ),
)
ultra_low(
    "I3011-05",
    CEMENT,
    values=ULTRA_LOW_CEMENT,
    title=N_("Cement: averages within the ultra-low emission values (PM 10, SO2 35, NOx 50 mg/m³)"),
)
frequency_floor(
    "I3011-06",
    CEMENT,
    medium="air",
    floors={"FL": "quarterly", "NH3": "quarterly", "HG": "semiannual"},
    title=N_(
        "Cement: fluorides and ammonia at least quarterly, mercury at least half-yearly at the kiln tail "
        "(HJ 848-2017)"
    ),
)
required_pollutants(
    "I3011-07",
    CEMENT,
    medium="air",
    outlet_kind="general",
    pollutants=("PM",),
    title=N_("Cement: particulate matter at every general air outlet (mills, crushers, silos; HJ 847-2017)"),
)
boundary_monitoring(
    "I3011-08",
    CEMENT,
    pollutants=("PM",),
    title=N_("Cement: particulate matter at the site boundary in the annual report (HJ 848-2017)"),
)
standard_limits(
    "I3011-09",
    CEMENT,
    medium=None,
    values={"PM": 0.5},
    standard="GB 4915-2013",
    title=N_(
        "Cement: boundary particulate maxima within GB 4915-2013 table 3 (0.5 mg/m³) where the permit "
        "allows more"
    ),
)
quantities(
    "I3011-10",
    CEMENT,
    medium="air",
    pollutants=("PM", "SO2", "NOX"),
    title=N_("Cement: quantities of particulate matter, SO2 and NOx at main air outlets (HJ 847-2017)"),
)

# ---------------------------------------------------------------------------
# Flat glass 3041 (HJ 856-2017 permits, GB 26453-2011)
# ---------------------------------------------------------------------------

required_pollutants(
    "I3041-01",
    FLAT_GLASS,
    medium="air",
    pollutants=("PM", "SO2", "NOX"),
    title=N_("Flat glass: particulate matter, SO2 and NOx at every melting furnace stack (HJ 856-2017)"),
)
automatic_monitoring(
    "I3041-02",
    FLAT_GLASS,
    medium="air",
    pollutants=("PM", "SO2", "NOX"),
    title=N_(
        "Flat glass: particulate matter, SO2 and NOx monitored automatically at melting furnace stacks "
        "(HJ 856-2017)"
    ),
    key_only=False,
)
standard_limits(
    "I3041-03",
    FLAT_GLASS,
    medium="air",
    values={"PM": 50.0, "SO2": 400.0, "NOX": 700.0, "HCL": 30.0, "FL": 5.0},
    standard="GB 26453-2011",
    title=N_(
        "Flat glass: maxima within GB 26453-2011 table 2 where the permit allows more (PM 50, SO2 400, "
        "NOx 700, hydrogen chloride 30, fluorides 5 mg/m³)"
    ),
)
quantities(
    "I3041-04",
    FLAT_GLASS,
    medium="air",
    pollutants=("PM", "SO2", "NOX"),
    title=N_("Flat glass: quantities of particulate matter, SO2 and NOx at main air outlets (HJ 856-2017)"),
)
boundary_monitoring(
    "I3041-05",
    FLAT_GLASS,
    pollutants=("PM",),
    title=N_("Flat glass: particulate matter at the site boundary in the annual report (HJ 856-2017)"),
)
