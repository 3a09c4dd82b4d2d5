"""The SQL form of ``can()``: which rows of a list an actor may see.

``allowed(actor, operation, TargetColumns(...))`` is a SQLAlchemy boolean expression over the columns
that name a row's target (its enterprise, region, agency, owner), true exactly for the rows where
``can(actor, operation, Target(<those columns' values>))`` is true and false (never NULL) elsewhere. It is
the same rule as ``can()``, not a copy: both read ``domain.access.rule``. A list filters, counts and pages
with it, so it never counts, pages or hints at a row its reader may not see.

Name the columns exactly as the list's Python side builds its ``Target`` (e.g. a permit's own
``region_code``, not its enterprise's, since ``permits.service.target_of`` uses the permit's). A column left
out is a target without that field: no condition about it holds.
"""

from __future__ import annotations

from typing import Any

from domain.access import Actor, Operation, rule
from domain.access.targets import TargetColumns

__all__ = ["TargetColumns", "allowed"]


def allowed(actor: Actor, operation: Operation, columns: TargetColumns) -> Any:
    """The rows the actor may do the operation to, as a WHERE clause."""
    return rule(actor, operation).where(columns)
