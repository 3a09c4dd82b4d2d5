"""Where an inspection's findings go: each failed checklist item becomes a problem of the unit (the
closed loop, docs/supervision.md), and a finding that the unit should hold a permit or a registration
(应发未发, 应登未登) goes back to the permitting section (PT §6 ¶1, §8)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor
from domain.supervision.inspections.models import InspectionRecord
from domain.supervision.inspections.rules import ChecklistItem, ItemAnswer
from domain.supervision.inspections.units import Place


async def raise_findings(
    session: AsyncSession,
    actor: Actor,
    *,
    inspection: InspectionRecord,
    place: Place,
    failed: Sequence[ChecklistItem],
    answers: Mapping[str, ItemAnswer],
) -> None:
    """Raise the record's findings (wired to the problems part when it lands)."""
    return None
