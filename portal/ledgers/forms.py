"""Ledger forms: what people type (text, China time) into the use cases' typed inputs.

Each parser returns the typed input and the problems of reading it (a number that is not one, a day
that is not a date); a value it could not read is ``None``. The route hands both to the use case
(``input_errors``), which checks access first and reports them with its own, so the person sees
every problem of the form at once. Whether a value is required, and every rule about it, is the
domain's: the same for GraphQL.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from domain.bounds import OutOfRange, in_range, out_of_range
from domain.clock import CHINA, utcnow
from domain.errors import N_, FieldError, ValidationFailed
from domain.ledgers.entry_rules import ENTRY_FIELDS, EntryInput
from domain.ledgers.models import MonitoringReading
from domain.ledgers.queries.ledger import china_month_start
from domain.ledgers.queries.records import ReadingFilters, next_month, text_of
from domain.ledgers.rules import ReadingInput
from domain.ledgers.service.shutdowns import ShutdownInput

QUANTITY_UNITS = ("kg", "t", "g")
ESTIMATE_FIELDS = ("estimate_outlet", "estimate_pollutant", "estimate_quantity_kg", "estimate_basis")
# A form's values are cut at these lengths before anything reads them (the body limit bounds the
# rest): longer than any value the domain accepts, so too long is still refused, by the domain.
SHORT = 200
LONG = 2100
REASON = 600

# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


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


def _number(text: str, name: str, errors: list[FieldError]) -> float | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        errors.append(FieldError(name, "type", N_("Expected a number.")))
        return None
    return value


def _time(text: str, name: str, errors: list[FieldError]) -> datetime | None:
    if not text.strip():
        return None
    try:
        return parse_china_time(text)
    except OutOfRange:
        errors.append(out_of_range(name))
    except ValueError:
        errors.append(FieldError(name, "date", N_("Expected a date and time.")))
    return None


def day(text: str, name: str, errors: list[FieldError]) -> date | None:
    """A typed China calendar day (``YYYY-MM-DD``); ``None`` when blank or unreadable (then named)."""
    text = (text or "")[:20].strip()
    if not text:
        return None
    try:
        return in_range(date.fromisoformat(text))
    except OutOfRange:
        errors.append(out_of_range(name))
    except ValueError:
        errors.append(FieldError(name, "date", N_("Expected a date (YYYY-MM-DD).")))
    return None


def _midnight(value: date | None) -> datetime | None:
    return None if value is None else datetime(value.year, value.month, value.day, tzinfo=CHINA)


# ---------------------------------------------------------------------------
# Readings
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
    def of(cls, values: Mapping[str, Any]) -> ReadingForm:
        names = cls.__dataclass_fields__
        return cls(**{name: str(values.get(name, "") or "")[:SHORT] for name in names})

    @classmethod
    def from_reading(cls, reading: MonitoringReading) -> ReadingForm:
        return cls(
            outlet=reading.outlet_code,
            pollutant=reading.pollutant,
            method=reading.method,
            measured_at=form_time(reading.measured_at),
            period_end=form_time(reading.period_end) if reading.method == "automatic" else "",
            concentration=text_of(reading.concentration),
            unit=reading.unit,
            flow_m3=text_of(reading.flow_m3),
            quantity=text_of(reading.quantity_kg),
            quantity_unit="kg",
        )

    def parsed(self) -> tuple[ReadingInput, list[FieldError]]:
        """The use case's input; errors name the form's fields (``concentration``, ``flow``)."""
        errors: list[FieldError] = []
        reading = ReadingInput(
            outlet_code=self.outlet,
            pollutant=self.pollutant,
            method=self.method,
            measured_at=_time(self.measured_at, "measured_at", errors),
            period_end=_time(self.period_end, "period_end", errors),
            concentration=_number(self.concentration, "concentration", errors),
            unit=self.unit,
            flow_m3=_number(self.flow_m3, "flow", errors),
            quantity=_number(self.quantity, "quantity", errors),
            quantity_unit=self.quantity_unit or "kg",
        )
        return reading, errors


BATCH_OF_ONE = "readings[0]."


def as_batch(errors: Sequence[FieldError]) -> list[FieldError]:
    """A form's errors as the errors of the first reading of a batch (``record_readings``)."""
    return [FieldError(f"{BATCH_OF_ONE}{e.field}", e.code, e.message, e.params) for e in errors]


def of_form(errors: Sequence[FieldError]) -> list[FieldError]:
    """The errors of a batch of one reading as the form's fields."""
    return [
        FieldError((e.field or "").removeprefix(BATCH_OF_ONE), e.code, e.message, e.params) for e in errors
    ]


@dataclass(frozen=True)
class ReadingFilterForm:
    """The readings table's filters as typed: China dates, the end date included."""

    outlet: str = ""
    pollutant: str = ""
    start: str = ""
    end: str = ""
    include_void: bool = False

    @classmethod
    def of(cls, params: Mapping[str, str]) -> ReadingFilterForm:
        return cls(
            outlet=params.get("outlet", "")[:8].strip().upper(),
            pollutant=params.get("pollutant", "")[:16].strip().upper(),
            start=params.get("from", "")[:10],
            end=params.get("to", "")[:10],
            include_void=params.get("void") in ("1", "on", "true"),
        )

    def parsed(self) -> tuple[ReadingFilters, list[FieldError]]:
        errors: list[FieldError] = []
        start = _midnight(day(self.start, "from", errors))
        end = _midnight(day(self.end, "to", errors))
        if start and end and end < start:
            errors.append(FieldError("to", "end_before_start", N_("The end is not after the start.")))
            end = None
        filters = ReadingFilters(
            outlet=self.outlet,
            pollutant=self.pollutant,
            start=start,
            end=end + timedelta(days=1) if end else None,
            include_void=self.include_void,
        )
        return filters, errors


# ---------------------------------------------------------------------------
# Other entries
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryForm:
    """An entry as typed: subject, China times, and the kind's fields named ``data.<field>``."""

    kind: str
    subject: str = ""
    period_start: str = ""
    period_end: str = ""
    data: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, kind: str, values: Mapping[str, Any]) -> EntryForm:
        names = [name for name, _required in ENTRY_FIELDS.get(kind, ())]
        if kind == "other":
            names += list(ESTIMATE_FIELDS)
        return cls(
            kind=kind,
            subject=str(values.get("subject", "") or "")[:SHORT],
            period_start=str(values.get("period_start", "") or "")[:40],
            period_end=str(values.get("period_end", "") or "")[:40],
            data={name: str(values.get(f"data.{name}", "") or "")[:LONG] for name in names},
        )

    @classmethod
    def from_entry(cls, entry: Any) -> EntryForm:
        data = {name: text_of(entry.data.get(name)) for name, _required in ENTRY_FIELDS.get(entry.kind, ())}
        estimate = entry.data.get("estimate")
        if entry.kind == "other":
            estimate = estimate if isinstance(estimate, dict) else {}
            data.update(
                estimate_outlet=text_of(estimate.get("outlet")),
                estimate_pollutant=text_of(estimate.get("pollutant")),
                estimate_quantity_kg=text_of(estimate.get("quantity_kg")),
                estimate_basis=text_of(estimate.get("basis")),
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

    def parsed(self) -> tuple[EntryInput, list[FieldError]]:
        """The use case's input: times read as China time; the kind's fields as typed (the domain reads
        their numbers, as it does GraphQL's JSON)."""
        errors: list[FieldError] = []
        start = _time(self.period_start, "period_start", errors)
        end = _time(self.period_end, "period_end", errors)
        data: dict[str, Any] = {
            name: self.value(name) for name, _required in ENTRY_FIELDS.get(self.kind, ()) if self.value(name)
        }
        if self.kind == "other" and any(self.value(name).strip() for name in ESTIMATE_FIELDS):
            data["estimate"] = {
                "outlet": self.value("estimate_outlet"),
                "pollutant": self.value("estimate_pollutant"),
                "quantity_kg": self.value("estimate_quantity_kg").strip() or None,
                "basis": self.value("estimate_basis"),
            }
            if data["estimate"]["quantity_kg"] is None:
                del data["estimate"]["quantity_kg"]
        entry = EntryInput(
            kind=self.kind, subject=self.subject, period_start=start, period_end=end, data=data
        )
        return entry, errors


def month_start(text: str | None, now: datetime | None = None) -> datetime:
    """The first moment of a typed ``YYYY-MM`` month in China time; this month when unreadable."""
    try:
        year, month = (int(part) for part in (text or "").split("-")[:2])
        return in_range(datetime(year, month, 1, tzinfo=CHINA))
    except ValueError:
        return china_month_start(now or utcnow())


# ---------------------------------------------------------------------------
# Shutdowns
# ---------------------------------------------------------------------------


def shutdown_input(values: Mapping[str, Any]) -> tuple[ShutdownInput, list[FieldError]]:
    errors: list[FieldError] = []
    data = ShutdownInput(
        day(str(values.get("starts_on", "")), "starts_on", errors),
        day(str(values.get("ends_on", "")), "ends_on", errors),
        str(values.get("reason", ""))[:REASON],
    )
    return data, errors


# ---------------------------------------------------------------------------
# Export and charts
# ---------------------------------------------------------------------------


def export_window(first: str, last: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) of an export from two typed days (China time): from ``first`` (default: the start
    of this month) to the end of ``last`` (default: the end of ``first``'s month)."""
    errors: list[FieldError] = []
    start = _midnight(day(first, "from", errors)) or china_month_start(now or utcnow())
    last_day = _midnight(day(last, "to", errors))
    if errors:
        raise ValidationFailed(errors)
    end = last_day + timedelta(days=1) if last_day else next_month(china_month_start(start))
    return start, end


@dataclass(frozen=True)
class ChartsForm:
    outlet: str
    pollutant: str
    first_day: date | None
    last_day: date | None
    year: int | None
    errors: list[FieldError]

    @classmethod
    def of(cls, params: Mapping[str, str]) -> ChartsForm:
        errors: list[FieldError] = []
        outlet, _sep, pollutant = params.get("series", "").partition(":")
        first_day = day(params.get("from", "")[:10], "from", errors)
        last_day = day(params.get("to", "")[:10], "to", errors)
        typed_year = params.get("year", "")[:4].strip()
        year = None
        if typed_year:
            try:
                year = int(typed_year)
            except ValueError:
                errors.append(FieldError("year", "type", N_("Expected a number.")))
        return cls(outlet[:8], pollutant[:16], first_day, last_day, year, errors)
