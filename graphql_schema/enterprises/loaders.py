"""Per-request dataloaders of the enterprise register: the sites of a page of units in one query."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from domain.enterprises.models import ProductionSite
from domain.enterprises.queries import sites_of
from graphql_schema.loaders import RequestReader


class EnterpriseLoaders:
    """Built once per request; never awaited while the context's session lock is held."""

    def __init__(self, context: RequestReader) -> None:
        self._context = context
        self.sites: DataLoader[int, list[ProductionSite]] = DataLoader(load_fn=self._sites)

    async def _sites(self, enterprise_ids: Sequence[int]) -> list[list[ProductionSite]]:
        async with self._context.read() as session:
            found = await sites_of(session, list(enterprise_ids))
        return [found.get(key, []) for key in enterprise_ids]
