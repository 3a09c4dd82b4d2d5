"""What a unit is told of its standing, in the transaction of the decision (domain.notifications)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.enterprises.models import Enterprise
from domain.errors import N_
from domain.notifications.notices import both, notify_unit
from domain.supervision.standing.models import PositiveListEntry, YellowCard
from domain.supervision.standing.rules import re_entry_from

KIND = "standing"


async def admitted(session: AsyncSession, enterprise: Enterprise, entry: PositiveListEntry) -> int:
    assert enterprise.id is not None
    return await notify_unit(
        session,
        enterprise_id=enterprise.id,
        kind=KIND,
        key=f"positive-list-entered:{entry.id}",
        title=both(N_("{unit} is on the positive list"), unit=enterprise.name),
        text=both(
            N_("From {day} {unit} is on the positive list (正面清单): {basis}"),
            day=entry.entered_on.isoformat(),
            unit=enterprise.name,
            basis=entry.basis,
        ),
        link="/standing",
    )


async def carded(
    session: AsyncSession, enterprise: Enterprise, card: YellowCard, removed: PositiveListEntry | None
) -> int:
    assert enterprise.id is not None
    if removed is not None and removed.removed_on is not None:
        text = both(
            N_(
                "A yellow card was issued to {unit} on {day}: {violation} It is the second of {year}, so the "
                "unit is removed from the positive list from {day} and may enter it again from {again}."
            ),
            unit=enterprise.name,
            day=card.issued_on.isoformat(),
            violation=card.violation,
            year=card.issued_on.year,
            again=re_entry_from(removed.removed_on).isoformat(),
        )
    else:
        text = both(
            N_("A yellow card was issued to {unit} on {day}: {violation}"),
            unit=enterprise.name,
            day=card.issued_on.isoformat(),
            violation=card.violation,
        )
    return await notify_unit(
        session,
        enterprise_id=enterprise.id,
        kind=KIND,
        key=f"yellow-card:{card.id}",
        title=both(N_("Yellow card for {unit}"), unit=enterprise.name),
        text=text,
        link="/standing",
    )


async def removed_by_decision(session: AsyncSession, enterprise: Enterprise, entry: PositiveListEntry) -> int:
    assert enterprise.id is not None and entry.removed_on is not None
    return await notify_unit(
        session,
        enterprise_id=enterprise.id,
        kind=KIND,
        key=f"positive-list-removed:{entry.id}",
        title=both(N_("{unit} is removed from the positive list"), unit=enterprise.name),
        text=both(
            N_(
                "From {day} {unit} is no longer on the positive list: {note} "
                "It may enter it again from {again}."
            ),
            day=entry.removed_on.isoformat(),
            unit=enterprise.name,
            note=entry.removal_note,
            again=re_entry_from(entry.removed_on).isoformat(),
        ),
        link="/standing",
    )
