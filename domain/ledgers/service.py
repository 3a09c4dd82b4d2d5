"""Use cases of the ledger: record, correct and void; exceedances; completeness; actual emissions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, Target, can, jurisdiction_prefix, require
from domain.audit.service import record
from domain.bounds import day_in_range, out_of_range
from domain.clock import utcnow
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed
from domain.ledgers import notices as exceedance_notices
from domain.ledgers import rules
from domain.ledgers.models import (
    ENTRY_KINDS,
    Exceedance,
    LedgerEntry,
    LedgerEntryRevision,
    MonitoringReading,
    ShutdownPeriod,
)
from domain.ledgers.rules import CheckedReading, PointInfo, ReadingInput
from domain.pagination import Page, check_page_size
from domain.permits.models import Permit
from domain.permits.rules import PermitStatus, normal_number
from domain.permits.service import target_of
from domain.permits.terms import LimitTerm, PermitTerms, permit_terms, terms_of

MAX_BATCH = 50_000
READINGS: sa.Table = MonitoringReading.__table__  # type: ignore[attr-defined]


async def _permit(session: AsyncSession, actor: Actor, number: str, operation: Operation) -> Permit:
    permit = (await session.exec(select(Permit).where(Permit.number == normal_number(number)))).first()
    if permit is None or not can(actor, Operation.LEDGER_VIEW, target_of(permit)):
        if not actor.is_authenticated:
            require(actor, Operation.LEDGER_VIEW)
        raise NotFound(N_("No permit with this number."), field="permit_number")
    require(actor, operation, target_of(permit))
    return permit


async def permit_points(session: AsyncSession, permit: Permit) -> dict[str, PointInfo]:
    """Outlets and fugitive sources of the permit's current version, with their pollutants and limits."""
    return points_of(await permit_terms(session, permit))


def points_of(terms: PermitTerms) -> dict[str, PointInfo]:
    by_point: dict[str, list[LimitTerm]] = defaultdict(list)
    for limit in terms.limits:
        by_point[limit.point].append(limit)
    points: dict[str, PointInfo] = {}
    for outlet in terms.outlets:
        own = by_point.get(outlet.code, [])
        points[outlet.code] = PointInfo(
            medium=outlet.medium,
            pollutants=frozenset(limit.pollutant for limit in own),
            limits={limit.pollutant: limit.concentration_limit for limit in own},
            annual_quantities={
                limit.pollutant: limit.annual_quantity_limit
                for limit in own
                if limit.annual_quantity_limit is not None
            },
        )
    return points


# ---------------------------------------------------------------------------
# Monitoring readings
# ---------------------------------------------------------------------------


@dataclass
class BatchResult:
    written: int
    exceedances_opened: int
    series: int


async def record_readings(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    readings: list[ReadingInput],
    source: str = "portal",
) -> BatchResult:
    """Validate a batch of readings and write them in bulk, all or nothing; errors name readings[i].field."""
    permit = await _permit(session, actor, permit_number, Operation.MONITORING_WRITE)
    if permit.status != PermitStatus.ISSUED:
        raise Conflict(N_("Ledgers are kept for permits in force."), field="permit_number")
    if not readings:
        raise ValidationFailed([FieldError("readings", "required", N_("This field is required."))])
    if len(readings) > MAX_BATCH:
        raise ValidationFailed(
            [FieldError("readings", "too_many", N_("At most {limit} entries."), {"limit": MAX_BATCH})]
        )
    points = await permit_points(session, permit)
    now = utcnow()
    checked: list[CheckedReading] = []
    errors: list[FieldError] = []
    seen: set[tuple[str, str, str, datetime]] = set()
    for index, reading in enumerate(readings):
        result, problems = rules.check_reading(reading, points, now, prefix=f"readings[{index}].")
        errors.extend(problems)
        if result is not None:
            key = (result.outlet_code, result.pollutant, result.method, result.measured_at)
            if key in seen:
                errors.append(
                    FieldError(
                        f"readings[{index}].measured_at",
                        "duplicate",
                        N_("This reading is in the batch twice."),
                    )
                )
            seen.add(key)
            checked.append(result)
        if len(errors) >= 200:  # enough to fix the file; do not flood the client
            break
    if not errors:
        errors.extend(await _already_recorded(session, permit, checked))
    if errors:
        raise ValidationFailed(errors)
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
    await connection.execute(READINGS.insert(), rows)
    series = {(r.outlet_code, r.pollutant) for r in checked}
    first = min(r.measured_at for r in checked)
    last = max(r.period_end for r in checked)
    opened = await _detect_exceedances(session, permit, points, series, first, last)
    record(
        session,
        actor,
        action="ledger.readings",
        object_type="permit",
        object_id=permit.number or "",
        after={"count": len(rows), "from": first.isoformat(), "to": last.isoformat(), "source": source},
    )
    return BatchResult(written=len(rows), exceedances_opened=opened, series=len(series))


async def _already_recorded(
    session: AsyncSession, permit: Permit, checked: list[CheckedReading]
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
        taken.update((outlet_code, pollutant, method, _utc(moment)) for method, moment in existing)
    errors = []
    for index, r in enumerate(checked):
        if (r.outlet_code, r.pollutant, r.method, r.measured_at) in taken:
            errors.append(
                FieldError(
                    f"readings[{index}].measured_at",
                    "already_recorded",
                    N_("A reading for this outlet, pollutant and time exists; correct it instead."),
                )
            )
            if len(errors) >= 200:
                break
    return errors


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _detect_exceedances(
    session: AsyncSession,
    permit: Permit,
    points: dict[str, PointInfo],
    series: set[tuple[str, str]],
    start: datetime,
    end: datetime,
) -> int:
    """(Re)build concentration exceedance episodes for the series touched, and check annual quantities."""
    opened = 0
    margin = timedelta(hours=2)
    for outlet_code, pollutant in sorted(series):
        limit = points[outlet_code].limits.get(pollutant)
        if limit is None:
            continue
        rows = (
            await session.exec(
                select(
                    MonitoringReading.measured_at,
                    MonitoringReading.period_end,
                    MonitoringReading.concentration,
                )
                .where(
                    MonitoringReading.permit_id == permit.id,
                    MonitoringReading.outlet_code == outlet_code,
                    MonitoringReading.pollutant == pollutant,
                    col(MonitoringReading.voided_at).is_(None),
                    col(MonitoringReading.measured_at) >= start - margin,
                    col(MonitoringReading.measured_at) <= end + margin,
                    # Only readings above the limit: compliant hours break an episode by leaving
                    # a gap between one exceeding reading's end and the next one's start.
                    col(MonitoringReading.concentration) > limit,
                )
                .order_by(col(MonitoringReading.measured_at))
            )
        ).all()
        episodes = rules.exceedance_episodes(((_utc(a), _utc(b), c) for a, b, c in rows), limit)
        for episode in episodes:
            opened += await _upsert_exceedance(
                session,
                permit,
                outlet_code,
                pollutant,
                "concentration",
                episode.started_at,
                episode.ended_at,
                episode.count,
                episode.max_value,
                limit,
                rules.canonical_unit(points[outlet_code].medium),
            )
        annual = points[outlet_code].annual_quantities.get(pollutant)
        if annual is not None:
            opened += await _check_annual_quantity(session, permit, outlet_code, pollutant, annual, end)
    return opened


async def _upsert_exceedance(
    session: AsyncSession,
    permit: Permit,
    outlet_code: str,
    pollutant: str,
    kind: str,
    started: datetime,
    ended: datetime,
    count: int,
    max_value: float,
    limit: float,
    unit: str,
) -> int:
    # An episode that grew (a later batch continued it) keeps its row: match on overlap.
    existing = (
        await session.exec(
            select(Exceedance).where(
                Exceedance.permit_id == permit.id,
                Exceedance.outlet_code == outlet_code,
                Exceedance.pollutant == pollutant,
                Exceedance.kind == kind,
                col(Exceedance.started_at) <= ended,
                col(Exceedance.ended_at) >= started,
            )
        )
    ).first()
    if existing is not None:
        existing.started_at = min(_utc(existing.started_at), started)
        existing.ended_at = max(_utc(existing.ended_at), ended)
        existing.reading_count = max(existing.reading_count, count)
        existing.max_value = max(existing.max_value, max_value)
        session.add(existing)
        return 0
    exceedance = Exceedance(
        permit_id=permit.id or 0,
        enterprise_id=permit.enterprise_id,
        region_code=permit.region_code,
        outlet_code=outlet_code,
        pollutant=pollutant,
        kind=kind,
        started_at=started,
        ended_at=ended,
        reading_count=count,
        max_value=max_value,
        limit_value=limit,
        unit=unit,
    )
    session.add(exceedance)
    # Opened now: the unit (and an agency keeping its ledger) is told in this same transaction.
    await exceedance_notices.exceedance_opened(session, permit, exceedance)
    return 1


async def _check_annual_quantity(
    session: AsyncSession, permit: Permit, outlet_code: str, pollutant: str, annual_t: float, until: datetime
) -> int:
    year_start = datetime(until.year, 1, 1, tzinfo=UTC)
    total_kg = (
        await session.exec(
            select(sa.func.coalesce(sa.func.sum(MonitoringReading.quantity_kg), 0.0)).where(
                MonitoringReading.permit_id == permit.id,
                MonitoringReading.outlet_code == outlet_code,
                MonitoringReading.pollutant == pollutant,
                col(MonitoringReading.voided_at).is_(None),
                col(MonitoringReading.measured_at) >= year_start,
                col(MonitoringReading.measured_at) < year_start.replace(year=year_start.year + 1),
            )
        )
    ).one()
    total_t = float(total_kg or 0.0) / 1000
    if total_t <= annual_t:
        return 0
    return await _upsert_exceedance(
        session,
        permit,
        outlet_code,
        pollutant,
        "annual_quantity",
        year_start,
        until,
        1,
        total_t,
        annual_t,
        "t",
    )


async def void_reading(
    session: AsyncSession, actor: Actor, *, reading_id: int, reason: str
) -> MonitoringReading:
    """Withdraw a reading with a reason; it stays in the ledger, marked void (who, when, why)."""
    reading = await session.get(MonitoringReading, reading_id)
    permit = await session.get(Permit, reading.permit_id) if reading else None
    if reading is None or permit is None or not can(actor, Operation.LEDGER_VIEW, target_of(permit)):
        raise NotFound(N_("No such record."), field="reading")
    require(actor, Operation.MONITORING_WRITE, target_of(permit))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([FieldError("reason", "required", N_("This field is required."))])
    if reading.voided_at is not None:
        raise Conflict(N_("This record is already void."), field="reading")
    reading.voided_at, reading.voided_by, reading.void_reason = utcnow(), actor.username, reason[:500]
    session.add(reading)
    record(
        session,
        actor,
        action="ledger.void_reading",
        object_type="monitoring_reading",
        object_id=reading_id,
        before={"concentration": reading.concentration},
        after={"void_reason": reason[:500]},
    )
    return reading


async def correct_reading(
    session: AsyncSession, actor: Actor, *, reading_id: int, corrected: ReadingInput, reason: str
) -> MonitoringReading:
    """Correct a reading: the old one is voided with the reason, the new one points back to it."""
    old = await void_reading(session, actor, reading_id=reading_id, reason=reason)
    permit = await session.get(Permit, old.permit_id)
    assert permit is not None and permit.number is not None
    await session.flush()
    await record_readings(
        session, actor, permit_number=permit.number, readings=[corrected], source="correction"
    )
    new = (
        await session.exec(
            select(MonitoringReading)
            .where(MonitoringReading.permit_id == permit.id, col(MonitoringReading.voided_at).is_(None))
            .order_by(col(MonitoringReading.id).desc())
        )
    ).first()
    assert new is not None
    new.replaces_id = old.id
    session.add(new)
    return new


# ---------------------------------------------------------------------------
# Other ledger entries (facility operation, abnormal events, other records)
# ---------------------------------------------------------------------------


@dataclass
class EntryInput:
    kind: str
    subject: str
    period_start: datetime | None
    period_end: datetime | None = None
    data: dict[str, Any] = field(default_factory=dict)


ENTRY_FIELDS: dict[str, tuple[tuple[str, bool], ...]] = {
    # (field, required) per kind; the ledger keeps what M48 §35 lists for each.
    "production_facility": (
        ("status", True),
        ("hours", False),
        ("load_percent", False),
        ("output", False),
        ("fuel", False),
        ("abnormal_cause", False),
        ("abnormal_measures", False),
    ),
    "control_facility": (
        ("status", True),
        ("hours", False),
        ("reagent", False),
        ("reagent_amount", False),
        ("abnormal_cause", False),
        ("abnormal_measures", False),
    ),
    "abnormal": (("description", True), ("cause", True), ("measures", True)),
    "other": (("description", True),),
}
NUMERIC_FIELDS = frozenset({"hours", "load_percent", "reagent_amount"})


def _check_entry(data: EntryInput, now: datetime) -> tuple[dict[str, Any], list[FieldError]]:
    errors: list[FieldError] = []
    if data.kind not in ENTRY_KINDS:
        errors.append(
            FieldError("kind", "choice", N_("Choose one of: {choices}."), {"choices": ", ".join(ENTRY_KINDS)})
        )
        return {}, errors
    if not (data.subject or "").strip():
        errors.append(FieldError("subject", "required", N_("This field is required.")))
    if data.period_start is None:
        errors.append(FieldError("period_start", "required", N_("This field is required.")))
    elif _utc(data.period_start) > now + rules.FUTURE_TOLERANCE:
        errors.append(FieldError("period_start", "future", N_("This time is in the future.")))
    if (
        data.period_end is not None
        and data.period_start is not None
        and _utc(data.period_end) < _utc(data.period_start)
    ):
        errors.append(FieldError("period_end", "end_before_start", N_("The end is not after the start.")))
    if (
        data.kind == "abnormal"
        and data.period_end is not None
        and _utc(data.period_end) > now + rules.FUTURE_TOLERANCE
    ):
        errors.append(FieldError("period_end", "future", N_("This time is in the future.")))
    cleaned: dict[str, Any] = {}
    for name, required in ENTRY_FIELDS[data.kind]:
        value = data.data.get(name)
        if value in (None, ""):
            if required:
                errors.append(FieldError(f"data.{name}", "required", N_("This field is required.")))
            continue
        if name in NUMERIC_FIELDS:
            try:
                number = float(value)
            except (TypeError, ValueError):
                errors.append(FieldError(f"data.{name}", "type", N_("Expected a number.")))
                continue
            if number < 0 or (name == "hours" and number > 24 * 366):
                errors.append(FieldError(f"data.{name}", "range", N_("This value is not possible.")))
                continue
            cleaned[name] = number
        else:
            text = str(value).strip()
            if len(text) > 2000:
                errors.append(
                    FieldError(
                        f"data.{name}",
                        "too_long",
                        N_("At most {limit} characters (got {length})."),
                        {"limit": 2000, "length": len(text)},
                    )
                )
                continue
            cleaned[name] = text
    if data.kind == "other" and data.data.get("estimate") is not None:
        estimate = data.data["estimate"]
        try:
            quantity = float(estimate["quantity_kg"])
            if quantity < 0:
                raise ValueError(quantity)
            cleaned["estimate"] = {
                "outlet": str(estimate["outlet"]).strip().upper()[:8],
                "pollutant": str(estimate["pollutant"]).strip().upper()[:16],
                "quantity_kg": quantity,
                "basis": str(estimate.get("basis", "")).strip()[:500],
            }
        except (KeyError, TypeError, ValueError):
            errors.append(
                FieldError(
                    "data.estimate",
                    "estimate",
                    N_("An estimate needs an outlet, a pollutant and a quantity in kg (not negative)."),
                )
            )
    return cleaned, errors


async def record_entry(
    session: AsyncSession, actor: Actor, *, permit_number: str, data: EntryInput
) -> LedgerEntry:
    permit = await _permit(session, actor, permit_number, Operation.LEDGER_WRITE)
    cleaned, errors = _check_entry(data, utcnow())
    if errors:
        raise ValidationFailed(errors)
    assert data.period_start is not None and permit.id is not None
    entry = LedgerEntry(
        permit_id=permit.id,
        kind=data.kind,
        subject=data.subject.strip()[:100],
        period_start=_utc(data.period_start),
        period_end=_utc(data.period_end) if data.period_end else None,
        data=cleaned,
        created_by=actor.username,
        on_behalf_of=actor.on_behalf_of,
    )
    session.add(entry)
    await session.flush()
    _revision(session, actor, entry, note="")
    record(
        session,
        actor,
        action="ledger.entry",
        object_type="ledger_entry",
        object_id=entry.id or 0,
        after={"kind": entry.kind, "subject": entry.subject, **cleaned},
    )
    return entry


def _revision(session: AsyncSession, actor: Actor, entry: LedgerEntry, note: str) -> None:
    assert entry.id is not None
    session.add(
        LedgerEntryRevision(
            entry_id=entry.id,
            revision=entry.revision,
            subject=entry.subject,
            period_start=entry.period_start,
            period_end=entry.period_end,
            data=dict(entry.data),
            changed_by=actor.username,
            on_behalf_of=actor.on_behalf_of,
            note=note[:500],
        )
    )


async def _entry(session: AsyncSession, actor: Actor, entry_id: int) -> tuple[LedgerEntry, Permit]:
    entry = await session.get(LedgerEntry, entry_id)
    permit = await session.get(Permit, entry.permit_id) if entry else None
    if entry is None or permit is None or not can(actor, Operation.LEDGER_VIEW, target_of(permit)):
        raise NotFound(N_("No such record."), field="entry")
    require(actor, Operation.LEDGER_WRITE, target_of(permit))
    return entry, permit


async def revise_entry(
    session: AsyncSession,
    actor: Actor,
    *,
    entry_id: int,
    data: EntryInput,
    note: str,
    expected_revision: int | None,
) -> LedgerEntry:
    """Edit an entry; the previous revision stays readable with who and when."""
    entry, _permit_row = await _entry(session, actor, entry_id)
    if entry.voided_at is not None:
        raise Conflict(N_("This record is already void."), field="entry")
    if expected_revision is not None and expected_revision != entry.revision:
        raise Conflict(
            N_("Someone else changed this record meanwhile (now revision {current}); reload and edit again."),
            field="revision",
            params={"current": entry.revision},
        )
    data.kind = entry.kind
    cleaned, errors = _check_entry(data, utcnow())
    if not (note or "").strip():
        errors.append(FieldError("note", "required", N_("Say why the record is changed.")))
    if errors:
        raise ValidationFailed(errors)
    assert data.period_start is not None
    before = {"subject": entry.subject, **entry.data}
    entry.subject = data.subject.strip()[:100]
    entry.period_start = _utc(data.period_start)
    entry.period_end = _utc(data.period_end) if data.period_end else None
    entry.data = cleaned
    entry.revision += 1
    session.add(entry)
    _revision(session, actor, entry, note=note)
    record(
        session,
        actor,
        action="ledger.revise",
        object_type="ledger_entry",
        object_id=entry_id,
        before=before,
        after={"subject": entry.subject, **cleaned, "note": note[:500]},
    )
    return entry


async def void_entry(session: AsyncSession, actor: Actor, *, entry_id: int, reason: str) -> LedgerEntry:
    entry, _permit_row = await _entry(session, actor, entry_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed([FieldError("reason", "required", N_("This field is required."))])
    if entry.voided_at is not None:
        raise Conflict(N_("This record is already void."), field="entry")
    entry.voided_at, entry.voided_by, entry.void_reason = utcnow(), actor.username, reason[:500]
    session.add(entry)
    record(
        session,
        actor,
        action="ledger.void",
        object_type="ledger_entry",
        object_id=entry_id,
        after={"void_reason": reason[:500]},
    )
    return entry


async def entry_revisions(session: AsyncSession, actor: Actor, *, entry_id: int) -> list[LedgerEntryRevision]:
    entry = await session.get(LedgerEntry, entry_id)
    permit = await session.get(Permit, entry.permit_id) if entry else None
    if entry is None or permit is None or not can(actor, Operation.LEDGER_VIEW, target_of(permit)):
        raise NotFound(N_("No such record."), field="entry")
    statement = (
        select(LedgerEntryRevision)
        .where(LedgerEntryRevision.entry_id == entry_id)
        .order_by(col(LedgerEntryRevision.revision).desc())
    )
    return list((await session.exec(statement)).all())


# ---------------------------------------------------------------------------
# Reading the ledger
# ---------------------------------------------------------------------------


async def readings(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    outlet: str = "",
    pollutant: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
    include_void: bool = False,
    first: int = 50,
    offset: int = 0,
) -> Page[MonitoringReading]:
    permit = await _permit(session, actor, permit_number, Operation.LEDGER_VIEW)
    check_page_size(first)
    statement = select(MonitoringReading).where(MonitoringReading.permit_id == permit.id)
    if outlet:
        statement = statement.where(MonitoringReading.outlet_code == outlet.strip().upper())
    if pollutant:
        statement = statement.where(MonitoringReading.pollutant == pollutant.strip().upper())
    if start:
        statement = statement.where(col(MonitoringReading.measured_at) >= start)
    if end:
        statement = statement.where(col(MonitoringReading.measured_at) < end)
    if not include_void:
        statement = statement.where(col(MonitoringReading.voided_at).is_(None))
    total = (await session.exec(select(sa.func.count()).select_from(statement.subquery()))).one()
    rows = (
        await session.exec(
            statement.order_by(col(MonitoringReading.measured_at).desc(), col(MonitoringReading.id).desc())
            .offset(offset)
            .limit(first)
        )
    ).all()
    return Page(items=list(rows), offset=offset, total=int(total))


async def entries(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    kind: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
    first: int = 50,
    offset: int = 0,
) -> Page[LedgerEntry]:
    permit = await _permit(session, actor, permit_number, Operation.LEDGER_VIEW)
    check_page_size(first)
    statement = select(LedgerEntry).where(LedgerEntry.permit_id == permit.id)
    if kind:
        statement = statement.where(LedgerEntry.kind == kind)
    if start:
        statement = statement.where(col(LedgerEntry.period_start) >= start)
    if end:
        statement = statement.where(col(LedgerEntry.period_start) < end)
    total = (await session.exec(select(sa.func.count()).select_from(statement.subquery()))).one()
    rows = (
        await session.exec(
            statement.order_by(col(LedgerEntry.period_start).desc()).offset(offset).limit(first)
        )
    ).all()
    return Page(items=list(rows), offset=offset, total=int(total))


# ---------------------------------------------------------------------------
# Exceedances
# ---------------------------------------------------------------------------


async def list_exceedances(
    session: AsyncSession,
    actor: Actor,
    *,
    status: str = "",
    permit_number: str = "",
    first: int = 50,
    offset: int = 0,
) -> Page[tuple[Exceedance, Permit]]:
    """Enterprise users: their own; regulators: their jurisdiction's (the 超量预警 list)."""
    if not actor.is_unit_side:
        require(actor, Operation.PERMIT_LIST)
    check_page_size(first)
    statement = select(Exceedance, Permit).join(Permit, col(Permit.id) == col(Exceedance.permit_id))
    if actor.is_enterprise_user:
        statement = statement.where(Exceedance.enterprise_id == actor.enterprise_id)
    elif actor.is_agency_staff:
        # The units whose ledger or monitoring the agency is authorised for, today.
        clients = {
            enterprise
            for enterprise, scope in actor.authorisations
            if scope in ("ledger", "self_monitoring", "facility_operation", "reports")
        }
        statement = statement.where(col(Exceedance.enterprise_id).in_(clients or {-1}))
    else:
        prefix = jurisdiction_prefix(actor)
        if prefix is not None:
            statement = statement.where(col(Exceedance.region_code).startswith(prefix, autoescape=True))
    if status:
        statement = statement.where(Exceedance.status == status)
    if permit_number:
        statement = statement.where(Permit.number == permit_number.strip().upper())
    total = (await session.exec(select(sa.func.count()).select_from(statement.subquery()))).one()
    rows = (
        await session.exec(
            statement.order_by(col(Exceedance.status).desc(), col(Exceedance.started_at).desc())
            .offset(offset)
            .limit(first)
        )
    ).all()
    return Page(items=[(e, p) for e, p in rows], offset=offset, total=int(total))


async def explain_exceedance(
    session: AsyncSession, actor: Actor, *, exceedance_id: int, cause: str, measures: str
) -> Exceedance:
    """Record the cause and the measures taken; that closes the exceedance (it stays listed)."""
    exceedance = await session.get(Exceedance, exceedance_id)
    permit = await session.get(Permit, exceedance.permit_id) if exceedance else None
    if exceedance is None or permit is None or not can(actor, Operation.LEDGER_VIEW, target_of(permit)):
        raise NotFound(N_("No such record."), field="exceedance")
    require(actor, Operation.LEDGER_WRITE, target_of(permit))
    errors = []
    for name, value in (("cause", cause), ("measures", measures)):
        text = (value or "").strip()
        if not text:
            errors.append(FieldError(name, "required", N_("This field is required.")))
        elif len(text) > 2000:
            errors.append(
                FieldError(
                    name,
                    "too_long",
                    N_("At most {limit} characters (got {length})."),
                    {"limit": 2000, "length": len(text)},
                )
            )
    if errors:
        raise ValidationFailed(errors)
    before = {"status": exceedance.status, "cause": exceedance.cause, "measures": exceedance.measures}
    exceedance.cause, exceedance.measures = cause.strip(), measures.strip()
    exceedance.status = "explained"
    exceedance.explained_at, exceedance.explained_by = utcnow(), actor.username
    session.add(exceedance)
    record(
        session,
        actor,
        action="ledger.explain_exceedance",
        object_type="exceedance",
        object_id=exceedance_id,
        before=before,
        after={"status": "explained", "cause": exceedance.cause, "measures": exceedance.measures},
    )
    return exceedance


# ---------------------------------------------------------------------------
# Completeness and actual emissions for a period
# ---------------------------------------------------------------------------


def _period(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """A period asked for from outside: days the calendar can step past, a time without zone as UTC."""
    errors = [
        out_of_range(name) for name, moment in (("start", start), ("end", end)) if not day_in_range(moment)
    ]
    if errors:
        raise ValidationFailed(errors)
    return rules.aware(start), rules.aware(end)


async def completeness(
    session: AsyncSession, actor: Actor, *, permit_number: str, start: datetime, end: datetime
) -> list[rules.RequirementCoverage]:
    """What the permit requires against what was recorded in [start, end): the gaps and the ratio."""
    permit = await _permit(session, actor, permit_number, Operation.LEDGER_VIEW)
    start, end = _period(start, end)
    summary = await period_ledger(session, permit, start=start, end=end, emissions=False)
    return summary.coverage


@dataclass(frozen=True)
class EmissionFigure:
    outlet_code: str
    pollutant: str
    method: str  # automatic / manual / factor / missing
    quantity_kg: float | None
    automatic_coverage: float
    readings: int


async def actual_emissions(
    session: AsyncSession, actor: Actor, *, permit_number: str, start: datetime, end: datetime
) -> list[EmissionFigure]:
    """Actual emission quantity per outlet and pollutant in [start, end), and the method used (M48 §36)."""
    permit = await _permit(session, actor, permit_number, Operation.LEDGER_VIEW)
    start, end = _period(start, end)
    summary = await period_ledger(session, permit, start=start, end=end, coverage=False)
    return summary.figures


@dataclass(frozen=True)
class SeriesStats:
    """Concentrations recorded for one outlet and pollutant over a period, whatever the method."""

    average: float | None
    maximum: float | None
    readings: int


@dataclass
class PeriodLedger:
    """What the ledger holds for one permit over [start, end): actual emissions with their method,
    concentration statistics, completeness against the permit's requirements, abnormal-operation entries."""

    figures: list[EmissionFigure]
    stats: dict[tuple[str, str], SeriesStats]
    coverage: list[rules.RequirementCoverage]
    abnormal: list[LedgerEntry]
    shutdowns: list[ShutdownPeriod] = field(default_factory=list)  # 停产 touching the period


async def period_ledger(
    session: AsyncSession,
    permit: Permit,
    *,
    start: datetime,
    end: datetime,
    emissions: bool = True,
    coverage: bool = True,
) -> PeriodLedger:
    """The ledger of a permit over [start, end). The caller checks access."""
    assert permit.id is not None
    found = await period_ledgers(
        session, [permit], start=start, end=end, emissions=emissions, coverage=coverage
    )
    return found[permit.id]


async def period_ledgers(
    session: AsyncSession,
    permits: Sequence[Permit],
    *,
    start: datetime,
    end: datetime,
    emissions: bool = True,
    coverage: bool = True,
) -> dict[int, PeriodLedger]:
    """The ledgers of many permits over one period [start, end), in three queries whatever the number of
    permits, outlets, pollutants and requirements: at a filing deadline many units file the same period
    at once. The caller checks access."""
    if not permits:
        return {}
    ids = sorted({p.id for p in permits if p.id is not None})
    terms = await terms_of(session, permits)
    now = utcnow()
    judged_until = min(end, now)  # completeness of a period still running is judged up to now
    frequencies = {m.frequency for t in terms.values() for m in t.monitoring} | {
        r.frequency for t in terms.values() for r in t.ledger_requirements
    }
    origins = {frequency: rules.slot_floor(start, frequency) for frequency in frequencies}
    earliest = min([start, *origins.values()])
    entries: dict[int, list[LedgerEntry]] = defaultdict(list)
    for entry in (
        await session.exec(
            select(LedgerEntry).where(
                col(LedgerEntry.permit_id).in_(ids),
                col(LedgerEntry.voided_at).is_(None),
                col(LedgerEntry.period_start) >= earliest,
                col(LedgerEntry.period_start) < end,
            )
        )
    ).all():
        entries[entry.permit_id].append(entry)
    sums = await _reading_sums(session, ids, start, end) if emissions else {}
    moments = await _required_moments(session, terms, origins, judged_until) if coverage else {}
    stopped = await _shutdowns(session, ids, earliest, end)
    found: dict[int, PeriodLedger] = {}
    for permit_id, permit_terms_ in terms.items():
        own = entries.get(permit_id, [])
        own_stops = stopped.get(permit_id, [])
        spans = [rules.shutdown_span(stop.starts_on, stop.ends_on) for stop in own_stops]
        in_period = [e for e in own if rules.aware(e.period_start) >= start]
        figures: list[EmissionFigure] = []
        stats: dict[tuple[str, str], SeriesStats] = {}
        if emissions:
            figures, stats = _emission_figures(
                permit_terms_, sums.get(permit_id, []), start, end, now, in_period, spans
            )
        items: list[rules.RequirementCoverage] = []
        if coverage:
            items = _coverage(permit_terms_, moments.get(permit_id, {}), origins, judged_until, own, spans)
        found[permit_id] = PeriodLedger(
            figures=figures,
            stats=stats,
            coverage=items,
            abnormal=[e for e in in_period if e.kind == "abnormal"],
            shutdowns=[
                stop for stop in own_stops if rules.shutdown_span(stop.starts_on, stop.ends_on)[1] > start
            ],
        )
    return found


async def _shutdowns(
    session: AsyncSession, ids: list[int], start: datetime, end: datetime
) -> dict[int, list[ShutdownPeriod]]:
    """Shutdowns touching [start, end) per permit, oldest first (China calendar days)."""
    first, last = rules.china_day(start), rules.china_day(end)
    found: dict[int, list[ShutdownPeriod]] = defaultdict(list)
    for stop in (
        await session.exec(
            select(ShutdownPeriod)
            .where(
                col(ShutdownPeriod.permit_id).in_(ids),
                col(ShutdownPeriod.starts_on) <= last,
                sa.or_(col(ShutdownPeriod.ends_on).is_(None), col(ShutdownPeriod.ends_on) >= first),
            )
            .order_by(col(ShutdownPeriod.starts_on))
        )
    ).all():
        found[stop.permit_id].append(stop)
    return found


SumRow = tuple[str, str, str, int, float, float | None, int, float | None]


async def _reading_sums(
    session: AsyncSession, ids: list[int], start: datetime, end: datetime
) -> dict[int, list[SumRow]]:
    """Per permit, outlet, pollutant and method: readings, quantity, and concentration sum/count/max."""
    rows = (
        await session.exec(  # type: ignore[call-overload]
            sa.select(  # type: ignore[call-overload]
                MonitoringReading.permit_id,
                MonitoringReading.outlet_code,
                MonitoringReading.pollutant,
                MonitoringReading.method,
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(MonitoringReading.quantity_kg), 0.0),
                sa.func.sum(MonitoringReading.concentration),
                sa.func.count(col(MonitoringReading.concentration)),
                sa.func.max(MonitoringReading.concentration),
            )
            .where(
                col(MonitoringReading.permit_id).in_(ids),
                col(MonitoringReading.voided_at).is_(None),
                col(MonitoringReading.measured_at) >= start,
                col(MonitoringReading.measured_at) < end,
            )
            .group_by(
                MonitoringReading.permit_id,
                MonitoringReading.outlet_code,
                MonitoringReading.pollutant,
                MonitoringReading.method,
            )
        )
    ).all()
    found: dict[int, list[SumRow]] = defaultdict(list)
    for permit_id, *rest in rows:
        found[int(permit_id)].append(tuple(rest))  # type: ignore[arg-type]
    return found


def _emission_figures(
    terms: PermitTerms,
    sums: list[SumRow],
    start: datetime,
    end: datetime,
    now: datetime,
    entries: list[LedgerEntry],
    shutdowns: Sequence[tuple[datetime, datetime]] = (),
) -> tuple[list[EmissionFigure], dict[tuple[str, str], SeriesStats]]:
    by_series: dict[tuple[str, str], dict[str, tuple[int, float]]] = defaultdict(dict)
    concentration: dict[tuple[str, str], list[float]] = {}  # [sum, count, max, readings]
    for outlet_code, pollutant, method, count, total, c_sum, c_count, c_max in sums:
        series = (outlet_code, pollutant)
        by_series[series][method] = (int(count), float(total))
        seen = concentration.setdefault(series, [0.0, 0, float("-inf"), 0])
        seen[0] += float(c_sum or 0.0)
        seen[1] += int(c_count)
        seen[2] = max(seen[2], float(c_max)) if c_max is not None else seen[2]
        seen[3] += int(count)
    stats = {
        series: SeriesStats(
            average=total / counted if counted else None,
            maximum=highest if counted else None,
            readings=int(readings),
        )
        for series, (total, counted, highest, readings) in concentration.items()
    }
    factors = _factor_estimates(entries)
    automatic_required = {(m.point, m.pollutant) for m in terms.monitoring if m.method == "automatic"}
    until = min(end, now)
    # Hours of a shutdown need no automatic data: coverage counts the hours the site produced.
    stopped = sum(
        max(0.0, (min(until, after) - max(start, first)).total_seconds()) for first, after in shutdowns
    )
    hours = max(1.0, ((until - start).total_seconds() - stopped) / 3600)
    dimensionless = {(lim.point, lim.pollutant) for lim in terms.limits if lim.unit == rules.DIMENSIONLESS}
    figures: list[EmissionFigure] = []
    for outlet_code, point in sorted(points_of(terms).items()):
        if point.medium is None:
            continue  # fugitive sources are reported by estimate only
        for pollutant in sorted(point.pollutants):
            methods = by_series.get((outlet_code, pollutant), {})
            automatic_count, automatic_total = methods.get("automatic", (0, 0.0))
            manual_count, manual_total = methods.get("manual", (0, 0.0))
            coverage_share = min(1.0, automatic_count / hours)
            factor = factors.get((outlet_code, pollutant))
            method = rules.choose_method(
                automatic_required=(outlet_code, pollutant) in automatic_required,
                automatic_coverage=coverage_share,
                has_manual=manual_count > 0,
                has_factor=factor is not None,
            )
            quantity = {"automatic": automatic_total, "manual": manual_total, "factor": factor}.get(method)
            if (outlet_code, pollutant) in dimensionless:
                quantity = None  # pH and the like: a state of the discharge, no amount
            count = {"automatic": automatic_count, "manual": manual_count}.get(method, 0)
            figures.append(EmissionFigure(outlet_code, pollutant, method, quantity, coverage_share, count))
    return figures, stats


Moments = dict[tuple[str, str, str], list[datetime]]


async def _required_moments(
    session: AsyncSession, terms: dict[int, PermitTerms], origins: dict[str, datetime], end: datetime
) -> dict[int, Moments]:
    """When each required series (outlet, pollutant, method) was measured, per permit, from the earliest
    slot any requirement starts in."""
    required = {
        permit_id: {(m.point, m.pollutant, m.method) for m in t.monitoring} for permit_id, t in terms.items()
    }
    wanted = [permit_id for permit_id, series in required.items() if series]
    if not wanted:
        return {}
    earliest = min(origins[m.frequency] for permit_id in wanted for m in terms[permit_id].monitoring)
    outlets = sorted({series[0] for permit_id in wanted for series in required[permit_id]})
    rows = (
        await session.exec(  # type: ignore[call-overload]
            sa.select(  # type: ignore[call-overload]
                MonitoringReading.permit_id,
                MonitoringReading.outlet_code,
                MonitoringReading.pollutant,
                MonitoringReading.method,
                MonitoringReading.measured_at,
            ).where(
                col(MonitoringReading.permit_id).in_(wanted),
                col(MonitoringReading.outlet_code).in_(outlets),
                col(MonitoringReading.voided_at).is_(None),
                col(MonitoringReading.measured_at) >= earliest,
                col(MonitoringReading.measured_at) < end,
            )
        )
    ).all()
    found: dict[int, Moments] = defaultdict(lambda: defaultdict(list))
    for permit_id, outlet_code, pollutant, method, measured_at in rows:
        if (outlet_code, pollutant, method) in required[permit_id]:
            found[permit_id][(outlet_code, pollutant, method)].append(measured_at)
    return found


def _coverage(
    terms: PermitTerms,
    moments: Moments,
    origins: dict[str, datetime],
    end: datetime,
    entries: Sequence[LedgerEntry],
    shutdowns: Sequence[tuple[datetime, datetime]] = (),
) -> list[rules.RequirementCoverage]:
    """Each requirement's slots from the start of the slot the period begins in (a quarterly sample
    taken last month covers this month too when both lie in one quarter) up to ``end``."""
    items: list[rules.RequirementCoverage] = []
    for requirement in terms.monitoring:
        origin = origins[requirement.frequency]
        recorded = [
            moment
            for moment in moments.get((requirement.point, requirement.pollutant, requirement.method), [])
            if rules.aware(moment) >= origin
        ]
        label = f"{requirement.point} {requirement.pollutant}"
        items.append(
            rules.coverage(label, "monitoring", requirement.frequency, origin, end, recorded, shutdowns)
        )
    for ledger_requirement in terms.ledger_requirements:
        if ledger_requirement.kind == "monitoring":
            continue  # covered above, per outlet and pollutant
        origin = origins[ledger_requirement.frequency]
        recorded = [
            e.period_start
            for e in entries
            if e.kind == ledger_requirement.kind and origin <= rules.aware(e.period_start) < end
        ]
        items.append(
            rules.coverage(
                ledger_requirement.kind,
                ledger_requirement.kind,
                ledger_requirement.frequency,
                origin,
                end,
                recorded,
                shutdowns,
            )
        )
    return items


def _factor_estimates(entries: Sequence[LedgerEntry]) -> dict[tuple[str, str], float]:
    """Quantities the unit estimated from emission factors or material balance ("other" entries)."""
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for row in entries:
        if row.kind != "other":
            continue
        estimate = row.data.get("estimate") if isinstance(row.data, dict) else None
        if isinstance(estimate, dict) and {"outlet", "pollutant", "quantity_kg"} <= estimate.keys():
            totals[(str(estimate["outlet"]), str(estimate["pollutant"]))] += float(estimate["quantity_kg"])
    return dict(totals)


def may_write(actor: Actor, permit: Permit) -> bool:
    return can(
        actor,
        Operation.LEDGER_WRITE,
        Target(enterprise_id=permit.enterprise_id, region_code=permit.region_code),
    )


async def permit_number_of(session: AsyncSession, permit_id: int) -> str:
    permit = await session.get(Permit, permit_id)
    return permit.number or "" if permit else ""
