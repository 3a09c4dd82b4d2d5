"""The change feed: every create, update, void and state change of the objects an integrator syncs, in
commit order, each once, read by whoever may see the object (docs/integrators.md, "Syncing").

The events are the ``change_event`` rows the audit trail writes in the same transaction as each change
(``domain.changes``). Commit order without gaps: on PostgreSQL a row carries the id of the transaction
that wrote it, and the feed serves only rows of transactions older than the oldest one still running
(``pg_snapshot_xmin``), ordered by (transaction, id). Every transaction below that horizon has ended and
every new one gets a larger id, so no row can ever appear behind a cursor already served, however late
its transaction commits. SQLite serialises writers: id order is commit order there.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, require
from domain.access.sql import TargetColumns, allowed
from domain.bounds import parse_id
from domain.changes.kinds import ChangeKind, ObjectType
from domain.changes.models import ChangeEvent
from domain.db import on_postgresql
from domain.enterprises.models import Enterprise
from domain.errors import N_, FieldError, ValidationFailed
from domain.pagination import check_page_size
from domain.permits.models import Permit

# Who may read an object's changes: whoever may read the object.
VIEW_OF: dict[ObjectType, Operation] = {
    ObjectType.ENTERPRISE: Operation.ENTERPRISE_VIEW,
    ObjectType.REGISTRATION: Operation.ENTERPRISE_VIEW,
    ObjectType.PERMIT: Operation.PERMIT_VIEW,
    ObjectType.PERMIT_APPLICATION: Operation.PERMIT_VIEW,
    ObjectType.LEDGER_ENTRY: Operation.LEDGER_VIEW,
    ObjectType.READING: Operation.LEDGER_VIEW,
    ObjectType.EXCEEDANCE: Operation.LEDGER_VIEW,
    ObjectType.SHUTDOWN: Operation.LEDGER_VIEW,
    ObjectType.EXECUTION_REPORT: Operation.REPORT_VIEW,
    ObjectType.REPORT_SUBMISSION: Operation.REPORT_VIEW,
    ObjectType.FEEDBACK_FORM: Operation.REPORT_VIEW,
}

_PERMIT = sa.orm.aliased(Permit)
# An event belongs to its unit and to the unit's region; a permit's to the region of its site, as the
# permit's own target (``domain.permits.state.target_of``).
_REGION = sa.func.coalesce(_PERMIT.region_code, Enterprise.region_code)


@dataclass(frozen=True)
class Change:
    cursor: str
    object_type: ObjectType
    object_id: int
    object_key: str
    change: ChangeKind
    action: str
    occurred_at: datetime
    enterprise_id: int | None
    region_code: str | None

    @property
    def target(self) -> Target:
        return Target(enterprise_id=self.enterprise_id, region_code=self.region_code)


@dataclass(frozen=True)
class ChangePage:
    changes: list[Change]
    # Where the next read starts: the last change's cursor, or the one given when nothing was new (a
    # client stores it and asks again later).
    end_cursor: str | None
    has_next_page: bool


def encode_cursor(xid: int, event_id: int) -> str:
    return base64.urlsafe_b64encode(f"change:{xid}:{event_id}".encode()).decode()


def decode_cursor(cursor: str | None, field: str = "after") -> tuple[int, int]:
    """The (transaction, event) position after which to read; a bad cursor is a field error."""
    if not cursor:
        return (-1, 0)
    try:
        kind, xid, event_id = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
        if kind != "change" or not xid.isdigit() or int(xid) >= 2**63 or parse_id(event_id, big=True) is None:
            raise ValueError(cursor)
        return int(xid), int(event_id)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed([FieldError(field, "cursor", N_("This cursor is not valid."))]) from None


def _horizon() -> Any:
    """PostgreSQL: the oldest transaction still running; every event below it has committed."""
    return sa.cast(sa.cast(sa.func.pg_snapshot_xmin(sa.func.pg_current_snapshot()), sa.Text), sa.BigInteger)


def _visible(actor: Actor, types: Sequence[ObjectType]) -> Any:
    """The events the actor may read: per object type, the view rule of its objects."""
    columns = TargetColumns(enterprise_id=col(ChangeEvent.enterprise_id), region_code=_REGION)
    by_operation: dict[Operation, list[str]] = {}
    for object_type in types:
        by_operation.setdefault(VIEW_OF[object_type], []).append(object_type.value)
    return sa.or_(
        *(
            sa.and_(col(ChangeEvent.object_type).in_(names), allowed(actor, operation, columns))
            for operation, names in by_operation.items()
        )
    )


async def changes(
    session: AsyncSession,
    actor: Actor,
    *,
    after: str | None = None,
    types: Sequence[ObjectType] | None = None,
    first: int = 100,
) -> ChangePage:
    """The changes after the cursor (from the beginning without one), oldest first, of the given object
    types (all without), that the actor may see; at most ``first``."""
    if not actor.is_authenticated:  # the public has no feed (it reads the disclosure pages)
        require(actor, Operation.PERMIT_VIEW)
    first = check_page_size(first)
    xid, event_id = decode_cursor(after)
    wanted = list(dict.fromkeys(types)) if types else list(ObjectType)
    statement = (
        select(ChangeEvent, _REGION)
        .outerjoin(Enterprise, col(Enterprise.id) == ChangeEvent.enterprise_id)
        .outerjoin(
            _PERMIT,
            sa.and_(
                col(ChangeEvent.object_type) == ObjectType.PERMIT.value,
                col(_PERMIT.id) == ChangeEvent.object_id,
            ),
        )
        .where(
            sa.tuple_(col(ChangeEvent.xid), col(ChangeEvent.id))
            > sa.tuple_(sa.literal(xid), sa.literal(event_id)),
            _visible(actor, wanted),
        )
        .order_by(col(ChangeEvent.xid), col(ChangeEvent.id))
        .limit(first + 1)
    )
    if on_postgresql(session):
        statement = statement.where(col(ChangeEvent.xid) < _horizon())
    rows = list((await session.exec(statement)).all())
    found = [
        Change(
            cursor=encode_cursor(event.xid, event.id or 0),
            object_type=ObjectType(event.object_type),
            object_id=event.object_id,
            object_key=event.object_key,
            change=ChangeKind(event.change),
            action=event.action,
            occurred_at=event.occurred_at,
            enterprise_id=event.enterprise_id,
            region_code=region,
        )
        for event, region in rows[:first]
    ]
    return ChangePage(
        changes=found,
        end_cursor=found[-1].cursor if found else after,
        has_next_page=len(rows) > first,
    )


async def last_changed(
    session: AsyncSession, object_type: ObjectType, ids: Sequence[int]
) -> dict[int, datetime]:
    """When each object last changed, as the feed reports it (its objects' ``updatedAt``); an object
    without a change in the feed (recorded before the feed began) is left out. The caller has read the
    objects themselves through their access rules."""
    if not ids:
        return {}
    statement = (
        select(col(ChangeEvent.object_id), sa.func.max(col(ChangeEvent.occurred_at)))
        .where(col(ChangeEvent.object_type) == object_type.value, col(ChangeEvent.object_id).in_(set(ids)))
        .group_by(col(ChangeEvent.object_id))
    )
    return {object_id: at for object_id, at in (await session.exec(statement)).all()}


async def head(session: AsyncSession) -> tuple[int, int]:
    """The feed's end now, as a position (transaction, event): every event up to it has committed, and
    every event written later lies after it (on PostgreSQL, the last event below the horizon)."""
    statement = select(col(ChangeEvent.xid), col(ChangeEvent.id)).order_by(
        col(ChangeEvent.xid).desc(), col(ChangeEvent.id).desc()
    )
    if on_postgresql(session):
        statement = statement.where(col(ChangeEvent.xid) < _horizon())
    found = (await session.exec(statement.limit(1))).first()
    return (int(found[0]), int(found[1] or 0)) if found else (-1, 0)
