"""Industry rule sets (scope: GB/T 4754 codes). Codes I<industry>-nn, one module per industry group.

Each set adds what the industry's technical specification for permit application and issuance (HJ 8xx),
its self-monitoring guideline and its discharge standard ask for beyond the general rules; every rule
names its standard and clause in its title. The kinds of check, shared by the sets, live in ``common``:
required pollutants per outlet kind, automatic monitoring, minimum monitoring frequency, the standard's
limit values, ultra-low emission values, quantities at main outlets, boundary (fugitive) monitoring and
measured heavy metals. Importing this package registers every industry rule.
"""

from __future__ import annotations

from domain.audit_rules.industry import (  # noqa: F401  (importing registers the rules)
    building,
    chemicals,
    metals,
    paper,
    power,
    steel,
    textile,
    waste,
)
from domain.audit_rules.industry.common import (
    HEAVY_METALS,
    ULTRA_LOW_IRON_AND_STEEL,
    ULTRA_LOW_THERMAL_POWER,
)

__all__ = ["HEAVY_METALS", "ULTRA_LOW_IRON_AND_STEEL", "ULTRA_LOW_THERMAL_POWER"]
