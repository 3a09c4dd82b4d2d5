"""Thermal power 4411 / combined heat and power 4412: HJ 942-2018 (permits), HJ 820-2017 (self-monitoring,
thermal power and boilers), GB 13223-2011 (air pollutants of thermal power plants)."""

from __future__ import annotations

from domain.audit_rules.industry.common import (
    THERMAL_POWER,
    ULTRA_LOW_THERMAL_POWER,
    automatic_monitoring,
    boundary_monitoring,
    coal_fired,
    frequency_floor,
    quantities,
    required_at_site,
    required_pollutants,
    standard_limits,
    ultra_low,
)
from domain.errors import N_

required_pollutants(
    "I4411-01",
    THERMAL_POWER,
    medium="air",
    pollutants=("SO2", "NOX", "PM"),
    title=N_("Thermal power: SO2, NOx and particulate matter at every main air outlet"),
)
automatic_monitoring(
    "I4411-02",
    THERMAL_POWER,
    medium="air",
    pollutants=("SO2", "NOX", "PM"),
    title=N_(
        "Thermal power: SO2, NOx and particulate matter are monitored automatically at main air outlets"
    ),
    key_only=False,
)
ultra_low(
    "I4411-03",
    THERMAL_POWER,
    values=ULTRA_LOW_THERMAL_POWER,
    title=N_("Thermal power: averages within the ultra-low emission values (SO2 35, NOx 50, PM 10 mg/m³)"),
)
required_pollutants(
    "I4411-04",
    THERMAL_POWER,
    medium="air",
    pollutants=("HG",),
    kinds=("annual",),
    when=coal_fired,
    title=N_("Coal-fired power: mercury at every main air outlet in the annual report"),
)
quantities(
    "I4411-05",
    THERMAL_POWER,
    medium="air",
    pollutants=("SO2", "NOX", "PM"),
    title=N_("Thermal power: quantities of SO2, NOx and particulate matter at every main air outlet"),
    message=N_("{outlet} {pollutant}: thermal power units report the quantity emitted, but none is given."),
)
standard_limits(
    "I4411-06",
    THERMAL_POWER,
    medium="air",
    values={"PM": 30.0, "NOX": 200.0, "HG": 0.03},
    standard="GB 13223-2011",
    title=N_(
        "Thermal power: maxima within GB 13223-2011 table 1 where the permit allows more "
        "(PM 30, NOx 200, mercury 0.03 mg/m³)"
    ),
)
frequency_floor(
    "I4411-07",
    THERMAL_POWER,
    medium="air",
    floors={"HG": "quarterly"},
    title=N_("Thermal power: mercury at main air outlets monitored at least quarterly (HJ 820-2017 table 1)"),
)
required_at_site(
    "I4411-08",
    THERMAL_POWER,
    medium="air",
    outlet_kind="general",
    pollutants=("PM",),
    kinds=("annual",),
    when=coal_fired,
    outlets_required=True,
    title=N_(
        "Coal-fired power: particulate matter at a general air outlet at least (coal handling, ash and "
        "limestone silos; HJ 942-2018), in the annual report"
    ),
)
frequency_floor(
    "I4411-09",
    THERMAL_POWER,
    medium="water",
    outlet_kind=None,
    floors={"COD": "quarterly", "NH3N": "quarterly"},
    title=N_(
        "Thermal power: COD and ammonia nitrogen in wastewater monitored at least quarterly (HJ 820-2017)"
    ),
)
boundary_monitoring(
    "I4411-10",
    THERMAL_POWER,
    pollutants=("PM",),
    when=coal_fired,
    title=N_(
        "Coal-fired power: particulate matter at the site boundary (coal yard) in the annual report "
        "(HJ 820-2017)"
    ),
)
