"""What access rules see of a unit and of its production sites: the unit, and the region it lies in."""

from __future__ import annotations

from sqlmodel import col

from domain.access import Target
from domain.access.sql import TargetColumns
from domain.enterprises.models import Enterprise, ProductionSite


def target_of(enterprise: Enterprise) -> Target:
    return Target(enterprise_id=enterprise.id, region_code=enterprise.region_code)


# The same target as columns, for the SQL form of can() in lists (domain.access.sql.allowed).
TARGET_COLUMNS = TargetColumns(enterprise_id=col(Enterprise.id), region_code=col(Enterprise.region_code))


def site_target(site: ProductionSite) -> Target:
    return Target(enterprise_id=site.enterprise_id, region_code=site.region_code)
