"""Pulp and paper 2211 / 2221: the paper permit specification, HJ 821-2017 (self-monitoring, pulp and
paper), GB 3544-2008 (water pollutants of the pulp and paper industry). Printing 2319: HJ 1066-2019
(permits, printing)."""

from __future__ import annotations

from domain.audit_rules.industry.common import (
    PAPER,
    PRINTING,
    PULP,
    VOLATILE_ORGANICS,
    automatic_monitoring,
    boundary_monitoring,
    frequency_floor,
    quantities,
    required_pollutants,
    volatile_organics,
)
from domain.errors import N_

required_pollutants(
    "I2221-01",
    PAPER,
    medium="water",
    pollutants=("COD", "NH3N", "TN", "TP"),
    title=N_(
        "Pulp and paper: COD, ammonia nitrogen, total nitrogen and total phosphorus at main water outlets"
    ),
)
automatic_monitoring(
    "I2221-02",
    PAPER,
    medium="water",
    pollutants=("COD", "NH3N"),
    title=N_("Pulp and paper, key management: COD and ammonia nitrogen monitored automatically"),
    key_only=True,
)
frequency_floor(
    "I2221-03",
    PAPER,
    medium="water",
    floors={pollutant: "monthly" for pollutant in ("SS", "COLOR", "BOD5", "TN", "TP")},
    title=N_(
        "Pulp and paper: suspended solids, colour, BOD5, total nitrogen and total phosphorus at main water "
        "outlets monitored at least monthly (HJ 821-2017 table 1)"
    ),
)
quantities(
    "I2221-04",
    PAPER,
    medium="water",
    pollutants=("COD", "NH3N"),
    title=N_("Pulp and paper: quantities of COD and ammonia nitrogen at main water outlets"),
)
boundary_monitoring(
    "I2221-05",
    PAPER,
    pollutants=("NH3", "H2S"),
    title=N_(
        "Pulp and paper: ammonia and hydrogen sulphide at the site boundary (wastewater treatment) in the "
        "annual report (HJ 821-2017)"
    ),
)
required_pollutants(
    "I2211-01",
    PULP,
    medium="water",
    pollutants=("AOX",),
    kinds=("annual",),
    title=N_("Pulp (bleaching): adsorbable organic halogens at main water outlets in the annual report"),
)
required_pollutants(
    "I2211-02",
    PULP,
    medium="air",
    pollutants=("PM", "SO2", "NOX"),
    title=N_(
        "Pulp: particulate matter, SO2 and NOx at every main air outlet (recovery boiler, lime kiln; "
        "HJ 821-2017)"
    ),
)

# ---------------------------------------------------------------------------
# Printing 2319 (HJ 1066-2019 permits)
# ---------------------------------------------------------------------------

volatile_organics(
    "I2319-01",
    PRINTING,
    title=N_("Printing: volatile organic compounds (VOCs or NMHC) at every main air outlet (HJ 1066-2019)"),
)
automatic_monitoring(
    "I2319-02",
    PRINTING,
    medium="air",
    pollutants=VOLATILE_ORGANICS,
    title=N_("Printing, key management: VOCs or NMHC monitored automatically at main air outlets"),
    key_only=True,
)
quantities(
    "I2319-03",
    PRINTING,
    medium="air",
    pollutants=VOLATILE_ORGANICS,
    title=N_("Printing: quantities of volatile organic compounds at main air outlets (HJ 1066-2019)"),
)
boundary_monitoring(
    "I2319-04",
    PRINTING,
    pollutants=("NMHC",),
    title=N_("Printing: NMHC at the site boundary in the annual report (HJ 1066-2019)"),
)
frequency_floor(
    "I2319-05",
    PRINTING,
    medium="air",
    floors={pollutant: "quarterly" for pollutant in VOLATILE_ORGANICS},
    title=N_(
        "Printing: VOCs or NMHC at main air outlets monitored at least quarterly where not automatic "
        "(HJ 1066-2019)"
    ),
)
