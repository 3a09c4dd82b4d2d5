"""What a unit is told of its credit: its level changed (domain.notifications), in the transaction of the
change."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.clock import utcnow
from domain.enterprises.models import Enterprise
from domain.errors import N_
from domain.i18n import Localized, translate
from domain.notifications.notices import both, notify_unit
from domain.supervision.credit.rules import LEVEL_LABELS

KIND = "credit"


def _level(level: str) -> Localized:
    return Localized(translate(LEVEL_LABELS[level], "zh_Hans"), LEVEL_LABELS[level])


async def level_changed(
    session: AsyncSession, enterprise: Enterprise, *, before: str, after: str, score: float
) -> int:
    assert enterprise.id is not None
    return await notify_unit(
        session,
        enterprise_id=enterprise.id,
        kind=KIND,
        key=f"credit-level:{enterprise.id}:{utcnow().isoformat()}:{after}",
        title=both(N_("Environmental credit of {unit}: {level}"), unit=enterprise.name, level=_level(after)),
        text=both(
            N_(
                "The environmental credit level of {unit} changed from {before} to {after} (score {score}). "
                "The credit page lists every event with the record it rests on."
            ),
            unit=enterprise.name,
            before=_level(before),
            after=_level(after),
            score=f"{score:g}",
        ),
        link="/credit/mine",
    )
