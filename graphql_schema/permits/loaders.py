"""Per-request dataloaders of the permit register: each relationship of a page of permits in one query."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlmodel.ext.asyncio.session import AsyncSession
from strawberry.dataloader import DataLoader

from domain.enterprises.models import Enterprise as EnterpriseModel
from domain.enterprises.queries import EnterprisePublic as DomainEnterprisePublic
from domain.permits.models import (
    PermitApplication,
    PermitEvent,
    PermitLedgerRequirement,
    PermitLimit,
    PermitMonitoring,
    PermitOutlet,
    PermitVersion,
)
from domain.permits.queries.visible import (
    EMPTY_CONTENT,
    DisclosedContent,
    PermitKey,
    contents_for,
    enterprise_views,
    events_for,
    ledger_requirements_for,
    limits_for,
    monitoring_for,
    open_applications_for,
    outlets_for,
    versions_for,
)
from graphql_schema.enterprises.types import Enterprise, EnterprisePublic
from graphql_schema.loaders import RequestReader

V = TypeVar("V")
BatchFunction = Callable[[AsyncSession, Sequence[PermitKey]], Awaitable[dict[PermitKey, V]]]


def enterprise_type(found: EnterpriseModel | DomainEnterprisePublic) -> Enterprise | EnterprisePublic:
    """The GraphQL projection of what the domain lets the caller see of a unit."""
    if isinstance(found, DomainEnterprisePublic):
        return EnterprisePublic.from_model(found)
    return Enterprise.from_model(found)


class PermitLoaders:
    """Built once per request; never awaited while the context's session lock is held."""

    def __init__(self, context: RequestReader) -> None:
        self._context = context
        self.enterprise: DataLoader[int, Enterprise | EnterprisePublic | None] = DataLoader(
            load_fn=self._enterprises
        )
        self.outlets: DataLoader[PermitKey, list[PermitOutlet]] = self._loader(outlets_for, [])
        self.limits: DataLoader[PermitKey, list[PermitLimit]] = self._loader(limits_for, [])
        self.monitoring: DataLoader[PermitKey, list[PermitMonitoring]] = self._loader(monitoring_for, [])
        self.ledger_requirements: DataLoader[PermitKey, list[PermitLedgerRequirement]] = self._loader(
            ledger_requirements_for, []
        )
        self.contents: DataLoader[PermitKey, DisclosedContent] = self._loader(contents_for, EMPTY_CONTENT)
        self.events: DataLoader[PermitKey, list[PermitEvent]] = self._loader(events_for, [])
        self.versions: DataLoader[PermitKey, list[PermitVersion] | None] = self._loader(versions_for, None)
        self.open_application: DataLoader[PermitKey, PermitApplication | None] = self._loader(
            open_applications_for, None
        )

    def _loader(self, load: BatchFunction[V], missing: Any) -> DataLoader[PermitKey, V]:
        async def load_fn(keys: Sequence[PermitKey]) -> list[V]:
            async with self._context.read() as session:
                found = await load(session, keys)
            return [found.get(key, missing) for key in keys]

        return DataLoader(load_fn=load_fn)

    async def _enterprises(self, ids: Sequence[int]) -> list[Enterprise | EnterprisePublic | None]:
        async with self._context.read() as session:
            found = await enterprise_views(session, self._context.actor, ids)
        return [enterprise_type(found[key]) if key in found else None for key in ids]
