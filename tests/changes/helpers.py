"""A syncing client of the change feed, as an integrator writes one: keep the cursor, read on."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from domain import feed
from domain.access import Actor
from domain.db import Database, on_postgresql


async def settle(database: Database, patience: float = 120.0) -> None:
    """Wait until the feed's horizon has passed every event written so far. On PostgreSQL the horizon
    is the oldest transaction still running on the whole server, other databases' included (other test
    runs on a shared server hold it back for the length of their transactions); SQLite has none."""
    deadline = asyncio.get_running_loop().time() + patience
    while True:
        async with database.read() as session:
            if not on_postgresql(session):
                return
            newest = (
                await session.exec(sa.text("SELECT coalesce(max(xid), 0) FROM change_event"))
            ).scalar_one()  # type: ignore[call-overload]
            horizon = (
                await session.exec(sa.text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))  # type: ignore[call-overload]
            ).scalar_one()
        if newest < horizon:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the feed's horizon stayed at {horizon}, behind event transaction {newest}")
        await asyncio.sleep(0.2)


class Client:
    def __init__(self, database: Database, actor: Actor) -> None:
        self.database, self.actor = database, actor
        self.cursor: str | None = None

    async def sync(self, page_size: int = 100, *, wait: bool = True) -> list[feed.Change]:
        """Every change since the last sync, page by page, each once; the cursor moves past them. With
        ``wait``, first wait until every change committed so far can be served (``settle``)."""
        if wait:
            await settle(self.database)
        got: list[feed.Change] = []
        while True:
            async with self.database.read() as session:
                page = await feed.changes(session, self.actor, after=self.cursor, first=page_size)
            got.extend(page.changes)
            self.cursor = page.end_cursor
            if not page.has_next_page:
                return got
