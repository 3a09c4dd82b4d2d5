"""Who a bearer token stands for, remembered per process and checked against a version in the database.

Reading a token's actor costs a statement per request (``domain.actors.actor_for_token``: about a fifth
of a refused API request's CPU). This process keeps each answer with the *credential version* it was read
at: a counter that triggers on the token, account, agency and authorisation tables raise in the same
transaction as any change of what an actor is made of (migration 0038), so the new version is visible
exactly when the change is. Every GraphQL operation already makes one round trip before it runs, the
charge of its rate budget (``graphql_schema.limits``); that statement also returns the current version,
and when it is not the version the request's actor was read at, the token is read again before anything
runs (``recheck``): a token revoked, an account disabled, an agency suspended or an authorisation
revoked anywhere holds from the next request on, in every process, as when every request read the
database. A change anywhere makes every process read each token once more; no answer is kept longer than
``MAX_AGE_SECONDS``, and the date is part of the key (an authorisation's window is by day).

Only on PostgreSQL, and only for the GraphQL endpoint (whose operations all pass the budget's check):
SQLite, and the downloads a token may fetch, read the database on every request, as before.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from domain.accounts.rules import key_hash
from domain.actors import TokenLookup, actor_for_token
from domain.clock import today, utcnow
from domain.db import Database
from domain.settings import get_settings

MAX_AGE_SECONDS = 60.0
MAX_ENTRIES = 10_000


@dataclass
class _Entry:
    lookup: TokenLookup
    version: int
    kept_at: float  # time.monotonic()
    last_used: datetime  # what the touch interval is measured from


@dataclass(frozen=True)
class Answer:
    """A token's lookup (None: refused) and the credential version it was read at (None: not kept)."""

    lookup: TokenLookup | None
    version: int | None


class TokenCache:
    """The answers of ``actor_for_token`` for one process, each with the credential version it holds for."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.enabled = not db.is_sqlite and not db.joined
        self._entries: dict[tuple[str, date], _Entry] = {}

    async def lookup(self, token: str, *, request_id: str | None) -> Answer:
        """``actor_for_token``, from memory when kept (the caller checks the version before acting)."""
        key = (key_hash(token), today())
        if self.enabled:
            entry = self._entries.get(key)
            if entry is not None and time.monotonic() - entry.kept_at < MAX_AGE_SECONDS:
                return Answer(self._answer(entry, request_id), entry.version)
        return await self.read(token, request_id=request_id)

    async def read(self, token: str, *, request_id: str | None) -> Answer:
        """Read the token from the database (and keep the answer with the version read before it)."""
        key = (key_hash(token), today())
        self._entries.pop(key, None)
        if not self.enabled:
            async with self.db.statements() as connection:  # one statement: one round trip, no BEGIN
                return Answer(await actor_for_token(connection, token=token, request_id=request_id), None)
        async with self.db.statements() as connection:
            # The version in the lookup's own statement: one snapshot, so whatever changed up to that
            # version is in what the lookup read (and one round trip instead of two).
            lookup = await actor_for_token(connection, token=token, request_id=request_id, with_version=True)
        version = lookup.credential_version if lookup is not None else None
        if lookup is None or version is None:  # no version row (never removed by the product): not kept
            return Answer(lookup, None)
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        # Touched now if it was due; else it was within the interval: touched at most once an interval.
        self._entries[key] = _Entry(lookup, int(version), time.monotonic(), utcnow())
        return Answer(lookup, int(version))

    def _answer(self, entry: _Entry, request_id: str | None) -> TokenLookup:
        interval = timedelta(seconds=get_settings().api_token_touch_interval_seconds)
        now = utcnow()
        touch_due = now - entry.last_used >= interval
        if touch_due:
            entry.last_used = now
        return replace(
            entry.lookup, actor=replace(entry.lookup.actor, request_id=request_id), touch_due=touch_due
        )


_caches: weakref.WeakKeyDictionary[Database, TokenCache] = weakref.WeakKeyDictionary()


def token_cache(db: Database) -> TokenCache:
    """The process's cache for this database."""
    cache = _caches.get(db)
    if cache is None:
        cache = _caches[db] = TokenCache(db)
    return cache
