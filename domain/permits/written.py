"""Permits written in bulk SQL, told to the areas above that keep figures over them.

Those areas (the filing rollup, ``reports.rollup.marks``) hear of ORM writes by listening to the session's
flush; a bulk insert (``service.imports``) has no flush to listen to, so it calls ``bulk_written`` with the
permits' districts in its own transaction, and each area registered with ``on_bulk_written`` marks them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from sqlmodel.ext.asyncio.session import AsyncSession

Listener = Callable[[AsyncSession, frozenset[str]], Awaitable[None]]
_listeners: list[Listener] = []


def on_bulk_written(listener: Listener) -> Listener:
    """Register ``listener`` (once, at import) to hear of permits written in bulk, by district."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


async def bulk_written(session: AsyncSession, region_codes: Iterable[str]) -> None:
    """Permits of these districts were written in bulk SQL in the session's transaction."""
    regions = frozenset(region_codes)
    for listener in _listeners:
        await listener(session, regions)
