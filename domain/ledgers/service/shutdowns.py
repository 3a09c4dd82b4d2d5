"""Shutdown periods (停产): a unit records the days it stopped production, and the restart.

The Regulation (art. 22) has a unit's execution reports state any shutdown in the period; the ledger
owes no records for days without production, so completeness does not count them as gaps
(``domain/ledgers/rules.py``, ``coverage``). Recorded through the portal (ledger page) and GraphQL
(``recordShutdown``, ``endShutdown``), audited like every write. Who may: ``Operation.LEDGER_WRITE``.
A face that found problems reading its input (a date that is not one) passes them as ``input_errors``:
they are reported with the use case's own, after the access check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation
from domain.audit.service import record
from domain.clock import today, utcnow
from domain.errors import N_, Conflict, FieldError, ValidationFailed
from domain.ledgers.lookup import ledger_permit, ledger_record
from domain.ledgers.models import ShutdownPeriod
from domain.ledgers.rules import REASON_MAX, merged
from domain.permits.models import Permit


@dataclass(frozen=True)
class ShutdownInput:
    starts_on: date | None
    ends_on: date | None
    reason: str


def _check(data: ShutdownInput, on: date, *, valid_from: date | None) -> list[FieldError]:
    errors: list[FieldError] = []
    if data.starts_on is None:
        errors.append(FieldError("starts_on", "required", N_("Give the first day of the shutdown.")))
    elif data.starts_on > on:
        errors.append(FieldError("starts_on", "future", N_("A shutdown is recorded once it has begun.")))
    elif valid_from is not None and data.starts_on < valid_from:
        errors.append(
            FieldError(
                "starts_on",
                "before_permit",
                N_("The permit took effect on {valid_from}; record shutdowns from then on."),
                {"valid_from": valid_from.isoformat()},
            )
        )
    if data.ends_on is not None and data.starts_on is not None and data.ends_on < data.starts_on:
        errors.append(FieldError("ends_on", "before_start", N_("The last day cannot be before the first.")))
    reason = data.reason.strip()
    if not reason:
        errors.append(FieldError("reason", "required", N_("Say why production stopped.")))
    elif len(reason) > REASON_MAX:
        errors.append(
            FieldError(
                "reason",
                "too_long",
                N_("At most {limit} characters (got {length})."),
                {"limit": REASON_MAX, "length": len(reason)},
            )
        )
    return errors


def _overlaps(first: date, last: date | None, other: ShutdownPeriod) -> bool:
    return first <= (other.ends_on or date.max) and other.starts_on <= (last or date.max)


async def record_shutdown(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    data: ShutdownInput,
    input_errors: Sequence[FieldError] = (),
) -> ShutdownPeriod:
    """Record a shutdown of the permit's site: first day, last day (or open until the restart), reason."""
    permit = await ledger_permit(session, actor, permit_number, Operation.LEDGER_WRITE)
    errors = merged(input_errors, _check(data, today(), valid_from=permit.valid_from))
    if errors:
        raise ValidationFailed(errors)
    assert data.starts_on is not None and permit.id is not None
    for other in await _of_permit(session, permit.id):
        if _overlaps(data.starts_on, data.ends_on, other):
            raise Conflict(
                N_("This overlaps the shutdown recorded from {starts_on}."),
                field="starts_on",
                params={"starts_on": other.starts_on.isoformat()},
            )
    shutdown = ShutdownPeriod(
        permit_id=permit.id,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        reason=data.reason.strip(),
        recorded_by=actor.username or "",
        on_behalf_of=actor.on_behalf_of,
    )
    session.add(shutdown)
    await session.flush()
    record(
        session,
        actor,
        action="ledger.shutdown",
        object_type="shutdown_period",
        object_id=shutdown.id or 0,
        enterprise_id=permit.enterprise_id,
        after=_values(shutdown, permit),
    )
    return shutdown


async def end_shutdown(
    session: AsyncSession,
    actor: Actor,
    *,
    shutdown_id: int,
    ends_on: date | None,
    permit_number: str | None = None,
    input_errors: Sequence[FieldError] = (),
) -> ShutdownPeriod:
    """Record the restart of an open shutdown: its last day."""
    shutdown, permit = await ledger_record(
        session,
        actor,
        ShutdownPeriod,
        shutdown_id,
        field="shutdown",
        operation=Operation.LEDGER_WRITE,
        permit_number=permit_number,
    )
    if shutdown.ends_on is not None:
        raise Conflict(N_("This shutdown already has its last day."), field="ends_on")
    errors: list[FieldError] = []
    if ends_on is None:
        errors.append(FieldError("ends_on", "required", N_("Give the last day of the shutdown.")))
    elif ends_on < shutdown.starts_on:
        errors.append(FieldError("ends_on", "before_start", N_("The last day cannot be before the first.")))
    elif ends_on > today():
        errors.append(FieldError("ends_on", "future", N_("Record the restart once it happened.")))
    errors = merged(input_errors, errors)
    if errors:
        raise ValidationFailed(errors)
    assert ends_on is not None
    before = _values(shutdown, permit)
    shutdown.ends_on, shutdown.ended_at, shutdown.ended_by = ends_on, utcnow(), actor.username
    session.add(shutdown)
    record(
        session,
        actor,
        action="ledger.shutdown_end",
        object_type="shutdown_period",
        object_id=shutdown.id or 0,
        enterprise_id=permit.enterprise_id,
        before=before,
        after=_values(shutdown, permit),
    )
    return shutdown


def _values(shutdown: ShutdownPeriod, permit: Permit) -> dict[str, object]:
    return {
        "permit": permit.number,
        "starts_on": shutdown.starts_on.isoformat(),
        "ends_on": shutdown.ends_on.isoformat() if shutdown.ends_on else None,
        "reason": shutdown.reason,
    }


async def _of_permit(session: AsyncSession, permit_id: int) -> list[ShutdownPeriod]:
    statement = (
        select(ShutdownPeriod)
        .where(ShutdownPeriod.permit_id == permit_id)
        .order_by(col(ShutdownPeriod.starts_on))
    )
    return list((await session.exec(statement)).all())
