"""Per-request context: who calls (authenticated by ``web.auth``), in which language, and how resolvers
reach the database."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cached_property

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import HTTPConnection
from starlette.responses import Response
from strawberry.dataloader import DataLoader
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from domain.access import Actor
from domain.db import Database
from domain.enterprises.queries import enterprises_by_ids
from domain.i18n import SUPPORTED_LOCALES, negotiate
from graphql_schema.changes import ChangeTimes
from graphql_schema.enterprises.loaders import EnterpriseLoaders
from graphql_schema.enterprises.types import Enterprise
from graphql_schema.limits import RateBudget
from graphql_schema.permits.loaders import PermitLoaders


@dataclass
class Loaders:
    """Dataloaders of one request, so that relationship fields batch their lookups."""

    enterprise_by_id: DataLoader[int, Enterprise | None]
    permits: PermitLoaders
    enterprises: EnterpriseLoaders
    changes: ChangeTimes


@dataclass
class GraphQLContext:
    request: HTTPConnection
    response: Response | None
    db: Database
    actor: Actor
    locale: str
    request_id: str
    # The caller's rate budget (graphql_schema.limits): None runs unmetered (in-process callers).
    rate_budget: RateBudget | None = None
    rate_subject: str = ""
    # The credential version the bearer token's actor was read at, when it may have come from this
    # process's memory (web.token_cache): the rate budget's statement checks it before the operation runs.
    credential_version: int | None = None
    # Set for a query operation (never a mutation) by ``mark_query_only``: an anonymous caller's
    # query then reads from the read replica while it is in use (docs/operations.md, "Read replica").
    query_only: bool = False
    # One database session at a time per request: graphql-core resolves sibling
    # fields concurrently, and a request should not hold several pool connections.
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)

    @cached_property
    def loaders(self) -> Loaders:
        """Built when a resolver first needs one (a filing needs none)."""
        return Loaders(
            enterprise_by_id=DataLoader(load_fn=self._load_enterprises),
            permits=PermitLoaders(self),
            enterprises=EnterpriseLoaders(self),
            changes=ChangeTimes(self),
        )

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only unit of work. Never await a dataloader inside: the loader needs the lock."""
        replica = self.query_only and not self.actor.is_authenticated
        async with self._lock, self.db.read(replica=replica) as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write unit of work: commits when the block ends, rolls back whole on any exception."""
        async with self._lock, self.db.transaction() as session:
            yield session

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[None]:
        """Hold the request's database turn while a domain service opens its own unit of work."""
        async with self._lock:
            yield

    async def _load_enterprises(self, ids: Sequence[int]) -> list[Enterprise | None]:
        async with self.read() as session:
            found = {
                key: Enterprise.from_model(model)
                for key, model in (await enterprises_by_ids(session, list(ids))).items()
            }
        return [found.get(enterprise_id) for enterprise_id in ids]


def mark_query_only(execution: ExecutionContext) -> None:
    """Lets an anonymous caller's query read from the replica; a mutation (whose reads may check what it
    is about to write, or show what it wrote) and every logged-in caller read from the primary (run
    before the operation executes by ``graphql_schema.operation_checks``)."""
    request = execution.context
    if isinstance(request, GraphQLContext):
        try:
            request.query_only = execution.operation_type is OperationType.QUERY
        except RuntimeError:  # no document: nothing will be executed
            request.query_only = False


def request_locale(connection: HTTPConnection) -> str:
    """The locale the portal middleware chose, else the Accept-Language header's."""
    chosen = getattr(connection.state, "locale", None)
    if chosen in SUPPORTED_LOCALES:
        return str(chosen)
    return negotiate(connection.headers.get("accept-language"))


def request_id(connection: HTTPConnection) -> str:
    chosen = getattr(connection.state, "request_id", None)
    if not chosen:
        chosen = uuid.uuid4().hex
        connection.state.request_id = chosen
    return str(chosen)
