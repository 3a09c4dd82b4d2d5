"""Who acts in the demo city's history: the operator who loads it, each region's permitting section,
and the administrators of the units that have logins."""

from __future__ import annotations

from dataclasses import dataclass

from domain.access import Actor


@dataclass
class CityActors:
    operator: Actor
    permitting: dict[str, Actor]  # "31" / "37" → the region's permitting section
    enterprise_admins: dict[int, Actor]  # enterprise index → its administrator

    def regulator(self, region_code: str) -> Actor:
        return self.permitting.get(region_code[:2], self.operator)

    def applicant(self, index: int, region_code: str) -> Actor:
        # Without an account of its own, the unit files at the permitting section's window.
        return self.enterprise_admins.get(index) or self.regulator(region_code)
