"""Use cases behind the ledger pages (环境管理台账): one call per page or form, composed from the service.

Forms arrive as text (what a person typed, in China time); this module turns them into
the service's inputs, collects every problem of a form at once, and checks that a record
addressed through a permit's ledger belongs to that permit. Chart series are aggregated
in SQL (China days and hours) so a year of hourly data never travels to Python row by row.
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.access import Actor, Operation, require
from domain.bounds import OutOfRange, in_range, out_of_range
from domain.clock import CHINA, today, utcnow
from domain.enterprises.models import Enterprise
from domain.errors import N_, Conflict, FieldError, NotFound, ValidationFailed
from domain.ledgers import files, rules, service
from domain.ledgers import shutdowns as shutdown_cases
from domain.ledgers.models import (
    ENTRY_KINDS,
    Exceedance,
    LedgerEntry,
    LedgerEntryRevision,
    MonitoringReading,
    ShutdownPeriod,
)
from domain.ledgers.rules import ReadingInput, RequirementCoverage
from domain.ledgers.service import ENTRY_FIELDS, BatchResult, EmissionFigure, EntryInput
from domain.pagination import Page
from domain.permits.models import (
    Permit,
    PermitLedgerRequirement,
    PermitLimit,
    PermitMonitoring,
    PermitOutlet,
    PermitVersion,
)
from domain.permits.reference import Frequency, Medium
from domain.permits.rules import PermitStatus

UNIT_CHOICES: dict[str, tuple[str, ...]] = {Medium.AIR: ("mg/m3", "μg/m3"), Medium.WATER: ("mg/L", "μg/L")}
QUANTITY_UNITS = ("kg", "t", "g")
RAW_SERIES_DAYS = 7  # up to a week a chart shows every reading; longer periods show the daily maximum
MAX_RAW_POINTS = 5000
MAX_EXPORT_READINGS = 200_000
HOURLY = (Frequency.CONTINUOUS, Frequency.HOURLY)


# ---------------------------------------------------------------------------
# The permit's points, as every ledger page shows them
# ---------------------------------------------------------------------------


@dataclass
class Point:
    """An outlet or fugitive source of the permit with its limits and monitoring requirements."""

    code: str
    name: str
    is_fugitive: bool
    medium: str | None
    kind: str | None
    online_monitoring: bool
    limits: list[PermitLimit] = field(default_factory=list)
    monitoring: list[PermitMonitoring] = field(default_factory=list)

    @property
    def units(self) -> tuple[str, ...]:
        return UNIT_CHOICES[Medium(self.medium or Medium.AIR)]

    @property
    def canonical_unit(self) -> str:
        return rules.canonical_unit(self.medium)

    def method_for(self, pollutant: str) -> str:
        for requirement in self.monitoring:
            if requirement.pollutant == pollutant:
                return requirement.method
        return "manual"


@dataclass
class LedgerContext:
    permit: Permit
    enterprise_name: str
    points: list[Point]
    may_write: bool
    facilities: dict[str, list[str]]
    ledger_requirements: list[PermitLedgerRequirement]

    @property
    def number(self) -> str:
        return self.permit.number or ""

    @property
    def in_force(self) -> bool:
        return self.permit.status == PermitStatus.ISSUED and (
            self.permit.valid_until is None or self.permit.valid_until >= today()
        )

    def point(self, code: str) -> Point | None:
        return next((p for p in self.points if p.code == code), None)

    def limit(self, code: str, pollutant: str) -> PermitLimit | None:
        point = self.point(code)
        if point is None:
            return None
        return next((item for item in point.limits if item.pollutant == pollutant), None)

    @property
    def pairs(self) -> list[tuple[Point, PermitLimit]]:
        return [(point, limit) for point in self.points for limit in point.limits]

    @property
    def pollutants(self) -> list[str]:
        return sorted({limit.pollutant for point in self.points for limit in point.limits})


async def _permit(session: AsyncSession, actor: Actor, number: str, operation: Operation) -> Permit:
    # The service's check: another unit's permit is "not found", a regulator's write is "not allowed".
    return await service._permit(session, actor, number, operation)  # noqa: SLF001


async def _context(
    session: AsyncSession, actor: Actor, number: str, operation: Operation = Operation.LEDGER_VIEW
) -> LedgerContext:
    permit = await _permit(session, actor, number, operation)
    version = permit.content_version
    enterprise = await session.get(Enterprise, permit.enterprise_id)
    outlets = (
        await session.exec(
            select(PermitOutlet)
            .where(PermitOutlet.permit_id == permit.id, PermitOutlet.version == version)
            .order_by(col(PermitOutlet.is_fugitive), col(PermitOutlet.code))
        )
    ).all()
    limits = (
        await session.exec(
            select(PermitLimit)
            .where(PermitLimit.permit_id == permit.id, PermitLimit.version == version)
            .order_by(col(PermitLimit.point_code), col(PermitLimit.id))
        )
    ).all()
    monitoring = (
        await session.exec(
            select(PermitMonitoring).where(
                PermitMonitoring.permit_id == permit.id, PermitMonitoring.version == version
            )
        )
    ).all()
    requirements = (
        await session.exec(
            select(PermitLedgerRequirement).where(
                PermitLedgerRequirement.permit_id == permit.id, PermitLedgerRequirement.version == version
            )
        )
    ).all()
    snapshot = (
        await session.exec(
            select(PermitVersion).where(
                PermitVersion.permit_id == permit.id, PermitVersion.version == version
            )
        )
    ).first()
    points = [
        Point(
            code=outlet.code,
            name=outlet.name,
            is_fugitive=outlet.is_fugitive,
            medium=outlet.medium,
            kind=outlet.kind,
            online_monitoring=outlet.online_monitoring,
            limits=[limit for limit in limits if limit.point_code == outlet.code],
            monitoring=[item for item in monitoring if item.point_code == outlet.code],
        )
        for outlet in outlets
    ]
    content = snapshot.content if snapshot is not None and isinstance(snapshot.content, dict) else {}

    def names(key: str) -> list[str]:
        return [str(item.get("name", "")) for item in content.get(key) or [] if isinstance(item, dict)]

    facilities = {
        "production_facility": names("production_facilities"),
        "control_facility": names("control_facilities"),
        "abnormal": names("production_facilities") + names("control_facilities"),
        "other": [f"{p.code} {p.name}" for p in points],
    }
    return LedgerContext(
        permit=permit,
        enterprise_name=enterprise.name if enterprise else "",
        points=points,
        may_write=service.may_write(actor, permit),
        facilities=facilities,
        ledger_requirements=list(requirements),
    )


async def ledger_context(session: AsyncSession, actor: Actor, *, permit_number: str) -> LedgerContext:
    return await _context(session, actor, permit_number)


# ---------------------------------------------------------------------------
# /ledger: the permits whose ledger the user keeps
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerPermit:
    number: str
    category: str
    valid_until: date | None
    open_exceedances: int


async def my_ledgers(session: AsyncSession, actor: Actor) -> list[LedgerPermit]:
    """An enterprise user's permits in force; regulators open a ledger from a permit or a warning."""
    if not actor.is_enterprise_user:
        require(actor, Operation.PERMIT_LIST)
        return []
    open_count = (
        select(sa.func.count())
        .where(Exceedance.permit_id == Permit.id, Exceedance.status == "open")
        .correlate(Permit)
        .scalar_subquery()
    )
    rows = (
        await session.exec(
            select(Permit.number, Permit.category, Permit.valid_until, open_count)  # type: ignore[call-overload,type-var]
            .where(
                Permit.enterprise_id == actor.enterprise_id,
                Permit.status == PermitStatus.ISSUED,
                sa.or_(col(Permit.valid_until).is_(None), col(Permit.valid_until) >= today()),
            )
            .order_by(col(Permit.number))
        )
    ).all()
    return [
        LedgerPermit(number or "", category, until, int(count)) for number, category, until, count in rows
    ]


# ---------------------------------------------------------------------------
# /ledger/{number}: the ledger home
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GapRow:
    coverage: RequirementCoverage
    gap: rules.Gap
    includes_current: bool


@dataclass
class LedgerHome:
    context: LedgerContext
    now: datetime
    month_start: datetime
    year_start: datetime
    coverage: list[RequirementCoverage]
    open_exceedances: list[Exceedance]
    open_total: int
    emissions: list[EmissionFigure]
    shutdowns: list[ShutdownPeriod] = field(default_factory=list)  # 停产, newest first

    @property
    def ratio(self) -> float:
        return rules.completeness_ratio(self.coverage)

    @property
    def gaps(self) -> list[GapRow]:
        """Every gap of the month so far; the one holding the present slot is still open, not late."""
        now = self.now.astimezone(CHINA)
        rows = []
        for item in self.coverage:
            current = rules.slot_of(now, item.frequency, self.month_start)
            for gap in item.gaps:
                last = rules.slot_of(gap.last_missing, item.frequency, self.month_start)
                rows.append(GapRow(item, gap, includes_current=last == current))
        return rows

    @property
    def automatic_required(self) -> set[tuple[str, str]]:
        return {
            (p.code, m.pollutant)
            for p in self.context.points
            for m in p.monitoring
            if m.method == "automatic"
        }


def validity_window(permit: Permit) -> tuple[datetime | None, datetime | None]:
    """[first day, day after the last) of the permit's validity in China time: nothing is required outside."""

    def midnight(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=CHINA)

    start = midnight(permit.valid_from) if permit.valid_from else None
    end = midnight(permit.valid_until) + timedelta(days=1) if permit.valid_until else None
    return start, end


def _clip(start: datetime, end: datetime, permit: Permit) -> tuple[datetime, datetime]:
    valid_from, valid_until = validity_window(permit)
    if valid_from is not None and valid_from > start:
        start = valid_from
    if valid_until is not None and valid_until < end:
        end = valid_until
    return start, max(start, end)


def china_month_start(moment: datetime) -> datetime:
    local = moment.astimezone(CHINA)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


async def ledger_home(
    session: AsyncSession, actor: Actor, *, permit_number: str, now: datetime | None = None
) -> LedgerHome:
    """Points and limits, this month's completeness so far, open exceedances, this year's emissions."""
    context = await _context(session, actor, permit_number)
    now = now or utcnow()
    month_start = china_month_start(now)
    year_start = month_start.replace(month=1)
    # A permit issued (or expired) inside the month requires nothing before (or after) its validity.
    judged_from, judged_until = _clip(month_start, now, context.permit)
    coverage = await service.completeness(
        session, actor, permit_number=context.number, start=judged_from, end=judged_until
    )
    warnings = await service.list_exceedances(
        session, actor, status="open", permit_number=context.number, first=50
    )
    emissions_from, _until = _clip(year_start, now, context.permit)
    emissions = await service.actual_emissions(
        session, actor, permit_number=context.number, start=emissions_from, end=now
    )
    return LedgerHome(
        context=context,
        now=now,
        month_start=judged_from,
        year_start=emissions_from,
        coverage=coverage,
        open_exceedances=[e for e, _permit in warnings.items],
        open_total=warnings.total,
        emissions=emissions,
        shutdowns=await shutdown_cases.shutdowns(session, actor, permit_number=context.number),
    )


async def explain_exceedance(
    session: AsyncSession, actor: Actor, *, permit_number: str, exceedance_id: int, cause: str, measures: str
) -> Exceedance:
    permit = await _permit(session, actor, permit_number, Operation.LEDGER_VIEW)
    exceedance = await session.get(Exceedance, exceedance_id)
    if exceedance is None or exceedance.permit_id != permit.id:
        raise NotFound(N_("No such record."), field="exceedance")
    return await service.explain_exceedance(
        session, actor, exceedance_id=exceedance_id, cause=cause, measures=measures
    )


async def exceedance_in_ledger(
    session: AsyncSession, actor: Actor, *, permit_number: str, exceedance_id: int
) -> tuple[LedgerContext, Exceedance]:
    context = await _context(session, actor, permit_number)
    exceedance = await session.get(Exceedance, exceedance_id)
    if exceedance is None or exceedance.permit_id != context.permit.id:
        raise NotFound(N_("No such record."), field="exceedance")
    return context, exceedance


# ---------------------------------------------------------------------------
# Readings typed into a form
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadingForm:
    """A reading as typed: every value is text, times are China time."""

    outlet: str = ""
    pollutant: str = ""
    method: str = ""
    measured_at: str = ""
    period_end: str = ""
    concentration: str = ""
    unit: str = ""
    flow_m3: str = ""
    quantity: str = ""
    quantity_unit: str = "kg"

    @classmethod
    def of(cls, values: dict[str, Any]) -> ReadingForm:
        names = cls.__dataclass_fields__
        return cls(**{name: str(values.get(name, "") or "")[:200] for name in names})

    @classmethod
    def from_reading(cls, reading: MonitoringReading) -> ReadingForm:
        return cls(
            outlet=reading.outlet_code,
            pollutant=reading.pollutant,
            method=reading.method,
            measured_at=form_time(reading.measured_at),
            period_end=form_time(reading.period_end) if reading.method == "automatic" else "",
            concentration=_plain(reading.concentration),
            unit=reading.unit,
            flow_m3=_plain(reading.flow_m3),
            quantity=_plain(reading.quantity_kg),
            quantity_unit="kg",
        )


def _plain(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.6g}" if not float(value).is_integer() else str(int(value))


def form_time(moment: datetime | None) -> str:
    """A stored time as a datetime-local input shows it (China time, minutes)."""
    return "" if moment is None else moment.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M")


def parse_china_time(text: str) -> datetime:
    """A time typed in China time (or with an explicit offset) as an aware datetime."""
    moment = in_range(datetime.fromisoformat(text.strip().replace("/", "-")))
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA)


def parse_china_date(text: str) -> datetime:
    """The start of a China calendar day, aware."""
    day = in_range(date.fromisoformat(text.strip()))
    return datetime(day.year, day.month, day.day, tzinfo=CHINA)


def _number(text: str, name: str, errors: list[FieldError], *, required: bool) -> float | None:
    text = text.strip().replace(",", "")
    if not text:
        if required:
            errors.append(FieldError(name, "required", N_("This field is required.")))
        return None
    try:
        value = float(text)
    except ValueError:
        errors.append(FieldError(name, "type", N_("Expected a number.")))
        return None
    if not math.isfinite(value):
        errors.append(FieldError(name, "type", N_("Expected a number.")))
        return None
    return value


def _time(text: str, name: str, errors: list[FieldError], *, required: bool) -> datetime | None:
    if not text.strip():
        if required:
            errors.append(FieldError(name, "required", N_("This field is required.")))
        return None
    try:
        return parse_china_time(text)
    except OutOfRange:
        errors.append(out_of_range(name))
        return None
    except ValueError:
        errors.append(FieldError(name, "date", N_("Expected a date and time.")))
        return None


def _parse_reading(form: ReadingForm) -> tuple[ReadingInput, list[FieldError]]:
    """The service's input from a form; unparsable values get a placeholder and an error of their own."""
    errors: list[FieldError] = []
    for name in ("outlet", "pollutant", "method", "unit"):
        if not getattr(form, name).strip():
            errors.append(FieldError(name, "required", N_("This field is required.")))
    concentration = _number(form.concentration, "concentration", errors, required=True)
    flow = _number(form.flow_m3, "flow_m3", errors, required=False)
    quantity = _number(form.quantity, "quantity", errors, required=False)
    measured_at = _time(form.measured_at, "measured_at", errors, required=True)
    period_end = _time(form.period_end, "period_end", errors, required=False)
    placeholder = utcnow() - timedelta(days=1)
    reading = ReadingInput(
        outlet_code=form.outlet,
        pollutant=form.pollutant,
        method=form.method.strip().lower(),
        measured_at=measured_at or placeholder,
        period_end=period_end if measured_at else None,
        concentration=concentration if concentration is not None else math.nan,
        unit=form.unit,
        flow_m3=flow,
        quantity=quantity,
        quantity_unit=form.quantity_unit or "kg",
    )
    return reading, errors


def _merge(own: list[FieldError], checked: Sequence[FieldError], prefix: str = "") -> list[FieldError]:
    """Own parse errors first; the rules' errors for the other fields (without the batch prefix)."""
    taken = {e.field for e in own}
    merged = list(own)
    for error in checked:
        name = (error.field or "").removeprefix(prefix)
        if name not in taken and not (name == "unit" and "concentration" in taken):
            merged.append(FieldError(name, error.code, error.message, error.params))
    return merged


async def _check_reading_form(
    session: AsyncSession, permit: Permit, form: ReadingForm
) -> tuple[ReadingInput, list[FieldError]]:
    reading, errors = _parse_reading(form)
    if errors:
        points = await service.permit_points(session, permit)
        _checked, problems = rules.check_reading(reading, points, utcnow())
        errors = _merge(errors, problems)
    return reading, errors


async def record_reading(
    session: AsyncSession, actor: Actor, *, permit_number: str, form: ReadingForm
) -> BatchResult:
    """One reading typed into the ledger; every problem of the form is named at once, nothing half-written."""
    permit = await _permit(session, actor, permit_number, Operation.LEDGER_WRITE)
    reading, errors = await _check_reading_form(session, permit, form)
    if errors:
        raise ValidationFailed(errors)
    try:
        return await service.record_readings(
            session, actor, permit_number=permit.number or "", readings=[reading]
        )
    except ValidationFailed as failure:
        raise ValidationFailed(_merge([], failure.errors, "readings[0].")) from None


async def reading_in_ledger(
    session: AsyncSession, actor: Actor, *, permit_number: str, reading_id: int
) -> tuple[LedgerContext, MonitoringReading]:
    context = await _context(session, actor, permit_number)
    reading = await session.get(MonitoringReading, reading_id)
    if reading is None or reading.permit_id != context.permit.id:
        raise NotFound(N_("No such record."), field="reading")
    return context, reading


async def _own_reading(
    session: AsyncSession, actor: Actor, permit_number: str, reading_id: int
) -> tuple[Permit, MonitoringReading]:
    permit = await _permit(session, actor, permit_number, Operation.LEDGER_WRITE)
    reading = await session.get(MonitoringReading, reading_id)
    if reading is None or reading.permit_id != permit.id:
        raise NotFound(N_("No such record."), field="reading")
    if reading.voided_at is not None:
        raise Conflict(N_("This record is already void."), field="reading")
    return permit, reading


def _reason(reason: str, errors: list[FieldError], name: str = "reason") -> str:
    text = (reason or "").strip()
    if not text:
        errors.append(FieldError(name, "required", N_("This field is required.")))
    elif len(text) > 500:
        errors.append(
            FieldError(
                name,
                "too_long",
                N_("At most {limit} characters (got {length})."),
                {"limit": 500, "length": len(text)},
            )
        )
    return text


async def correct_reading(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    reading_id: int,
    form: ReadingForm,
    reason: str,
) -> MonitoringReading:
    """Void the reading with the reason and record the corrected one in its place (both stay readable)."""
    permit, _reading = await _own_reading(session, actor, permit_number, reading_id)
    reading, errors = await _check_reading_form(session, permit, form)
    reason = _reason(reason, errors)
    if errors:
        raise ValidationFailed(errors)
    try:
        return await service.correct_reading(
            session, actor, reading_id=reading_id, corrected=reading, reason=reason
        )
    except ValidationFailed as failure:
        raise ValidationFailed(_merge([], failure.errors, "readings[0].")) from None


async def void_reading(
    session: AsyncSession, actor: Actor, *, permit_number: str, reading_id: int, reason: str
) -> MonitoringReading:
    await _own_reading(session, actor, permit_number, reading_id)
    errors: list[FieldError] = []
    reason = _reason(reason, errors)
    if errors:
        raise ValidationFailed(errors)
    return await service.void_reading(session, actor, reading_id=reading_id, reason=reason)


@dataclass(frozen=True)
class ReadingFilters:
    outlet: str = ""
    pollutant: str = ""
    start: str = ""  # China dates, as typed
    end: str = ""
    include_void: bool = False


@dataclass
class ReadingsPage:
    context: LedgerContext
    page: Page[MonitoringReading]
    filter_errors: list[FieldError]


async def readings_page(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    filters: ReadingFilters,
    first: int = 50,
    offset: int = 0,
) -> ReadingsPage:
    """The readings table: filters by outlet, pollutant and China dates (the end date included)."""
    context = await _context(session, actor, permit_number)
    errors: list[FieldError] = []
    start = _day(filters.start, "from", errors)
    end = _day(filters.end, "to", errors)
    if start and end and end < start:
        errors.append(FieldError("to", "end_before_start", N_("The end is not after the start.")))
        end = None
    page = await service.readings(
        session,
        actor,
        permit_number=context.number,
        outlet=filters.outlet,
        pollutant=filters.pollutant,
        start=start,
        end=end + timedelta(days=1) if end else None,
        include_void=filters.include_void,
        first=first,
        offset=offset,
    )
    return ReadingsPage(context=context, page=page, filter_errors=errors)


def _day(text: str, name: str, errors: list[FieldError]) -> datetime | None:
    if not (text or "").strip():
        return None
    try:
        return parse_china_date(text)
    except OutOfRange:
        errors.append(out_of_range(name))
        return None
    except ValueError:
        errors.append(FieldError(name, "date", N_("Expected a date (YYYY-MM-DD).")))
        return None


# ---------------------------------------------------------------------------
# Other ledger entries
# ---------------------------------------------------------------------------


ESTIMATE_FIELDS = ("estimate_outlet", "estimate_pollutant", "estimate_quantity_kg", "estimate_basis")


@dataclass(frozen=True)
class EntryForm:
    """An entry as typed: subject, China times, and the kind's fields named ``data.<field>``."""

    kind: str
    subject: str = ""
    period_start: str = ""
    period_end: str = ""
    data: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, kind: str, values: dict[str, Any]) -> EntryForm:
        names = [name for name, _required in ENTRY_FIELDS.get(kind, ())]
        if kind == "other":
            names += list(ESTIMATE_FIELDS)
        return cls(
            kind=kind,
            subject=str(values.get("subject", "") or "")[:200],
            period_start=str(values.get("period_start", "") or "")[:40],
            period_end=str(values.get("period_end", "") or "")[:40],
            data={name: str(values.get(f"data.{name}", "") or "")[:2100] for name in names},
        )

    @classmethod
    def from_entry(cls, entry: LedgerEntry) -> EntryForm:
        data = {name: _text(entry.data.get(name)) for name, _required in ENTRY_FIELDS.get(entry.kind, ())}
        estimate = entry.data.get("estimate")
        if entry.kind == "other":
            estimate = estimate if isinstance(estimate, dict) else {}
            data.update(
                estimate_outlet=_text(estimate.get("outlet")),
                estimate_pollutant=_text(estimate.get("pollutant")),
                estimate_quantity_kg=_text(estimate.get("quantity_kg")),
                estimate_basis=_text(estimate.get("basis")),
            )
        return cls(
            kind=entry.kind,
            subject=entry.subject,
            period_start=form_time(entry.period_start),
            period_end=form_time(entry.period_end),
            data=data,
        )

    def value(self, name: str) -> str:
        return self.data.get(name, "")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return _plain(value)
    return str(value)


def _parse_entry(form: EntryForm) -> tuple[EntryInput, list[FieldError]]:
    errors: list[FieldError] = []
    start = _time(form.period_start, "period_start", errors, required=False)
    end = _time(form.period_end, "period_end", errors, required=False)
    data: dict[str, Any] = {
        name: form.value(name) for name, _required in ENTRY_FIELDS.get(form.kind, ()) if form.value(name)
    }
    if form.kind == "other" and any(form.value(name).strip() for name in ESTIMATE_FIELDS):
        data["estimate"] = {
            "outlet": form.value("estimate_outlet"),
            "pollutant": form.value("estimate_pollutant"),
            "quantity_kg": form.value("estimate_quantity_kg").strip() or None,
            "basis": form.value("estimate_basis"),
        }
        if data["estimate"]["quantity_kg"] is None:
            del data["estimate"]["quantity_kg"]
    return EntryInput(
        kind=form.kind, subject=form.subject, period_start=start, period_end=end, data=data
    ), errors


def _check_entry_form(form: EntryForm) -> tuple[EntryInput, list[FieldError]]:
    data, errors = _parse_entry(form)
    if errors:
        # Times that could not be read: still name every other problem of the form.
        _cleaned, problems = service._check_entry(data, utcnow())  # noqa: SLF001
        errors = _merge(errors, problems)
    return data, errors


async def record_entry(
    session: AsyncSession, actor: Actor, *, permit_number: str, form: EntryForm
) -> LedgerEntry:
    permit = await _permit(session, actor, permit_number, Operation.LEDGER_WRITE)
    data, errors = _check_entry_form(form)
    if errors:
        raise ValidationFailed(errors)
    return await service.record_entry(session, actor, permit_number=permit.number or "", data=data)


async def _own_entry(
    session: AsyncSession, actor: Actor, permit_number: str, entry_id: int, operation: Operation
) -> tuple[Permit, LedgerEntry]:
    permit = await _permit(session, actor, permit_number, operation)
    entry = await session.get(LedgerEntry, entry_id)
    if entry is None or entry.permit_id != permit.id:
        raise NotFound(N_("No such record."), field="entry")
    return permit, entry


async def revise_entry(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    entry_id: int,
    form: EntryForm,
    note: str,
    expected_revision: int | None,
) -> LedgerEntry:
    """Edit an entry with a reason; refused when someone changed it since the form was opened."""
    _permit_row, entry = await _own_entry(session, actor, permit_number, entry_id, Operation.LEDGER_WRITE)
    form = EntryForm(entry.kind, form.subject, form.period_start, form.period_end, form.data)
    if expected_revision is None:
        raise ValidationFailed([FieldError("revision", "required", N_("This field is required."))])
    if expected_revision != entry.revision:
        raise Conflict(
            N_("Someone else changed this record meanwhile (now revision {current}); reload and edit again."),
            field="revision",
            params={"current": entry.revision},
        )
    data, errors = _check_entry_form(form)
    if errors:
        if not (note or "").strip():
            errors.append(FieldError("note", "required", N_("Say why the record is changed.")))
        raise ValidationFailed(errors)
    return await service.revise_entry(
        session, actor, entry_id=entry_id, data=data, note=note, expected_revision=expected_revision
    )


async def void_entry(
    session: AsyncSession, actor: Actor, *, permit_number: str, entry_id: int, reason: str
) -> LedgerEntry:
    await _own_entry(session, actor, permit_number, entry_id, Operation.LEDGER_WRITE)
    errors: list[FieldError] = []
    reason = _reason(reason, errors)
    if errors:
        raise ValidationFailed(errors)
    return await service.void_entry(session, actor, entry_id=entry_id, reason=reason)


@dataclass(frozen=True)
class Change:
    name: str
    before: str
    after: str


@dataclass
class RevisionView:
    revision: LedgerEntryRevision
    changes: list[Change]


@dataclass
class EntryDetail:
    context: LedgerContext
    entry: LedgerEntry
    revisions: list[RevisionView]


def _flat(revision: LedgerEntryRevision) -> dict[str, str]:
    values = {
        "subject": revision.subject,
        "period_start": form_time(revision.period_start).replace("T", " "),
        "period_end": form_time(revision.period_end).replace("T", " "),
    }
    for name, value in (revision.data or {}).items():
        if isinstance(value, dict):
            for key, inner in value.items():
                values[f"{name}_{key}"] = _text(inner)
        else:
            values[name] = _text(value)
    return values


async def entry_detail(
    session: AsyncSession, actor: Actor, *, permit_number: str, entry_id: int
) -> EntryDetail:
    """An entry with every revision, newest first, and what each one changed."""
    context = await _context(session, actor, permit_number)
    entry = await session.get(LedgerEntry, entry_id)
    if entry is None or entry.permit_id != context.permit.id:
        raise NotFound(N_("No such record."), field="entry")
    revisions = await service.entry_revisions(session, actor, entry_id=entry_id)
    views: list[RevisionView] = []
    oldest_first = list(reversed(revisions))
    for index, revision in enumerate(oldest_first):
        after = _flat(revision)
        before = _flat(oldest_first[index - 1]) if index else {}
        changes = [
            Change(name, before.get(name, ""), after.get(name, ""))
            for name in dict.fromkeys([*before, *after])
            if before.get(name, "") != after.get(name, "")
        ]
        views.append(RevisionView(revision, changes))
    return EntryDetail(context=context, entry=entry, revisions=list(reversed(views)))


@dataclass
class EntriesPage:
    context: LedgerContext
    page: Page[LedgerEntry]
    month_start: datetime
    month_end: datetime


def export_window(first: str, last: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) of an export from two typed days (China time): from ``first`` (default: the start
    of this month) to the end of ``last`` (default: the end of ``first``'s month)."""
    errors: list[FieldError] = []
    start = _day(first, "from", errors) or china_month_start(now or utcnow())
    last_day = _day(last, "to", errors)
    if errors:
        raise ValidationFailed(errors)
    end = last_day + timedelta(days=1) if last_day else month_bounds(start.strftime("%Y-%m"))[1]
    if end <= start:
        raise ValidationFailed([FieldError("to", "end_before_start", N_("The end is not after the start."))])
    return start, end


def month_bounds(text: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[first day, first day of next month) of a YYYY-MM month in China time; this month when unreadable."""
    try:
        year, month = (int(part) for part in (text or "").split("-")[:2])
        start = in_range(datetime(year, month, 1, tzinfo=CHINA))
    except ValueError:
        start = china_month_start(now or utcnow())
    following = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start, following


async def entries_page(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    kind: str,
    month: str,
    first: int = 50,
    offset: int = 0,
) -> EntriesPage:
    context = await _context(session, actor, permit_number)
    start, end = month_bounds(month)
    page = await service.entries(
        session,
        actor,
        permit_number=context.number,
        kind=kind if kind in ENTRY_KINDS else "",
        start=start,
        end=end,
        first=first,
        offset=offset,
    )
    return EntriesPage(context=context, page=page, month_start=start, month_end=end)


# ---------------------------------------------------------------------------
# Import from a file, the template and the export
# ---------------------------------------------------------------------------


async def read_import_file(
    session: AsyncSession, actor: Actor, *, permit_number: str, filename: str, data: bytes
) -> list[files.FileReading]:
    """The readings of a CSV or XLSX for this permit, for ``import_readings``: whoever may write the
    ledger, the file parsed in a worker thread (the server goes on answering), bounded in rows."""
    await _permit(session, actor, permit_number, Operation.LEDGER_WRITE)
    return await asyncio.to_thread(files.read_readings, filename, data)


async def import_readings(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    filename: str = "",
    data: bytes = b"",
    batch: list[files.FileReading] | None = None,
) -> BatchResult:
    """A CSV or XLSX of readings for this permit (or its ``batch`` read by ``read_import_file``),
    written whole in the caller's transaction or not at all.

    Errors name the file's row and column (``row N: column``)."""
    permit = await _permit(session, actor, permit_number, Operation.LEDGER_WRITE)
    if batch is None:
        batch = files.read_readings(filename, data)
    if not batch:
        raise ValidationFailed([FieldError("file", "empty", N_("The file is empty."))])
    if len(batch) > service.MAX_BATCH:
        raise ValidationFailed(
            [FieldError("file", "too_many", N_("At most {limit} entries."), {"limit": service.MAX_BATCH})]
        )
    errors = [
        FieldError(
            f"row {item.row}: permit_number",
            "other_permit",
            N_("This row is for permit {number}; import it from that permit's ledger."),
            {"number": item.permit_number or "—"},
        )
        for item in batch
        if item.permit_number != permit.number
    ][: files.MAX_ERRORS]
    if errors:
        raise ValidationFailed(errors)
    try:
        return await service.record_readings(
            session,
            actor,
            permit_number=permit.number or "",
            readings=[item.reading for item in batch],
            source="import",
        )
    except ValidationFailed as failure:
        raise ValidationFailed(files.relabel(failure.errors, batch)) from None


TEMPLATE_COLUMNS = (
    "permit_number",
    "outlet",
    "pollutant",
    "method",
    "measured_at",
    "period_end",
    "concentration",
    "unit",
    "flow_m3",
    "quantity_kg",
)


@dataclass
class ImportTemplate:
    header: list[str]
    rows: list[list[str]]


async def import_template(
    session: AsyncSession, actor: Actor, *, permit_number: str, now: datetime | None = None
) -> ImportTemplate:
    """The header row (the Chinese column names) and one example row per outlet and pollutant.

    The concentration is left empty, so an unedited template is refused instead of imported."""
    context = await _context(session, actor, permit_number)
    moment = (now or utcnow()).astimezone(CHINA).replace(minute=0, second=0, microsecond=0)
    example_time = (moment - timedelta(days=1)).replace(hour=8).strftime("%Y-%m-%d %H:%M")
    header = [files.COLUMNS[name][1] for name in TEMPLATE_COLUMNS]
    rows = [
        [
            context.number,
            point.code,
            limit.pollutant,
            point.method_for(limit.pollutant),
            example_time,
            "",
            "",
            point.canonical_unit,
            "",
            "",
        ]
        for point, limit in context.pairs
    ]
    return ImportTemplate(header=header, rows=rows)


@dataclass
class ExportData:
    context: LedgerContext
    start: datetime
    end: datetime  # exclusive
    readings: list[Any]
    entries: list[LedgerEntry]
    exceedances: list[Exceedance]


async def export_period(
    session: AsyncSession, actor: Actor, *, permit_number: str, start: datetime, end: datetime
) -> ExportData:
    """Readings (void ones included, marked), entries and exceedances of [start, end) for a spreadsheet."""
    context = await _context(session, actor, permit_number)
    if end <= start:
        raise ValidationFailed([FieldError("to", "end_before_start", N_("The end is not after the start."))])
    table = MonitoringReading.__table__  # type: ignore[attr-defined]
    where = sa.and_(
        table.c.permit_id == context.permit.id, table.c.measured_at >= start, table.c.measured_at < end
    )
    connection = await session.connection()
    count = int(
        (await connection.execute(sa.select(sa.func.count()).select_from(table).where(where))).scalar_one()
    )
    if count > MAX_EXPORT_READINGS:
        raise ValidationFailed(
            [
                FieldError(
                    "to",
                    "too_many",
                    N_("{count} readings in this period; export at most {limit} at once."),
                    {"count": count, "limit": MAX_EXPORT_READINGS},
                )
            ]
        )
    readings = (
        await connection.execute(sa.select(table).where(where).order_by(table.c.measured_at, table.c.id))
    ).all()
    entries = (
        await session.exec(
            select(LedgerEntry)
            .where(
                LedgerEntry.permit_id == context.permit.id,
                col(LedgerEntry.period_start) >= start,
                col(LedgerEntry.period_start) < end,
            )
            .order_by(col(LedgerEntry.period_start), col(LedgerEntry.id))
        )
    ).all()
    exceedances = (
        await session.exec(
            select(Exceedance)
            .where(
                Exceedance.permit_id == context.permit.id,
                col(Exceedance.started_at) < end,
                col(Exceedance.ended_at) >= start,
            )
            .order_by(col(Exceedance.started_at))
        )
    ).all()
    return ExportData(context, start, end, list(readings), list(entries), list(exceedances))


# ---------------------------------------------------------------------------
# Charts: concentration against the limit, completeness per month
# ---------------------------------------------------------------------------


def _dialect(session: AsyncSession) -> str:
    return str(session.get_bind().dialect.name)


def _china_day(column: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return sa.func.to_char(sa.func.timezone("Asia/Shanghai", column), "YYYY-MM-DD")
    return sa.func.strftime("%Y-%m-%d", column, "+8 hours")


def _hour(column: Any, dialect: str) -> Any:
    # China is a whole number of hours from UTC: UTC hours are China hours.
    if dialect == "postgresql":
        return sa.func.date_trunc("hour", column)
    return sa.func.strftime("%Y-%m-%d %H", column)


@dataclass(frozen=True)
class SeriesPoint:
    label: str  # China time: "2025-03-04 10:00" or "2025-03-04"
    value: float | None  # None: a day without any valid reading (a gap in the line)
    readings: int = 1

    def exceeds(self, limit: float | None) -> bool:
        return limit is not None and self.value is not None and self.value > limit


@dataclass
class ConcentrationSeries:
    outlet: str
    pollutant: str
    unit: str
    limit: float | None
    daily_max: bool
    points: list[SeriesPoint]
    start: datetime
    end: datetime

    @property
    def exceeding(self) -> int:
        return sum(1 for point in self.points if point.exceeds(self.limit))

    @property
    def with_data(self) -> int:
        return sum(1 for point in self.points if point.value is not None)

    def as_json(self) -> dict[str, Any]:
        return {
            "outlet": self.outlet,
            "pollutant": self.pollutant,
            "unit": self.unit,
            "limit": self.limit,
            "aggregate": "daily_max" if self.daily_max else "reading",
            "labels": [p.label for p in self.points],
            "values": [None if p.value is None else round(p.value, 6) for p in self.points],
        }


async def _concentration_series(
    session: AsyncSession, context: LedgerContext, outlet: str, pollutant: str, start: datetime, end: datetime
) -> ConcentrationSeries:
    limit = context.limit(outlet, pollutant)
    point = context.point(outlet)
    table = MonitoringReading.__table__  # type: ignore[attr-defined]
    where = sa.and_(
        table.c.permit_id == context.permit.id,
        table.c.outlet_code == outlet,
        table.c.pollutant == pollutant,
        table.c.voided_at.is_(None),
        table.c.measured_at >= start,
        table.c.measured_at < end,
    )
    daily = end - start > timedelta(days=RAW_SERIES_DAYS)
    connection = await session.connection()
    points: list[SeriesPoint] = []
    if daily:
        day = _china_day(table.c.measured_at, _dialect(session)).label("day")
        rows = await connection.execute(
            sa.select(day, sa.func.max(table.c.concentration), sa.func.count())
            .where(where)
            .group_by(day)
            .order_by(day)
        )
        found = {str(d): (float(v), int(n)) for d, v, n in rows}
        day_start = start.astimezone(CHINA)
        while day_start < end:
            label = day_start.strftime("%Y-%m-%d")
            value, count = found.get(label, (None, 0))
            points.append(SeriesPoint(label, value, count))
            day_start += timedelta(days=1)
    else:
        rows = await connection.execute(
            sa.select(table.c.measured_at, table.c.concentration)
            .where(where)
            .order_by(table.c.measured_at)
            .limit(MAX_RAW_POINTS)
        )
        for moment, value in rows:
            moment = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            points.append(SeriesPoint(moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"), float(value)))
    return ConcentrationSeries(
        outlet=outlet,
        pollutant=pollutant,
        unit=point.canonical_unit if point else "",
        limit=limit.concentration_limit if limit else None,
        daily_max=daily,
        points=points,
        start=start,
        end=end,
    )


@dataclass(frozen=True)
class MonthCompleteness:
    month: int
    expected: int
    recorded: int

    @property
    def ratio(self) -> float | None:
        return None if self.expected == 0 else self.recorded / self.expected


async def _monthly_completeness(
    session: AsyncSession, context: LedgerContext, year: int, now: datetime
) -> list[MonthCompleteness]:
    """Recorded against expected slots per China month of the year, as the completeness rule counts them."""
    dialect = _dialect(session)
    year_start = datetime(year, 1, 1, tzinfo=CHINA)
    year_end = datetime(year + 1, 1, 1, tzinfo=CHINA)
    readings = MonitoringReading.__table__  # type: ignore[attr-defined]
    entries = LedgerEntry.__table__  # type: ignore[attr-defined]
    connection = await session.connection()
    # Per series and China day: how many distinct hours have a valid reading.
    day = _china_day(readings.c.measured_at, dialect).label("day")
    reading_days = await connection.execute(
        sa.select(
            readings.c.outlet_code,
            readings.c.pollutant,
            readings.c.method,
            day,
            sa.func.count(sa.distinct(_hour(readings.c.measured_at, dialect))),
        )
        .where(
            readings.c.permit_id == context.permit.id,
            readings.c.voided_at.is_(None),
            readings.c.measured_at >= year_start,
            readings.c.measured_at < year_end,
        )
        .group_by(readings.c.outlet_code, readings.c.pollutant, readings.c.method, day)
    )
    hours_by_day: dict[tuple[str, str, str], dict[date, int]] = defaultdict(dict)
    for outlet, pollutant, method, text, hours in reading_days:
        hours_by_day[(outlet, pollutant, method)][date.fromisoformat(str(text))] = int(hours)
    entry_day = _china_day(entries.c.period_start, dialect).label("day")
    entry_days = await connection.execute(
        sa.select(entries.c.kind, entry_day)
        .where(
            entries.c.permit_id == context.permit.id,
            entries.c.voided_at.is_(None),
            entries.c.period_start >= year_start,
            entries.c.period_start < year_end,
        )
        .group_by(entries.c.kind, entry_day)
    )
    days_by_kind: dict[str, set[date]] = defaultdict(set)
    for kind, text in entry_days:
        days_by_kind[kind].add(date.fromisoformat(str(text)))
    requirements: list[tuple[str, dict[date, int]]] = [
        (m.frequency, hours_by_day.get((point.code, m.pollutant, m.method), {}))
        for point in context.points
        for m in point.monitoring
    ]
    requirements += [
        (r.frequency, dict.fromkeys(days_by_kind.get(r.kind, set()), 1))
        for r in context.ledger_requirements
        if r.kind != "monitoring"
    ]
    months: list[MonthCompleteness] = []
    for month in range(1, 13):
        start = year_start.replace(month=month)
        end = min(year_end if month == 12 else year_start.replace(month=month + 1), now.astimezone(CHINA))
        start, end = _clip(start, end, context.permit)
        expected = recorded = 0
        for frequency, days in requirements:
            slots = rules.slot_count(start, end, frequency)
            if slots <= 0:
                continue
            expected += slots
            inside = {
                d: n for d, n in days.items() if start <= datetime(d.year, d.month, d.day, tzinfo=CHINA) < end
            }
            if frequency in HOURLY:
                filled = sum(inside.values())
            else:
                filled = len(
                    {
                        rules.slot_of(datetime(d.year, d.month, d.day, tzinfo=CHINA), frequency, start)
                        for d in inside
                    }
                )
            recorded += min(filled, slots)
        months.append(MonthCompleteness(month, expected, recorded))
    return months


@dataclass
class ChartsPage:
    context: LedgerContext
    outlet: str
    pollutant: str
    series: ConcentrationSeries | None
    year: int
    months: list[MonthCompleteness]
    start: datetime
    end: datetime
    errors: list[FieldError]


async def charts_page(
    session: AsyncSession,
    actor: Actor,
    *,
    permit_number: str,
    outlet: str = "",
    pollutant: str = "",
    start: str = "",
    end: str = "",
    year: str = "",
    now: datetime | None = None,
) -> ChartsPage:
    """One outlet and pollutant against its permitted concentration, and completeness month by month."""
    context = await _context(session, actor, permit_number)
    now = now or utcnow()
    errors: list[FieldError] = []
    today_start = now.astimezone(CHINA).replace(hour=0, minute=0, second=0, microsecond=0)
    first = _day(start, "from", errors) or today_start - timedelta(days=29)
    last = _day(end, "to", errors) or today_start
    if last < first:
        errors.append(FieldError("to", "end_before_start", N_("The end is not after the start.")))
        first, last = last, first
    if last - first > timedelta(days=3 * 366):
        errors.append(FieldError("from", "too_long", N_("Choose at most three years.")))
        first = last - timedelta(days=3 * 366)
    outlet, pollutant = outlet.strip().upper(), pollutant.strip().upper()
    if context.limit(outlet, pollutant) is None:
        monitored = [(p.code, m.pollutant) for p in context.points for m in p.monitoring]
        fallback = (
            monitored[0] if monitored else next(((p.code, lim.pollutant) for p, lim in context.pairs), None)
        )
        outlet, pollutant = fallback or ("", "")
    series = (
        await _concentration_series(session, context, outlet, pollutant, first, last + timedelta(days=1))
        if outlet
        else None
    )
    try:
        chosen_year = int(year) if year else today_start.year
    except ValueError:
        chosen_year = today_start.year
        errors.append(FieldError("year", "type", N_("Expected a number.")))
    chosen_year = min(max(chosen_year, 2000), today_start.year)
    months = await _monthly_completeness(session, context, chosen_year, now)
    return ChartsPage(
        context=context,
        outlet=outlet,
        pollutant=pollutant,
        series=series,
        year=chosen_year,
        months=months,
        start=first,
        end=last,
        errors=errors,
    )


# ---------------------------------------------------------------------------
# /exceedances: the warnings list (超量预警)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Warning:
    exceedance: Exceedance
    permit_number: str
    enterprise_name: str


async def warnings(
    session: AsyncSession, actor: Actor, *, status: str = "", first: int = 50, offset: int = 0
) -> Page[Warning]:
    """Regulators: their jurisdiction's exceedances; enterprise users: their own. Open first, newest first."""
    if status not in ("", "open", "explained"):
        raise ValidationFailed(
            [FieldError("status", "choice", N_("Choose one of: {choices}."), {"choices": "open, explained"})]
        )
    page = await service.list_exceedances(session, actor, status=status, first=first, offset=offset)
    ids = {permit.enterprise_id for _e, permit in page.items}
    names: dict[int, str] = {}
    if ids:
        rows = (
            await session.exec(select(Enterprise.id, Enterprise.name).where(col(Enterprise.id).in_(ids)))
        ).all()
        names = {int(i): n for i, n in rows if i is not None}
    return Page(
        items=[Warning(e, p.number or "", names.get(p.enterprise_id, "")) for e, p in page.items],
        offset=page.offset,
        total=page.total,
    )
