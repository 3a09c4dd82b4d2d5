"""Textile dyeing 1713: HJ 861-2017 (permits, textile printing and dyeing), HJ 879-2017 (self-monitoring,
textile printing and dyeing), GB 4287-2012. Leather tanning 1910: HJ 859.1-2017 (permits, tanning),
GB 30486-2013 (water pollutants of the leather industry)."""

from __future__ import annotations

from collections.abc import Iterator

from domain.audit_rules.content import part_exceeds_whole
from domain.audit_rules.engine import ERROR, Finding, RuleContext, rule
from domain.audit_rules.industry.common import (
    LEATHER,
    TEXTILE_DYEING,
    automatic_monitoring,
    frequency_floor,
    measured_heavy_metals,
    quantities,
    required_at_site,
    required_pollutants,
    standard_limits,
)
from domain.audit_rules.industry.metals import HEXAVALENT_MESSAGE
from domain.errors import N_

required_pollutants(
    "I1713-01",
    TEXTILE_DYEING,
    medium="water",
    pollutants=("COD", "NH3N", "COLOR", "ANILINE"),
    title=N_("Textile dyeing: COD, ammonia nitrogen, colour and anilines at main water outlets"),
)
automatic_monitoring(
    "I1713-02",
    TEXTILE_DYEING,
    medium="water",
    pollutants=("COD", "NH3N"),
    title=N_("Textile dyeing, key management: COD and ammonia nitrogen monitored automatically"),
    key_only=True,
)
standard_limits(
    "I1713-03",
    TEXTILE_DYEING,
    medium="water",
    values={"ANILINE": 1.0, "S2": 0.5, "CR6": 0.5},
    standard="GB 4287-2012",
    title=N_(
        "Textile dyeing: maxima within GB 4287-2012 table 2 for direct and indirect discharge where the "
        "permit allows more (anilines 1.0, sulphides 0.5, hexavalent chromium 0.5 mg/L)"
    ),
)
frequency_floor(
    "I1713-04",
    TEXTILE_DYEING,
    medium="water",
    floors={pollutant: "monthly" for pollutant in ("COLOR", "SS", "BOD5", "TN", "TP", "ANILINE", "S2")},
    title=N_(
        "Textile dyeing: colour, suspended solids, BOD5, total nitrogen, total phosphorus, anilines and "
        "sulphides at main water outlets monitored at least monthly (HJ 879-2017)"
    ),
)
quantities(
    "I1713-05",
    TEXTILE_DYEING,
    medium="water",
    pollutants=("COD", "NH3N"),
    title=N_("Textile dyeing: quantities of COD and ammonia nitrogen at main water outlets (HJ 861-2017)"),
)

# ---------------------------------------------------------------------------
# Leather tanning 1910 (HJ 859.1-2017 permits, GB 30486-2013)
# ---------------------------------------------------------------------------

required_at_site(
    "I1910-01",
    LEATHER,
    medium="water",
    pollutants=("COD", "NH3N", "S2", "TCR"),
    title=N_(
        "Tanning: COD, ammonia nitrogen, sulphides and total chromium at a main water outlet "
        "(total chromium at the chrome tanning workshop outlet; HJ 859.1-2017)"
    ),
)
standard_limits(
    "I1910-02",
    LEATHER,
    medium="water",
    values={"TCR": 1.5, "CR6": 0.1},
    standard="GB 30486-2013",
    title=N_(
        "Tanning: chromium maxima within GB 30486-2013 table 2 where the permit allows more "
        "(total chromium 1.5, hexavalent chromium 0.1 mg/L)"
    ),
)


@rule(
    "I1910-03",
    severity=ERROR,
    scope=LEATHER,
    field="content.emissions[].concentration_avg",
    title=N_("Tanning: hexavalent chromium is not above total chromium at the same outlet"),
    message=HEXAVALENT_MESSAGE,
)
def tanning_hexavalent_within_total(context: RuleContext) -> Iterator[Finding]:
    yield from part_exceeds_whole(context, "I1910-03", "CR6", "TCR")


measured_heavy_metals(
    "I1910-04",
    LEATHER,
    title=N_("Tanning: chromium and other heavy metals are measured, not estimated from emission factors"),
)
automatic_monitoring(
    "I1910-05",
    LEATHER,
    medium="water",
    pollutants=("COD", "NH3N"),
    title=N_("Tanning, key management: COD and ammonia nitrogen monitored automatically (HJ 859.1-2017)"),
    key_only=True,
)
