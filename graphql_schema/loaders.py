"""What the per-request dataloaders of every area (``graphql_schema/<area>/loaders.py``) need of the
request: its caller and a read-only unit of work. ``graphql_schema.context.GraphQLContext`` is one; the
loaders depend on this, not on the context that builds them."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor


class RequestReader(Protocol):
    @property
    def actor(self) -> Actor: ...

    def read(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A read-only unit of work. Never await a dataloader inside: the loader needs the lock."""
        ...
