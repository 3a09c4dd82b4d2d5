"""Per-request dataloaders of agencies: the credit events of a page of agencies in one query.

They live on the request's context, created the first time a resolver asks for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from domain.agencies.models import CreditEvent
from domain.agencies.queries.directory import events_of

ATTRIBUTE = "_agency_loaders"


class AgencyLoaders:
    """Never awaited while the context's session lock is held."""

    def __init__(self, context: Any) -> None:
        self._context = context
        self.events: DataLoader[int, list[CreditEvent]] = DataLoader(load_fn=self._events)

    async def _events(self, ids: Sequence[int]) -> list[list[CreditEvent]]:
        async with self._context.read() as session:
            found = await events_of(session, self._context.actor, list(ids))
        return [found.get(agency_id, []) for agency_id in ids]


def loaders_of(context: Any) -> AgencyLoaders:
    loaders = getattr(context, ATTRIBUTE, None)
    if loaders is None:
        loaders = AgencyLoaders(context)
        setattr(context, ATTRIBUTE, loaders)
    return loaders
