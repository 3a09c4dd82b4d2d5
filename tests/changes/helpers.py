"""A syncing client of the change feed, as an integrator writes one: keep the cursor, read on."""

from __future__ import annotations

from domain import feed
from domain.access import Actor
from domain.db import Database


class Client:
    def __init__(self, database: Database, actor: Actor) -> None:
        self.database, self.actor = database, actor
        self.cursor: str | None = None

    async def sync(self, page_size: int = 100) -> list[feed.Change]:
        """Every change since the last sync, page by page, each once; the cursor moves past them."""
        got: list[feed.Change] = []
        while True:
            async with self.database.read() as session:
                page = await feed.changes(session, self.actor, after=self.cursor, first=page_size)
            got.extend(page.changes)
            self.cursor = page.end_cursor
            if not page.has_next_page:
                return got
