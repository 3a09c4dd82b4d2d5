"""Use cases of monitoring readings: record (one typed, a batch through GraphQL, a file), correct, void.

Both faces call these with the same rules and errors. Who may: ``Operation.MONITORING_WRITE``
(the unit's own users; an agency authorised for self-monitoring, ``AGENCY_SCOPE_OF``). A face
that found problems reading its input (a typed number that is not one) passes them as
``input_errors``: they are reported with the use case's own, after the access check, and
nothing is written.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation
from domain.audit.service import record, record_events
from domain.changes.kinds import ChangeKind, ObjectType
from domain.clock import utcnow
from domain.errors import N_, Conflict, FieldError, ValidationFailed
from domain.ledgers import files, rules
from domain.ledgers.lookup import ledger_permit, ledger_record, permit_points
from domain.ledgers.models import MonitoringReading
from domain.ledgers.rules import REASON_MAX, CheckedReading, PointInfo, ReadingInput, aware, merged
from domain.ledgers.service.exceedances import detect_exceedances
from domain.permits.models import Permit
from domain.permits.rules import PermitStatus

MAX_BATCH = 50_000
MAX_ERRORS = 200  # enough to fix a file; do not flood the client
READINGS: sa.Table = MonitoringReading.__table__  # type: ignore[attr-defined]


@dataclass
class BatchResult:
    written: int
    exceedances_opened: int
    series: int


def _in_force(permit: Permit) -> None:
    if permit.status != PermitStatus.ISSUED:
        raise Conflict(N_("Ledgers are kept for permits in force."), field="permit_number")


async def record_readings(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    readings: Sequence[ReadingInput],
    source: str = "portal",
    input_errors: Sequence[FieldError] = (),
) -> BatchResult:
    """Validate a batch of readings and write them in bulk, all or nothing; errors name readings[i].field."""
    permit = await ledger_permit(session, actor, permit_number, Operation.MONITORING_WRITE)
    _in_force(permit)
    if not readings:
        raise ValidationFailed([FieldError("readings", "required", N_("This field is required."))])
    if len(readings) > MAX_BATCH:
        raise ValidationFailed(
            [FieldError("readings", "too_many", N_("At most {limit} entries."), {"limit": MAX_BATCH})]
        )
    points = await permit_points(session, permit)
    now = utcnow()
    checked, positions, errors = _checked(readings, points, now, prefix="readings[{index}].")
    errors = merged(input_errors, errors)
    if len(errors) < MAX_ERRORS:  # readings already recorded are named with the rest, not in a later round
        errors += await _already_recorded(session, permit, checked, positions, prefix="readings[{index}].")
    if errors:
        raise ValidationFailed(errors)
    return await _write(session, actor, permit, points, checked, source, now)


def _checked(
    readings: Sequence[ReadingInput], points: dict[str, PointInfo], now: datetime, *, prefix: str
) -> tuple[list[CheckedReading], list[int], list[FieldError]]:
    """The readings that pass the rules, the index in ``readings`` of each, and every problem found."""
    checked: list[CheckedReading] = []
    positions: list[int] = []
    errors: list[FieldError] = []
    seen: set[tuple[str, str, str, datetime]] = set()
    for index, reading in enumerate(readings):
        named = prefix.format(index=index)
        result, problems = rules.check_reading(reading, points, now, prefix=named)
        errors.extend(problems)
        if result is not None:
            key = (result.outlet_code, result.pollutant, result.method, result.measured_at)
            if key in seen:
                errors.append(
                    FieldError(f"{named}measured_at", "duplicate", N_("This reading is in the batch twice."))
                )
            seen.add(key)
            checked.append(result)
            positions.append(index)
        if len(errors) >= MAX_ERRORS:
            break
    return checked, positions, errors


async def _write(
    session: AsyncSession,
    actor: Actor,
    permit: Permit,
    points: dict[str, PointInfo],
    checked: list[CheckedReading],
    source: str,
    now: datetime,
) -> BatchResult:
    rows = [
        {
            "permit_id": permit.id,
            "outlet_code": r.outlet_code,
            "pollutant": r.pollutant,
            "method": r.method,
            "measured_at": r.measured_at,
            "period_end": r.period_end,
            "concentration": r.concentration,
            "unit": r.unit,
            "flow_m3": r.flow_m3,
            "quantity_kg": r.quantity_kg,
            "entered_at": now,
            "entered_by": actor.username,
            "on_behalf_of": actor.on_behalf_of,
            "source": source[:16],
            "void_reason": "",
        }
        for r in checked
    ]
    # Core executemany on the table: the ORM's bulk layer costs as much as the insert itself here.
    connection = await session.connection()
    written = await connection.execute(READINGS.insert().returning(READINGS.c.id), rows)
    # The change feed's events of the batch, one per reading, in one statement (the audit entry below is
    # one for the batch).
    await record_events(
        session,
        [
            {
                "occurred_at": now,
                "object_type": ObjectType.READING.value,
                "object_id": reading_id,
                "object_key": permit.number or "",
                "change": ChangeKind.CREATED.value,
                "action": "ledger.readings",
                "enterprise_id": permit.enterprise_id,
            }
            for reading_id in written.scalars().all()
        ],
    )
    series = {(r.outlet_code, r.pollutant) for r in checked}
    first = min(r.measured_at for r in checked)
    last = max(r.period_end for r in checked)
    opened = await detect_exceedances(session, permit, points, series, first, last)
    record(
        session,
        actor,
        action="ledger.readings",
        object_type="permit",
        object_id=permit.number or "",
        enterprise_id=permit.enterprise_id,
        after={"count": len(rows), "from": first.isoformat(), "to": last.isoformat(), "source": source},
    )
    return BatchResult(written=len(rows), exceedances_opened=opened, series=len(series))


async def _already_recorded(
    session: AsyncSession,
    permit: Permit,
    checked: list[CheckedReading],
    positions: list[int],
    *,
    prefix: str,
) -> list[FieldError]:
    if not checked:
        return []
    taken: set[tuple[str, str, str, datetime]] = set()
    by_series: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for r in checked:
        by_series[(r.outlet_code, r.pollutant)].append(r.measured_at)
    for (outlet_code, pollutant), moments in by_series.items():
        existing = (
            await session.exec(
                select(MonitoringReading.method, MonitoringReading.measured_at).where(
                    MonitoringReading.permit_id == permit.id,
                    MonitoringReading.outlet_code == outlet_code,
                    MonitoringReading.pollutant == pollutant,
                    col(MonitoringReading.measured_at) >= min(moments),
                    col(MonitoringReading.measured_at) <= max(moments),
                    col(MonitoringReading.voided_at).is_(None),
                )
            )
        ).all()
        taken.update((outlet_code, pollutant, method, aware(moment)) for method, moment in existing)
    errors = []
    for index, r in zip(positions, checked, strict=True):
        if (r.outlet_code, r.pollutant, r.method, r.measured_at) in taken:
            errors.append(
                FieldError(
                    f"{prefix.format(index=index)}measured_at",
                    "already_recorded",
                    N_("A reading for this outlet, pollutant and time exists; correct it instead."),
                )
            )
            if len(errors) >= MAX_ERRORS:
                break
    return errors


async def void_reading(
    session: AsyncSession, actor: Actor, *, reading_id: int, reason: str, permit_number: str | None = None
) -> MonitoringReading:
    """Withdraw a reading with a reason; it stays in the ledger, marked void (who, when, why)."""
    reading, permit = await _open_reading(session, actor, reading_id, permit_number)
    errors = rules.text_errors("reason", reason, limit=REASON_MAX)
    if errors:
        raise ValidationFailed(errors)
    _void(session, actor, permit, reading, reason.strip())
    return reading


async def _open_reading(
    session: AsyncSession, actor: Actor, reading_id: int, permit_number: str | None
) -> tuple[MonitoringReading, Permit]:
    reading, permit = await ledger_record(
        session,
        actor,
        MonitoringReading,
        reading_id,
        field="reading",
        operation=Operation.MONITORING_WRITE,
        permit_number=permit_number,
    )
    if reading.voided_at is not None:
        raise Conflict(N_("This record is already void."), field="reading")
    return reading, permit


def _void(
    session: AsyncSession, actor: Actor, permit: Permit, reading: MonitoringReading, reason: str
) -> None:
    reading.voided_at, reading.voided_by, reading.void_reason = utcnow(), actor.username, reason
    session.add(reading)
    record(
        session,
        actor,
        action="ledger.void_reading",
        object_type="monitoring_reading",
        object_id=reading.id or 0,
        enterprise_id=permit.enterprise_id,
        before={"concentration": reading.concentration},
        after={"void_reason": reason},
    )


async def correct_reading(
    session: AsyncSession,
    actor: Actor,
    *,
    reading_id: int,
    corrected: ReadingInput,
    reason: str,
    permit_number: str | None = None,
    input_errors: Sequence[FieldError] = (),
) -> MonitoringReading:
    """Correct a reading: the old one is voided with the reason, the new one points back to it.
    Errors name the corrected reading's fields (``concentration``) and ``reason``, all at once."""
    old, permit = await _open_reading(session, actor, reading_id, permit_number)
    _in_force(permit)
    points = await permit_points(session, permit)
    now = utcnow()
    checked, positions, errors = _checked([corrected], points, now, prefix="")
    errors = merged(input_errors, errors + rules.text_errors("reason", reason, limit=REASON_MAX))
    if errors:
        raise ValidationFailed(errors)
    _void(session, actor, permit, old, reason.strip())
    await session.flush()  # the corrected reading may take the voided one's time
    errors = await _already_recorded(session, permit, checked, positions, prefix="")
    if errors:
        raise ValidationFailed(errors)
    await _write(session, actor, permit, points, checked, "correction", now)
    new = checked[0]
    replacement = (
        await session.exec(
            select(MonitoringReading).where(
                MonitoringReading.permit_id == permit.id,
                MonitoringReading.outlet_code == new.outlet_code,
                MonitoringReading.pollutant == new.pollutant,
                MonitoringReading.method == new.method,
                MonitoringReading.measured_at == new.measured_at,
                col(MonitoringReading.voided_at).is_(None),
            )
        )
    ).one()
    replacement.replaces_id = old.id
    session.add(replacement)
    return replacement


# ---------------------------------------------------------------------------
# A file of readings (CSV or XLSX) imported into one permit's ledger
# ---------------------------------------------------------------------------


async def read_import_file(
    session: AsyncSession, actor: Actor, *, permit_number: str, filename: str, data: bytes
) -> files.ParsedFile:
    """The readings of a CSV or XLSX for this permit, for ``import_readings``: whoever may record its
    readings, the file parsed in a worker thread (the server goes on answering), bounded in rows.
    Called before the write transaction opens: parsing takes seconds."""
    await ledger_permit(session, actor, permit_number, Operation.MONITORING_WRITE)
    return await asyncio.to_thread(files.read_readings, filename, data)


async def import_readings(
    session: AsyncSession, actor: Actor, *, permit_number: str, batch: files.ParsedFile
) -> BatchResult:
    """A file's readings (read by ``read_import_file``) for this permit, written whole in the caller's
    transaction or not at all. Every problem of the file comes at once, by row and column: the cells that
    could not be read, rows for another permit, and what the checks of ``record_readings`` find in the
    rest (values, units, duplicates, readings already recorded)."""
    permit = await ledger_permit(session, actor, permit_number, Operation.MONITORING_WRITE)
    if not batch.readings and not batch.errors:
        raise ValidationFailed([FieldError("file", "empty", N_("The file is empty."))])
    if len(batch.readings) > MAX_BATCH:
        raise ValidationFailed(
            [FieldError("file", "too_many", N_("At most {limit} entries."), {"limit": MAX_BATCH})]
        )
    foreign = [
        FieldError(
            f"row {item.row}: permit_number",
            "other_permit",
            N_("This row is for permit {number}; import it from that permit's ledger."),
            {"number": item.permit_number or "—"},
        )
        for item in batch.readings
        if item.permit_number != permit.number
    ]
    own = [item for item in batch.readings if item.permit_number == permit.number]
    found = [*batch.errors, *foreign]
    if not own:
        raise ValidationFailed(found[: files.MAX_ERRORS])
    try:
        return await record_readings(
            session,
            actor,
            permit_number=permit.number or "",
            readings=[item.reading for item in own],
            source="import",
            input_errors=found,
        )
    except ValidationFailed as failure:
        errors = files.relabel(failure.errors, own)
        errors.sort(key=_row_order)
        raise ValidationFailed(errors[: files.MAX_ERRORS]) from None


def _row_order(error: FieldError) -> tuple[int, str]:
    """A file's errors in the order of its rows (errors about the whole file first)."""
    field = error.field or ""
    if field.startswith("row ") and ": " in field:
        number = field[4 : field.index(": ")]
        return (int(number) if number.isdigit() else 0, field)
    return (0, field)
