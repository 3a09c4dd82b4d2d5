"""Who may read or act on a region's inspections, and the columns of its access rule."""

from __future__ import annotations

from sqlmodel import col

from domain.access import Actor, Operation, Target, can, require
from domain.access.sql import TargetColumns
from domain.supervision.inspections.models import (
    InspectionPlanLine,
    InspectionRecord,
)
from domain.supervision.inspections.rules import LineState

LINE_COLUMNS = TargetColumns(
    enterprise_id=col(InspectionPlanLine.enterprise_id), region_code=col(InspectionPlanLine.region_code)
)
RECORD_COLUMNS = TargetColumns(
    enterprise_id=col(InspectionRecord.enterprise_id), region_code=col(InspectionRecord.region_code)
)
LINE_STATES = tuple(s.value for s in LineState)


def may_see_plan(actor: Actor, region_code: str | None) -> bool:
    """The plan is the bureau's working paper: regulators whose jurisdiction covers the region read it;
    the unit does not (an unannounced inspection stays unannounced), though it reads its own records."""
    return region_code is not None and can(actor, Operation.INSPECTION_VIEW, Target(region_code=region_code))


def may_plan(actor: Actor, region_code: str | None) -> bool:
    """May the actor generate the plan and draw for the region (the enforcement brigade)."""
    return can(actor, Operation.INSPECTION_PLAN, Target(region_code=region_code) if region_code else None)


def may_record(actor: Actor, region_code: str | None) -> bool:
    """May the actor record inspections in the region (the brigade, the monitoring station)."""
    return can(actor, Operation.INSPECTION_RECORD, Target(region_code=region_code) if region_code else None)


def require_planner(actor: Actor, region_code: str | None) -> None:
    require(actor, Operation.INSPECTION_PLAN, Target(region_code=region_code) if region_code else None)


def require_plan_reader(actor: Actor, region_code: str) -> None:
    require(actor, Operation.INSPECTION_VIEW, Target(region_code=region_code))
