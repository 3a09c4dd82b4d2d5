"""Recording and reading the audit trail."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.access.sql import TargetColumns, allowed
from domain.audit.models import AuditEntry
from domain.changes.events import ChangedIds, event_rows
from domain.changes.models import ChangeEvent
from domain.clock import utcnow
from domain.db import insert_rows

REDACTED = "••••"
SENSITIVE_KEYS = frozenset({"password", "password_hash", "token", "token_hash"})


def _redact(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {key: (REDACTED if key in SENSITIVE_KEYS else value) for key, value in values.items()}


def entry_values(
    actor: Actor,
    *,
    action: str,
    object_type: str,
    object_id: str | int,
    enterprise_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The columns of one audit entry: who (and for whom, through which channel), what, when (server
    time), the unit whose trail it belongs to (every writer says it, None for what is no unit's), and the
    values before and after, secrets redacted."""
    return {
        "occurred_at": utcnow(),
        "actor_user_id": actor.user_id,
        "actor_username": actor.username,
        "actor_role": actor.role.value if actor.role else None,
        "on_behalf_of": actor.on_behalf_of,
        "channel": actor.channel,
        "request_id": actor.request_id,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "enterprise_id": enterprise_id,
        "before": _redact(before),
        "after": _redact(after),
    }


def record(
    session: AsyncSession,
    actor: Actor,
    *,
    action: str,
    object_type: str,
    object_id: str | int,
    enterprise_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    changed: ChangedIds | None = None,
) -> AuditEntry:
    """Add an audit entry to the caller's transaction (it commits or rolls back with the change), and
    the change feed's events of the objects the action changes (``domain.changes``; ``changed`` gives the
    row id of one the entry names by a key people read, e.g. ``{ObjectType.PERMIT: permit.id}``)."""
    values = entry_values(
        actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        enterprise_id=enterprise_id,
        before=before,
        after=after,
    )
    return add_entry(session, values, changed)


def add_entry(session: AsyncSession, values: dict[str, Any], changed: ChangedIds | None = None) -> AuditEntry:
    """Add one entry (``entry_values``) and its change events to the caller's transaction."""
    events = event_rows(values, changed)
    entry = AuditEntry(**values)
    session.add(entry)
    session.add_all(ChangeEvent(**event) for event in events)
    return entry


async def record_many(
    session: AsyncSession, entries: list[dict[str, Any]], changed: list[ChangedIds | None] | None = None
) -> None:
    """Write many audit entries (``entry_values``) in one statement, and their change events in one
    more, in the caller's transaction; ``changed`` (one per entry, as ``record``'s) when needed."""
    events = [
        event
        for index, entry in enumerate(entries)
        for event in event_rows(entry, changed[index] if changed is not None else None)
    ]
    await insert_rows(session, AuditEntry.__table__, entries)  # type: ignore[attr-defined]
    await record_events(session, events)


async def record_events(session: AsyncSession, events: list[dict[str, Any]]) -> None:
    """Write change events (``domain.changes.events``) in one statement: the feed's rows of a batch
    whose audit entry is one for many objects (a batch of readings)."""
    await insert_rows(session, ChangeEvent.__table__, events)  # type: ignore[attr-defined]


async def entries_for(
    session: AsyncSession, actor: Actor, *, object_type: str, object_id: str | int, limit: int = 200
) -> list[AuditEntry]:
    require(actor, Operation.AUDIT_VIEW)
    statement = (
        select(AuditEntry)
        .where(
            allowed(actor, Operation.AUDIT_VIEW, TargetColumns()),
            AuditEntry.object_type == object_type,
            AuditEntry.object_id == str(object_id),
        )
        .order_by(col(AuditEntry.occurred_at).desc(), col(AuditEntry.id).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def recent(session: AsyncSession, actor: Actor, *, limit: int = 100) -> list[AuditEntry]:
    require(actor, Operation.AUDIT_VIEW)
    statement = (
        select(AuditEntry)
        .where(allowed(actor, Operation.AUDIT_VIEW, TargetColumns()))  # the whole trail, or nothing
        .order_by(col(AuditEntry.id).desc())
        .limit(limit)
    )
    return list((await session.exec(statement)).all())
